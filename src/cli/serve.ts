import pino, { type Logger } from 'pino';
import type { ChatEngine } from '../chat/engine.js';
import { PresenceSweeper } from '../chat/presence.js';
import { ChatService } from '../chat/service.js';
import { SqliteEngine } from '../engines/sqlite/engine.js';
import { HttpApp } from '../http/app.js';
import { Metrics } from '../http/metrics.js';
import { createChatServer, createSessionServer } from '../mcp/server.js';
import type { ServeConfig } from './config.js';

export interface RunningServer {
  /** Base URL, such as http://127.0.0.1:8000; the MCP endpoint is `${url}/mcp`. */
  url: string;
  app: HttpApp;
  chat: ChatService;
  engine: ChatEngine;
  /** The graceful stop of the contract: answers waits, finishes calls, closes storage. */
  stop(): Promise<void>;
}

/** Request bodies may hold one message plus JSON-RPC framing; anything far larger is refused unread. */
function bodyLimit(maxMessageBytes: number): number {
  return Math.max(1024 * 1024, maxMessageBytes * 6 + 64 * 1024);
}

export function createLogger(level: ServeConfig['logLevel']): Logger {
  return pino({ level, base: { service: 'mcp-chat' } }, pino.destination(2));
}

function openEngine(config: ServeConfig, logger: Logger): ChatEngine {
  const onListenerError = (error: unknown) => logger.error({ err: error }, 'event listener failed');
  if (config.redisUrl !== undefined) {
    throw new Error('MCP_CHAT_REDIS_URL is set, but this build has no Redis engine yet.');
  }
  return new SqliteEngine({ path: config.db, onListenerError });
}

/** The composition root: the only place that knows which engine runs. */
export async function startServer(
  config: ServeConfig,
  logger: Logger = createLogger(config.logLevel),
): Promise<RunningServer> {
  const engine = openEngine(config, logger);
  const chat = new ChatService({
    engine,
    idleTimeoutMs: config.idleTimeoutSeconds * 1000,
    limits: {
      maxMessageBytes: config.maxMessageBytes,
      maxRoomCapacity: config.maxRoomCapacity,
      sendRatePerSecond: config.rateLimit,
    },
  });
  let app: HttpApp | undefined;
  const metrics = new Metrics({
    sessions: () => app?.sessionCount ?? 0,
    parkedWaits: () => chat.parkedCount,
  });
  const mcpDeps = {
    chat,
    logger,
    progressIntervalMs: config.progressIntervalSeconds * 1000,
    onToolCall: (tool: string, outcome: string) => metrics.toolCalled(tool, outcome),
  };
  app = new HttpApp({
    host: config.host,
    port: config.port,
    allowedOrigins: config.allowedOrigins,
    maxBodyBytes: bodyLimit(config.maxMessageBytes),
    createServer: () => createChatServer(mcpDeps),
    createSession: () => createSessionServer(mcpDeps),
    sessionIdleTtlMs: config.sessionTtlSeconds * 1000,
    checkStorage: () => engine.ping(),
    releaseWaits: () => chat.stopWaits(),
    renderMetrics: () => metrics.render(),
    logger,
  });
  const presence = new PresenceSweeper(chat, {
    removed: (userIds) => logger.info({ users: userIds }, 'idle participants left their queue and rooms'),
    failed: (error) => logger.warn({ err: error }, 'presence sweep failed'),
  });
  const url = await app.listen();
  presence.start();
  logger.info({ url: `${url}/mcp`, storage: config.redisUrl ? 'redis' : config.db }, 'mcp-chat listening');
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await app.shutdown();
      await presence.stop();
      await engine.close();
      logger.info('mcp-chat stopped');
    })();
    return stopping;
  };
  return { url, app, chat, engine, stop };
}
