import { McpServer, type ServerContext } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { ChatEvent } from '../chat/engine.js';
import { ChatError } from '../chat/errors.js';
import type { ChatService } from '../chat/service.js';
import { VERSION } from '../version.js';
import { advertisedSchema } from './advertised-schema.js';
import { responseChannel } from './delivery.js';
import { descriptions, titles } from './descriptions.js';
import { pushFor } from './notifications.js';
import { errorResult, failureResult, toolResult } from './results.js';
import { advertisedOutputSchema, inputSchemas, type ToolName } from './schemas.js';
import { SessionPush } from './session-push.js';
import { type CallContext, type ToolDefinition, tools } from './tools.js';

export interface ChatServerDeps {
  chat: ChatService;
  logger: Logger;
  /** How often a parked wait that carries a progressToken reports progress. */
  progressIntervalMs: number;
  /** Told of every answered call: `ok` or the error code (for metrics). */
  onToolCall?: (tool: ToolName, outcome: string) => void;
}

/** A 2025-era session's server object and the push channel bound to it. */
export interface SessionServer {
  server: McpServer;
  close(): void;
}

const INSTRUCTIONS = [
  'MCP Chat connects you with other people and AI agents for a conversation.',
  'Start with enter_queue (a random partner) or join_room (a room name agreed with someone).',
  'Both return a client_id: pass it to every later call and never reveal it.',
  'Then loop: send_message, then wait_for_message, then repeat; on a timeout result call wait_for_message again.',
].join(' ');

// Converted once per process: the SDK asks for these on every request.
const advertised = Object.fromEntries(
  (Object.keys(tools) as ToolName[]).map((name) => [
    name,
    {
      input: advertisedSchema(inputSchemas[name], 'input'),
      output: advertisedSchema(advertisedOutputSchema(name), 'output'),
    },
  ]),
) as Record<
  ToolName,
  { input: ReturnType<typeof advertisedSchema>; output: ReturnType<typeof advertisedSchema> }
>;

/**
 * A server object for one 2026-07-28 request. Notifications for the caller ride the response
 * stream of its open wait; all chat state lives outside the object.
 */
export function createChatServer(deps: ChatServerDeps): McpServer {
  return buildServer(deps, undefined);
}

/** A server object for one 2025-era session, with its push channel (the session's GET stream). */
export function createSessionServer(deps: ChatServerDeps): SessionServer {
  let push: SessionPush | undefined;
  const server = buildServer(deps, (clientId, userId) => push?.bind(clientId, userId));
  push = new SessionPush(server, deps.chat, deps.logger);
  const bound = push;
  return { server, close: () => bound.close() };
}

type BindClient = (clientId: string, userId?: string) => Promise<void> | undefined;

function buildServer(deps: ChatServerDeps, bindClient: BindClient | undefined): McpServer {
  const server = new McpServer(
    { name: 'mcp-chat', title: 'MCP Chat', version: VERSION },
    { capabilities: { logging: {} }, instructions: INSTRUCTIONS },
  );
  for (const name of Object.keys(tools) as ToolName[]) {
    server.registerTool(
      name,
      {
        title: titles[name],
        description: descriptions[name],
        inputSchema: advertised[name].input,
        outputSchema: advertised[name].output,
        annotations: { title: titles[name], ...tools[name].annotations },
      },
      (args: unknown, ctx: ServerContext) => callTool(name, args, ctx, deps, bindClient),
    );
  }
  return server;
}

async function callTool(
  name: ToolName,
  rawArgs: unknown,
  ctx: ServerContext,
  deps: ChatServerDeps,
  bindClient: BindClient | undefined,
) {
  const tool = tools[name] as ToolDefinition<ToolName>;
  const parsed = inputSchemas[name].safeParse(rawArgs ?? {});
  if (!parsed.success) {
    deps.onToolCall?.(name, 'invalid_argument');
    return errorResult('invalid_argument', describeIssues(name, parsed.error), tool.successFlag);
  }
  const stopProgress = tool.parks ? reportProgress(ctx, deps.progressIntervalMs) : undefined;
  try {
    const body = await tool.run(deps.chat, parsed.data as never, callContext(ctx, deps.logger, !bindClient));
    // The session has now used this identity: from here on it hears what concerns it.
    const clientId = (parsed.data as { client_id?: string }).client_id ?? body.client_id;
    if (bindClient && typeof clientId === 'string') {
      await bindClient(clientId, typeof body.user_id === 'string' ? body.user_id : undefined);
    }
    deps.onToolCall?.(name, 'ok');
    return toolResult(body);
  } catch (failure) {
    deps.onToolCall?.(name, failure instanceof ChatError ? failure.code : 'internal_error');
    if (!(failure instanceof ChatError)) deps.logger.error({ err: failure, tool: name }, 'tool call failed');
    else if (failure.code === 'unavailable') {
      deps.logger.warn({ tool: name, reason: failure.message }, 'storage unavailable');
    }
    return failureResult(failure, tool.successFlag);
  } finally {
    stopProgress?.();
  }
}

/**
 * A 2026-07-28 client cancels by closing its HTTP request; a 2025-era client posts
 * `notifications/cancelled` (the SDK's signal) but a dropped 2025-era POST trips only the HTTP
 * request's signal. Either ends the wait.
 */
function callContext(ctx: ServerContext, logger: Logger, forwardOnResponse: boolean): CallContext {
  const httpSignal = ctx.http?.req?.signal;
  const signal = httpSignal ? AbortSignal.any([ctx.mcpReq.signal, httpSignal]) : ctx.mcpReq.signal;
  const channel = responseChannel.getStore();
  return {
    signal,
    onUndelivered: (undo) => {
      const run = () =>
        undo().catch((error: unknown) => logger.error({ err: error }, 'could not put messages back'));
      // Cancelled already: the SDK drops the answer of a cancelled request, so it will not arrive.
      if (signal.aborted) run();
      else channel?.onUndelivered(run);
    },
    // Without a session there is no GET stream: the wait's own response stream carries push.
    forward: forwardOnResponse
      ? (event: ChatEvent) => {
          const push = pushFor(event);
          if (push) ctx.mcpReq.notify(push).catch(() => {});
        }
      : undefined,
  };
}

/**
 * Progress keeps a parked wait alive in clients whose timeouts reset on progress (Claude Code,
 * the SDK client with `resetTimeoutOnProgress`). Sent only when the request asked for it.
 */
function reportProgress(ctx: ServerContext, intervalMs: number): (() => void) | undefined {
  const progressToken = ctx.mcpReq._meta?.progressToken;
  if (progressToken === undefined) return undefined;
  let progress = 0;
  const timer = setInterval(() => {
    progress++;
    ctx.mcpReq
      .notify({
        method: 'notifications/progress',
        params: {
          progressToken,
          progress,
          message: 'Still waiting; the call returns as soon as something arrives.',
        },
      })
      .catch(() => {});
  }, intervalMs);
  return () => clearInterval(timer);
}

function describeIssues(tool: ToolName, error: z.ZodError): string {
  const issues = error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : 'arguments';
    return `${where}: ${issue.message}`;
  });
  return `Invalid arguments for ${tool}: ${issues.join('; ')}. See the tool's input schema.`;
}
