import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { type CallToolResult, Server, type ServerContext, type Tool } from '@modelcontextprotocol/server';
import { type StdioServerTransport, serveStdio } from '@modelcontextprotocol/server/stdio';
import type { Logger } from 'pino';
import { SERVER_INFO } from '../mcp/server.js';
import { VERSION } from '../version.js';
import { channelForPush } from './stdio-channel.js';

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
 * server, called over Streamable HTTP with the official client in one 2025-era session. The
 * session's GET stream brings the server's push; each notification goes to the stdio client as
 * it came and, as a Claude Code channel event, so that an idle agent starts a turn. A server that
 * sends channel events itself has them passed on instead of translated.
 *
 * Returns the function that closes both ends.
 */
export async function runRelay({
  server,
  token,
  transport,
  logger,
}: RelayOptions): Promise<() => Promise<void>> {
  const remote = new Client({ name: 'mcp-chat-stdio', version: VERSION });
  const http = new StreamableHTTPClientTransport(server, {
    requestInit: token ? { headers: { authorization: `Bearer ${token}` } } : undefined,
  });
  try {
    await remote.connect(http);
  } catch (error) {
    throw new Error(
      `Could not connect to the MCP Chat server at ${server.href}: ${(error as Error).message}`,
    );
  }
  const serverSendsChannel = remote.getServerCapabilities()?.experimental?.['claude/channel'] !== undefined;
  const { tools } = await remote.listTools();
  logger.info({ server: server.href, tools: tools.length }, 'mcp-chat stdio relaying');

  /** The stdio side's server object: one per connection, made by serveStdio's factory. */
  const locals = new Set<Server>();
  const tellLocals = (notification: { method: string; params?: Record<string, unknown> }) => {
    for (const local of locals) {
      local.notification(notification as never).catch((error: unknown) => {
        logger.debug({ err: error }, 'notification not passed on');
      });
    }
  };
  remote.fallbackNotificationHandler = async (notification) => {
    const params = notification.params as Record<string, unknown> | undefined;
    if (PUSH_METHODS.has(notification.method)) {
      tellLocals({ method: notification.method, params });
      if (!serverSendsChannel) {
        const channel = channelForPush(notification.method, params);
        if (channel) tellLocals(channel);
      }
    } else if (notification.method === CHANNEL_METHOD) {
      tellLocals({ method: notification.method, params });
    }
  };
  remote.setNotificationHandler('notifications/message', async (notification) => {
    for (const local of locals) local.sendLoggingMessage(notification.params).catch(() => {});
  });

  const connection = serveStdio(
    () => {
      const local = relayServer(remote, tools, server, remote.getInstructions());
      locals.add(local);
      local.onclose = () => locals.delete(local);
      return local;
    },
    { transport, onerror: (error) => logger.debug({ err: error }, 'stdio transport error') },
  );
  return async () => {
    await connection.close();
    await remote.close().catch(() => {});
  };
}

function relayServer(remote: Client, tools: Tool[], server: URL, instructions: string | undefined): Server {
  const local = new Server(SERVER_INFO, {
    capabilities: { tools: { listChanged: false }, logging: {}, experimental: { 'claude/channel': {} } },
    instructions,
  });
  local.setRequestHandler('tools/list', () => ({ tools }));
  local.setRequestHandler('tools/call', (request, ctx) => relayCall(remote, request.params, ctx, server));
  return local;
}

/**
 * One tool call, passed on. Progress from the server is passed back when the stdio client asked
 * for it (and always resets this call's own timeout). A server out of reach is the contract's
 * `unavailable` refusal, not a protocol error, so the model reads it and tries again.
 */
async function relayCall(
  remote: Client,
  params: { name: string; arguments?: Record<string, unknown> },
  ctx: ServerContext,
  server: URL,
): Promise<CallToolResult> {
  const progressToken = ctx.mcpReq._meta?.progressToken;
  try {
    return (await remote.callTool(
      { name: params.name, arguments: params.arguments ?? {} },
      {
        signal: ctx.mcpReq.signal,
        timeout: CALL_TIMEOUT_MS,
        resetTimeoutOnProgress: true,
        onprogress: (progress) => {
          if (progressToken === undefined) return;
          ctx.mcpReq
            .notify({ method: 'notifications/progress', params: { ...progress, progressToken } })
            .catch(() => {});
        },
      },
    )) as CallToolResult;
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
