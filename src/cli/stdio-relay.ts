import { type CallToolResult, Server, type ServerContext } from '@modelcontextprotocol/server';
import { type StdioServerTransport, serveStdio } from '@modelcontextprotocol/server/stdio';
import type { Logger } from 'pino';
import { SERVER_INFO } from '../mcp/server-info.js';
import { channelForPush } from './stdio-channel.js';
import { RemoteChat } from './stdio-remote.js';

export interface RelayOptions {
  /** The server's MCP endpoint, such as http://127.0.0.1:8000/mcp. */
  server: URL;
  token: string | undefined;
  transport: StdioServerTransport;
  logger: Logger;
}

/** The server's own push, passed on as it comes. */
const PUSH_METHODS = new Set(['chatroom.found', 'message.received', 'partner.disconnected']);
const CHANNEL_METHOD = 'notifications/claude/channel';

/**
 * The longest a relayed call may take without progress: a wait is clamped to 300 s, and the
 * server reports progress on parked waits (every 15 s by default), which resets this.
 */
const CALL_TIMEOUT_MS = 330_000;

/** Tools whose refusals carry `success: false` (the original design's shape). */
const SUCCESS_FLAG_TOOLS = new Set(['send_message', 'leave_chat']);

/**
 * `mcp-chat stdio --server URL`: an MCP server on stdio whose tools are those of an MCP Chat
 * server, called over Streamable HTTP (stdio-remote.ts). Each push notification goes to the stdio
 * client as it came and as a Claude Code channel event, so that an idle agent starts a turn; a
 * server that sends channel events itself has them passed on instead of translated.
 *
 * Returns the function that closes both ends.
 */
export async function runRelay({
  server,
  token,
  transport,
  logger,
}: RelayOptions): Promise<() => Promise<void>> {
  /** The stdio side's server objects (one per connection, made by serveStdio's factory). */
  const locals = new Set<Server>();
  const tellLocals = (notification: { method: string; params?: Record<string, unknown> }) => {
    for (const local of locals) {
      const sent =
        notification.method === 'notifications/message'
          ? local.sendLoggingMessage(notification.params as never)
          : local.notification(notification as never);
      sent.catch((error: unknown) => logger.debug({ err: error }, 'notification not passed on'));
    }
  };
  const remote = new RemoteChat({
    server,
    token,
    logger,
    onNotification: (notification) => {
      if (PUSH_METHODS.has(notification.method)) {
        tellLocals(notification);
        if (!remote.sendsChannelEvents) {
          const channel = channelForPush(notification.method, notification.params);
          if (channel) tellLocals(channel);
        }
      } else if (notification.method === CHANNEL_METHOD || notification.method === 'notifications/message') {
        tellLocals(notification);
      }
    },
  });
  await remote.connect();
  logger.info({ server: server.href, tools: remote.tools.length }, 'mcp-chat stdio relaying');

  const connection = serveStdio(
    () => {
      const local = relayServer(remote, server);
      locals.add(local);
      local.onclose = () => locals.delete(local);
      return local;
    },
    { transport, onerror: (error) => logger.debug({ err: error }, 'stdio transport error') },
  );
  return async () => {
    await connection.close();
    await remote.close();
  };
}

function relayServer(remote: RemoteChat, server: URL): Server {
  const local = new Server(SERVER_INFO, {
    capabilities: { tools: { listChanged: false }, logging: {}, experimental: { 'claude/channel': {} } },
    instructions: remote.instructions,
  });
  local.setRequestHandler('tools/list', () => ({ tools: remote.tools }));
  local.setRequestHandler('tools/call', (request, ctx) => relayCall(remote, request.params, ctx, server));
  return local;
}

/**
 * One tool call, passed on. Progress from the server is passed back when the stdio client asked
 * for it (and always resets this call's own timeout). A server out of reach is the contract's
 * `unavailable` refusal, not a protocol error, so the model reads it and tries again.
 */
async function relayCall(
  remote: RemoteChat,
  params: { name: string; arguments?: Record<string, unknown> },
  ctx: ServerContext,
  server: URL,
): Promise<CallToolResult> {
  const progressToken = ctx.mcpReq._meta?.progressToken;
  try {
    return await remote.call(
      { name: params.name, arguments: params.arguments ?? {} },
      {
        signal: ctx.mcpReq.signal,
        timeout: CALL_TIMEOUT_MS,
        onprogress: (progress) => {
          if (progressToken === undefined) return;
          ctx.mcpReq
            .notify({ method: 'notifications/progress', params: { ...progress, progressToken } })
            .catch(() => {});
        },
      },
    );
  } catch (error) {
    if (ctx.mcpReq.signal.aborted) throw error;
    const body: Record<string, unknown> = {
      error: `The MCP Chat server at ${server.origin} could not be reached (${(error as Error).message}). Try again in a moment.`,
      code: 'unavailable',
    };
    if (SUCCESS_FLAG_TOOLS.has(params.name)) body.success = false;
    return {
      content: [{ type: 'text', text: JSON.stringify(body) }],
      structuredContent: body,
      isError: true,
    };
  }
}
