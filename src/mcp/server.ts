import {
  type LoggingLevel,
  ProtocolError,
  ProtocolErrorCode,
  Server,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import type { ChatEvent } from '../chat/index.js';
import { registerRoomView } from './app-resource.js';
import { type CallOrigin, originOf } from './caller.js';
import { CHANNEL_CAPABILITY } from './channel.js';
import { PendingResponses } from './delivery.js';
import { answerLeanRequest, type CallStream, type LeanSession } from './lean-calls.js';
import type { LeanRequest } from './lean-requests.js';
import { pushFor } from './notifications.js';
import { SERVER_INFO } from './server-info.js';
import { LOGGING_LEVELS, SessionPush } from './session-push.js';
import { reportProgress, runTool, type ToolCallDeps } from './tool-call.js';
import { TOOL_LIST } from './tool-list.js';
import { type CallContext, isToolName, type ToolName, toolNamed } from './tools/index.js';
import { defaultWaitSeconds } from './wait-defaults.js';

export interface ChatServerDeps extends ToolCallDeps {
  logger: Logger;
  /** How often a parked wait that carries a progressToken reports progress. */
  progressIntervalMs: number;
}

/** A 2025-era session's server object and the push channel bound to it. */
export interface SessionServer {
  server: Server;
  /** The session's open POST responses, registered by the HTTP layer. */
  responses: PendingResponses;
  /** Answers a plain request of this session on the lean lane (mcp/lean-calls.ts), past the SDK. */
  answer(request: LeanRequest, stream: CallStream, origin: CallOrigin): Promise<void>;
  /** Hears a participant bound before (a rebuilt session) or on another instance. */
  watchUser(userId: string): void;
  /** Applies a `logging/setLevel` made before (a rebuilt session) or on another instance. */
  setLogLevel(level: string): void;
  /** Whether this copy pushes (see SessionPush.pushing); sessions made with record hooks start silent. */
  setPushing(on: boolean): void;
  close(): void;
}

/** What the session's record learns from its server object. */
export interface SessionRecordHooks {
  /** A call bound this participant to the session for the first time. */
  bound(userId: string): void;
  /** The client set its logging level. */
  logLevel(level: LoggingLevel): void;
}

const INSTRUCTIONS = [
  'MCP Chat connects you with other people and AI agents for a conversation.',
  'Start with enter_queue (a random partner), join_room (a room name agreed with someone), or list_rooms to find public rooms with people in them.',
  'Both return a client_id: pass it to every later call and never reveal it.',
  'Then loop: send_message, then wait_for_message, then repeat; on a timeout result call wait_for_message again.',
  'Every result carries "unread" when someone wrote to you in another of your rooms.',
  'If your client shows you channel events from mcp-chat (Claude Code with channels on), you may end your turn instead of waiting:',
  'each new message starts a turn of its own. Answer it with send_message and read_up_to set to its seq, so wait_for_message does not repeat it.',
  'Use reply_to to answer a particular message, @name to address someone, and search_messages before asking again for something already said.',
].join(' ');

/**
 * A server object for one 2026-07-28 request. Notifications for the caller ride the response
 * stream of its open wait; all chat state lives outside the object.
 */
export function createChatServer(deps: ChatServerDeps): Server {
  return buildServer(deps, undefined);
}

/** A server object for one 2025-era session, with its push channel (the session's GET stream). */
export function createSessionServer(deps: ChatServerDeps, record?: SessionRecordHooks): SessionServer {
  let push: SessionPush | undefined;
  const responses = new PendingResponses();
  const hooks: SessionHooks = {
    async bindCaller(args, body) {
      await push?.bindCaller(args, body);
    },
    responses,
    get clientName() {
      return server.getClientVersion()?.name;
    },
  };
  const server = buildServer(deps, hooks);
  push = new SessionPush(server, deps.chat, deps.logger, (userId) => record?.bound(userId));
  const bound = push;
  bound.pushing = record === undefined;
  // The session's level, not the SDK's per-object one: it is stored and applies on every instance.
  server.setRequestHandler('logging/setLevel', (request) => {
    bound.level = request.params.level;
    record?.logLevel(request.params.level);
    return {};
  });
  return {
    server,
    responses,
    answer: (request, stream, origin) => answerLeanRequest(deps, request, stream, origin, hooks),
    watchUser: (userId) => void bound.watchUser(userId),
    setLogLevel: (level) => {
      if (isLoggingLevel(level)) bound.level = level;
    },
    setPushing: (on) => {
      bound.pushing = on;
    },
    close: () => bound.close(),
  };
}

function isLoggingLevel(level: string): level is LoggingLevel {
  return (LOGGING_LEVELS as readonly string[]).includes(level);
}

/** What a 2025-era session adds to its server object: push binding and its open responses. */
interface SessionHooks extends LeanSession {
  responses: PendingResponses;
}

/**
 * The low-level SDK server with two handlers: a fixed `tools/list` and a `tools/call` that runs
 * our tool code. (The SDK's high-level McpServer would register eight tools per object, and a
 * 2026-07-28 request builds one object each.) Logging (`logging/setLevel`) comes with the
 * capability.
 */
function buildServer(deps: ChatServerDeps, session: SessionHooks | undefined): Server {
  const server = new Server(SERVER_INFO, {
    // Sessions have a stream for push, so they are offered Claude Code channels (see channel.ts).
    capabilities: {
      tools: { listChanged: false },
      logging: {},
      resources: { listChanged: false },
      ...(session ? { experimental: { [CHANNEL_CAPABILITY]: {} } } : {}),
    },
    instructions: INSTRUCTIONS,
  });
  server.setRequestHandler('tools/list', () => ({ tools: TOOL_LIST }));
  registerRoomView(server);
  server.setRequestHandler('tools/call', (request, ctx) => {
    const { name, arguments: args } = request.params;
    if (!isToolName(name)) {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Tool ${name} not found. See tools/list.`);
    }
    return callTool(name, args, ctx, deps, session, server.getClientVersion()?.name);
  });
  return server;
}

async function callTool(
  name: ToolName,
  rawArgs: unknown,
  ctx: ServerContext,
  deps: ChatServerDeps,
  session: SessionHooks | undefined,
  /** From initialize (2025 era) or the request's own envelope (2026-07-28). */
  clientName: string | undefined,
) {
  const progressToken = ctx.mcpReq._meta?.progressToken;
  const progress = toolNamed(name).parks
    ? reportProgress(progressToken, deps.progressIntervalMs, (n) => void ctx.mcpReq.notify(n).catch(() => {}))
    : undefined;
  try {
    const call = {
      ...callContext(ctx, deps.logger, session),
      defaultWaitSeconds: defaultWaitSeconds({ clientName, wantsProgress: progressToken !== undefined }),
      listening: progress?.tick,
    };
    return await runTool(
      name,
      rawArgs,
      deps,
      call,
      session && ((args, body) => session.bindCaller(args, body)),
    );
  } finally {
    progress?.stop();
  }
}

/**
 * A 2026-07-28 client cancels by closing its HTTP request; a 2025-era client posts
 * `notifications/cancelled` (the SDK's signal) but a dropped 2025-era POST trips only the HTTP
 * request's signal. Either ends the wait.
 */
function callContext(ctx: ServerContext, logger: Logger, session: SessionHooks | undefined): CallContext {
  const httpSignal = ctx.http?.req?.signal;
  const signal = httpSignal ? AbortSignal.any([ctx.mcpReq.signal, httpSignal]) : ctx.mcpReq.signal;
  const channel = session?.responses.channelFor(ctx.mcpReq.id);
  return {
    origin: originOf(ctx.http?.authInfo),
    signal,
    onUndelivered: (undo) => {
      const run = () =>
        undo().catch((error: unknown) => logger.error({ err: error }, 'could not put messages back'));
      // Cancelled already: the SDK drops the answer of a cancelled request, so it will not arrive.
      if (signal.aborted) run();
      else channel?.onUndelivered(run);
    },
    // Without a session there is no GET stream: the wait's own response stream carries push.
    forward: !session
      ? (event: ChatEvent) => {
          const push = pushFor(event);
          if (push) ctx.mcpReq.notify(push).catch(() => {});
        }
      : undefined,
  };
}
