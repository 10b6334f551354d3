import { McpServer, type ServerContext } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { ChatError } from '../chat/errors.js';
import type { ChatService } from '../chat/service.js';
import { VERSION } from '../version.js';
import { advertisedSchema } from './advertised-schema.js';
import { descriptions, titles } from './descriptions.js';
import { errorResult, failureResult, toolResult } from './results.js';
import { advertisedOutputSchema, inputSchemas, type ToolName } from './schemas.js';
import { type CallContext, type ToolDefinition, tools } from './tools.js';

export interface ChatServerDeps {
  chat: ChatService;
  logger: Logger;
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
 * One MCP server object: the protocol face over the shared chat. The HTTP layer makes one per
 * 2026-07-28 request and one per 2025-era session; all chat state lives outside them.
 */
export function createChatServer({ chat, logger }: ChatServerDeps): McpServer {
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
      (args: unknown, ctx: ServerContext) => callTool(name, args, ctx, { chat, logger }),
    );
  }
  return server;
}

async function callTool(
  name: ToolName,
  rawArgs: unknown,
  ctx: ServerContext,
  { chat, logger }: ChatServerDeps,
) {
  const tool = tools[name] as ToolDefinition<ToolName>;
  const parsed = inputSchemas[name].safeParse(rawArgs ?? {});
  if (!parsed.success) {
    return errorResult('invalid_argument', describeIssues(name, parsed.error), tool.successFlag);
  }
  try {
    const body = await tool.run(chat, parsed.data as never, callContext(ctx));
    return toolResult(body);
  } catch (failure) {
    if (!(failure instanceof ChatError)) logger.error({ err: failure, tool: name }, 'tool call failed');
    else if (failure.code === 'unavailable')
      logger.warn({ tool: name, reason: failure.message }, 'storage unavailable');
    return failureResult(failure, tool.successFlag);
  }
}

/**
 * A 2026-07-28 client cancels by closing its HTTP request; a 2025-era client posts
 * `notifications/cancelled` (the SDK's signal) but a dropped 2025-era POST trips only the HTTP
 * request's signal. Either ends the wait.
 */
function callContext(ctx: ServerContext): CallContext {
  const httpSignal = ctx.http?.req?.signal;
  const signal = httpSignal ? AbortSignal.any([ctx.mcpReq.signal, httpSignal]) : ctx.mcpReq.signal;
  return { signal };
}

function describeIssues(tool: ToolName, error: z.ZodError): string {
  const issues = error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : 'arguments';
    return `${where}: ${issue.message}`;
  });
  return `Invalid arguments for ${tool}: ${issues.join('; ')}. See the tool's input schema.`;
}
