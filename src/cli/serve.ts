import pino, { type Logger } from 'pino';
import { type ChatEngine, ChatService, PresenceSweeper } from '../chat/index.js';
import { RedisEngine } from '../engines/redis/engine.js';
import { SqliteEngine } from '../engines/sqlite/engine.js';
import { HttpApp } from '../http/app.js';
import { Metrics } from '../http/metrics.js';
import { loadWebPage } from '../http/web-page.js';
import { answerLeanRequest } from '../mcp/lean-calls.js';
import { createChatServer, createSessionServer } from '../mcp/server.js';
import { WEB_DIST_DIR } from '../web-assets.js';
import { accessSettings } from './access.js';
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

/** How long a start waits for Redis to connect before it goes on without it. */
const STORAGE_CONNECT_GRACE_MS = 2000;

/**
 * SQLite by default; Redis when MCP_CHAT_REDIS_URL is set. The Redis engine connects in the
 * background and reconnects forever, so the server starts even while Redis is down: /healthz
 * answers 503 and calls answer `unavailable` until it is up. `connected` resolves once storage
 * can be used.
 */
export function openEngine(
  config: ServeConfig,
  logger: Logger,
): { engine: ChatEngine; connected: Promise<void> } {
  const onListenerError = (error: unknown) => logger.error({ err: error }, 'event listener failed');
  const lifetimes = {
    endedRoomSeconds: config.endedRoomTtlSeconds,
    idleRoomSeconds: config.idleRoomTtlSeconds,
  };
  if (config.redisUrl !== undefined) {
    const engine = new RedisEngine({
      url: config.redisUrl,
      keyPrefix: config.redisPrefix,
      waitReplicas: config.redisWaitReplicas,
      retention: {
        maxMessages: config.retentionMaxMessages,
        maxAgeSeconds: config.retentionMaxAgeSeconds,
      },
      lifetimes,
      onListenerError,
      onConnectionChange: (up, reason) => {
        if (up) logger.info('connected to Redis');
        else logger.error({ reason }, 'lost Redis; calls answer unavailable until it is back');
      },
      onEventLost: (error) =>
        logger.warn({ err: error }, 'a wake-up event was lost; waits still find the log'),
      onLayoutMigrated: ({ renamed, conflicts }) => {
        // A fresh Redis only gets the layout marker: nothing worth a line.
        if (renamed === 0 && conflicts.length === 0) return;
        const fields = { renamed, conflicts: conflicts.slice(0, 20), conflictCount: conflicts.length };
        const message = 'moved the Redis data to the hash-tagged key layout';
        if (conflicts.length > 0)
          logger.warn(fields, `${message}; keys whose new name was taken stay as they were`);
        else logger.info(fields, message);
      },
    });
    return { engine, connected: engine.ready() };
  }
  const retention = {
    maxMessages: config.retentionMaxMessages,
    maxAgeSeconds: config.retentionMaxAgeSeconds,
  };
  return {
    engine: new SqliteEngine({ path: config.db, retention, lifetimes, onListenerError }),
    connected: Promise.resolve(),
  };
}

/** The chat over an engine, with the operator's limits (shared by `serve` and `stdio`). */
export function createChat(config: ServeConfig, engine: ChatEngine): ChatService {
  return new ChatService({
    engine,
    idleTimeoutMs: config.idleTimeoutSeconds * 1000,
    limits: {
      maxMessageBytes: config.maxMessageBytes,
      maxRoomCapacity: config.maxRoomCapacity,
      sendRatePerSecond: config.rateLimit,
      maxWaits: config.maxWaits,
      newParticipantsPerMinute: config.newParticipantsPerMinute,
      interestWaitSeconds: config.interestWaitSeconds,
    },
  });
}

/** The idle sweep, reporting to the log. */
export function presenceSweeper(chat: ChatService, logger: Logger): PresenceSweeper {
  return new PresenceSweeper(chat, {
    removed: (userIds) => logger.info({ users: userIds }, 'idle participants left their queue and rooms'),
    failed: (error, userId) =>
      userId === undefined
        ? logger.warn({ err: error }, 'presence sweep failed')
        : logger.warn(
            { err: error, user: userId },
            'idle participant could not be removed; retried next round',
          ),
  });
}

/** Whether `promise` settled within `ms`. */
async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The composition root: the only place that knows which engine runs. */
export async function startServer(
  config: ServeConfig,
  logger: Logger = createLogger(config.logLevel),
): Promise<RunningServer> {
  const { engine, connected } = openEngine(config, logger);
  // A moment for Redis to connect, so an instance that can serve says so from its first health
  // check; a Redis that is down does not hold the start up any longer than this.
  if (!(await settlesWithin(connected, STORAGE_CONNECT_GRACE_MS))) {
    logger.warn(
      'storage is not reachable yet; /healthz answers 503 and calls answer unavailable until it is',
    );
  }
  const chat = createChat(config, engine);
  let app: HttpApp | undefined;
  const metrics = new Metrics({
    sessions: () => app?.sessionCount ?? 0,
    parkedWaits: () => chat.parkedWaits,
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
    createSession: (hooks) => createSessionServer(mcpDeps, hooks),
    sessionRecords: engine.sessions,
    answerLean:
      config.leanLane === false
        ? undefined
        : (request, stream, origin) => answerLeanRequest(mcpDeps, request, stream, origin),
    sessionIdleTtlMs: config.sessionTtlSeconds * 1000,
    maxSessionsPerCaller: config.maxSessions,
    access: accessSettings(config),
    checkStorage: () => engine.ping(),
    releaseWaits: () => chat.stopWaits(),
    renderMetrics: () => metrics.render(),
    logger,
    // With oauth the page signs in at the authorization server, so it may call that origin too.
    webPage: config.web
      ? loadWebPage(WEB_DIST_DIR, config.auth.mode === 'oauth' ? [new URL(config.auth.issuer).origin] : [])
      : undefined,
  });
  const presence = presenceSweeper(chat, logger);
  const url = await app.listen();
  presence.start();
  logger.info(
    {
      url: `${url}/mcp`,
      resource: app.access.resourceUrl,
      auth: config.auth.mode,
      storage: config.redisUrl ? 'redis' : config.db,
    },
    'mcp-chat listening',
  );
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
