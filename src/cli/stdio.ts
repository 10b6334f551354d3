import type { JSONRPCMessage, Server } from '@modelcontextprotocol/server';
import { StdioServerTransport, serveStdio } from '@modelcontextprotocol/server/stdio';
import type { Logger } from 'pino';
import { type ChatServerDeps, createChatServer, createSessionServer } from '../mcp/server.js';
import type { ServeConfig } from './config.js';
import { createChat, createLogger, openEngine, presenceSweeper } from './serve.js';
import { channelForPush } from './stdio-channel.js';
import { loadStdioOptions } from './stdio-options.js';
import { runRelay } from './stdio-relay.js';

/** Exits within 10 s of a signal or the end of stdin even if something hangs. */
const HARD_EXIT_MS = 9_000;

/**
 * The wire to the client, which says when it ends: stdin reached its end (the client went away)
 * or the connection was closed. Either way this process has nobody left to serve.
 *
 * With `pushAsChannel`, each push notification that goes out is followed by the same news as a
 * Claude Code channel event (stdio-channel.ts), so that an idle agent starts a turn.
 */
export class EndingStdioTransport extends StdioServerTransport {
  pushAsChannel = false;

  constructor(private readonly onEnd: () => void) {
    super();
  }

  override async send(message: JSONRPCMessage): Promise<void> {
    await super.send(message);
    if (!this.pushAsChannel || !('method' in message) || 'id' in message) return;
    const channel = channelForPush(message.method, message.params as Record<string, unknown> | undefined);
    if (channel) await super.send({ jsonrpc: '2.0', ...channel });
  }

  override async close(): Promise<void> {
    await super.close();
    this.onEnd();
  }
}

/** `mcp-chat stdio`: parses its options and runs the embedded chat or the relay until stdin ends. */
export async function runStdio(args: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  const options = loadStdioOptions(args, env);
  const logger = createLogger(options.config.logLevel);
  let stop: () => Promise<void> = async () => {};
  let stopping = false;
  const end = (why: string) => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      logger.info({ why }, 'mcp-chat stdio stopping');
      setTimeout(() => {
        logger.error('stopping took too long; exiting');
        process.exit(1);
      }, HARD_EXIT_MS).unref();
      try {
        await stop();
        process.exit(0);
      } catch (error) {
        logger.error({ err: error }, 'stopping failed');
        process.exit(1);
      }
    })();
  };
  const transport = new EndingStdioTransport(() => end('the client closed the connection'));
  if (options.mode === 'relay') {
    stop = await runRelay({ server: options.server, token: options.token, transport, logger });
  } else {
    transport.pushAsChannel = true;
    stop = await runEmbedded(options.config, transport, logger);
  }
  process.once('SIGTERM', () => end('SIGTERM'));
  process.once('SIGINT', () => end('SIGINT'));
}

/**
 * The chat in this process, on the shared file. A client that opens with `initialize` (every
 * 2025-era client: Claude Code, Claude Desktop) gets a session server, whose push and channel
 * notifications go out on the connection itself; a 2026-07-28 client gets the per-request server,
 * whose push rides the responses of its waits, as over HTTP.
 */
async function runEmbedded(
  config: ServeConfig,
  transport: EndingStdioTransport,
  logger: Logger,
): Promise<() => Promise<void>> {
  const { engine, connected } = openEngine(config, logger);
  await connected;
  const chat = createChat(config, engine);
  const presence = presenceSweeper(chat, logger);
  presence.start();
  const deps: ChatServerDeps = { chat, logger, progressIntervalMs: config.progressIntervalSeconds * 1000 };
  const closeSessions = new Set<() => void>();
  const connection = serveStdio(
    ({ era }) => {
      if (era === 'modern') return withChannel(createChatServer(deps), transport);
      const session = createSessionServer(deps);
      withChannel(session.server, transport);
      closeSessions.add(session.close);
      session.server.onclose = () => {
        session.close();
        closeSessions.delete(session.close);
      };
      return session.server;
    },
    { transport, onerror: (error) => logger.debug({ err: error }, 'stdio transport error') },
  );
  logger.info({ storage: config.redisUrl ? 'redis' : config.db }, 'mcp-chat stdio ready');
  return async () => {
    chat.stopWaits();
    await connection.close();
    for (const close of closeSessions) close();
    await presence.stop();
    await engine.close();
  };
}

/**
 * Offers Claude Code channels (`experimental["claude/channel"]`), whose events the transport adds
 * from the push. A server object that offers channels already sends its own events: the
 * transport then adds none, so nothing reaches the client twice.
 */
function withChannel(server: Server, transport: EndingStdioTransport): Server {
  if (server.getCapabilities().experimental?.['claude/channel'] !== undefined) {
    transport.pushAsChannel = false;
    return server;
  }
  server.registerCapabilities({ experimental: { 'claude/channel': {} } });
  return server;
}
