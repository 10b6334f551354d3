import { parseArgs } from 'node:util';
import { DEFAULT_LIMITS } from '../chat/index.js';
import { parseAllowedOrigins } from '../http/origin.js';
import { type AuthConfig, loadAuthConfig } from './auth-config.js';
import { ConfigError } from './config-error.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ServeConfig {
  host: string;
  port: number;
  db: string;
  redisUrl: string | undefined;
  redisPrefix: string;
  /** Replicas that must acknowledge each Redis write (WAIT); 0 answers after the primary. */
  redisWaitReplicas: number;
  /** Room log retention: most messages kept per room, and their longest age in seconds; 0 keeps all. */
  retentionMaxMessages: number;
  retentionMaxAgeSeconds: number;
  /** Seconds an ended chat stays readable, and a named room stays without members; 0 keeps it. */
  endedRoomTtlSeconds: number;
  idleRoomTtlSeconds: number;
  logLevel: LogLevel;
  allowedOrigins: Set<string>;
  idleTimeoutSeconds: number;
  progressIntervalSeconds: number;
  sessionTtlSeconds: number;
  maxMessageBytes: number;
  maxRoomCapacity: number;
  rateLimit: number;
  /** Serve the web chat at `/`. */
  web: boolean;
  auth: AuthConfig;
  /** The base URL clients use (`https://chat.example.com`); undefined: http://HOST:PORT. */
  publicUrl: string | undefined;
  /** Parked waits one participant may hold; a further one supersedes the oldest. */
  maxWaits: number;
  /** Participants one subject (or IP) may create per minute; 0 turns the limit off. */
  newParticipantsPerMinute: number;
  /** Open 2025-era sessions per subject (or IP). */
  maxSessions: number;
  /** Seconds a queued participant waits for someone sharing an interest before anyone will do. */
  interestWaitSeconds: number;
  /**
   * false: the SDK answers every request, none takes the lean lane (mcp/lean-calls.ts). Not a
   * setting: the test that compares the lane's bytes with the SDK's sets it.
   */
  leanLane?: boolean;
}

export interface Setting {
  env: string;
  flag: string;
  fallback: string | undefined;
  help: string;
}

/** Every setting of `mcp-chat serve`: an environment variable, and a flag that overrides it. */
export const SETTINGS = {
  host: { env: 'MCP_CHAT_HOST', flag: 'host', fallback: '127.0.0.1', help: 'Interface to listen on.' },
  port: { env: 'MCP_CHAT_PORT', flag: 'port', fallback: '8000', help: 'TCP port (0 picks a free one).' },
  db: {
    env: 'MCP_CHAT_DB',
    flag: 'db',
    fallback: './data/mcp-chat.db',
    help: 'SQLite file, or :memory: for nothing on disk.',
  },
  redisUrl: {
    env: 'MCP_CHAT_REDIS_URL',
    flag: 'redis-url',
    fallback: undefined,
    help: 'Use Redis (redis://host:port/db, or redis+cluster://host:port,host:port for a Redis Cluster) instead of SQLite, for several instances.',
  },
  redisPrefix: {
    env: 'MCP_CHAT_REDIS_PREFIX',
    flag: 'redis-prefix',
    fallback: 'mcp-chat:',
    help: 'Prefix of every Redis key and channel, so several deployments can share one Redis.',
  },
  redisWaitReplicas: {
    env: 'MCP_CHAT_REDIS_WAIT_REPLICAS',
    flag: 'redis-wait-replicas',
    fallback: '0',
    help: 'Replicas that must have each Redis write before it is acknowledged (WAIT). 0 answers after the primary.',
  },
  retentionMaxMessages: {
    env: 'MCP_CHAT_RETENTION_MAX_MESSAGES',
    flag: 'retention-max-messages',
    fallback: '0',
    help: 'Most messages kept per room; older ones are dropped. 0 keeps all.',
  },
  retentionMaxAge: {
    env: 'MCP_CHAT_RETENTION_MAX_AGE',
    flag: 'retention-max-age',
    fallback: '0',
    help: 'Seconds a message is kept; older ones are dropped. 0 keeps all.',
  },
  endedRoomTtl: {
    env: 'MCP_CHAT_ENDED_ROOM_TTL',
    flag: 'ended-room-ttl',
    fallback: '604800',
    help: 'Seconds an ended chat stays readable by its members before it is removed. 0 keeps it.',
  },
  idleRoomTtl: {
    env: 'MCP_CHAT_IDLE_ROOM_TTL',
    flag: 'idle-room-ttl',
    fallback: '0',
    help: 'Seconds a named room stays without members before it is removed with its history. 0 keeps it.',
  },
  logLevel: { env: 'MCP_CHAT_LOG_LEVEL', flag: 'log-level', fallback: 'info', help: LOG_LEVELS.join(', ') },
  allowedOrigins: {
    env: 'MCP_CHAT_ALLOWED_ORIGINS',
    flag: 'allowed-origins',
    fallback: '',
    help: 'Comma-separated browser origins allowed besides loopback ones.',
  },
  idleTimeout: {
    env: 'MCP_CHAT_IDLE_TIMEOUT',
    flag: 'idle-timeout',
    fallback: '900',
    help: 'Seconds without calls after which a participant leaves its queue and rooms.',
  },
  progressInterval: {
    env: 'MCP_CHAT_PROGRESS_INTERVAL',
    flag: 'progress-interval',
    fallback: '15',
    help: 'Seconds between progress notifications to a parked wait that asked for them.',
  },
  sessionTtl: {
    env: 'MCP_CHAT_SESSION_TTL',
    flag: 'session-ttl',
    fallback: '3600',
    help: 'Seconds after which an idle 2025-era session (no request, no open stream) is closed.',
  },
  maxMessageBytes: {
    env: 'MCP_CHAT_MAX_MESSAGE_BYTES',
    flag: 'max-message-bytes',
    fallback: String(DEFAULT_LIMITS.maxMessageBytes),
    help: 'Largest message, in bytes of UTF-8.',
  },
  maxRoomCapacity: {
    env: 'MCP_CHAT_MAX_ROOM_CAPACITY',
    flag: 'max-room-capacity',
    fallback: String(DEFAULT_LIMITS.maxRoomCapacity),
    help: 'Largest capacity join_room accepts.',
  },
  rateLimit: {
    env: 'MCP_CHAT_RATE_LIMIT',
    flag: 'rate-limit',
    fallback: String(DEFAULT_LIMITS.sendRatePerSecond),
    help: 'Messages per second per client, burst twice that; 0 turns it off.',
  },
  web: {
    env: 'MCP_CHAT_WEB',
    flag: 'web',
    fallback: 'on',
    help: 'on or off: the web chat for people at /.',
  },
  auth: {
    env: 'MCP_CHAT_AUTH',
    flag: 'auth',
    fallback: 'none',
    help: 'Access control: none, tokens or oauth.',
  },
  publicUrl: {
    env: 'MCP_CHAT_PUBLIC_URL',
    flag: 'public-url',
    fallback: undefined,
    help: 'Base URL clients use (https://chat.example.com); default http://HOST:PORT.',
  },
  tokens: {
    env: 'MCP_CHAT_TOKENS',
    flag: 'tokens',
    fallback: undefined,
    help: 'tokens: comma-separated subject:token (or subject:sha256:HEX).',
  },
  tokensFile: {
    env: 'MCP_CHAT_TOKENS_FILE',
    flag: 'tokens-file',
    fallback: undefined,
    help: 'tokens: a file of subject:token or subject:sha256:HEX lines (# comments).',
  },
  oauthIssuer: {
    env: 'MCP_CHAT_OAUTH_ISSUER',
    flag: 'oauth-issuer',
    fallback: undefined,
    help: 'oauth: the issuer of access tokens (https://auth.example.com).',
  },
  oauthAudience: {
    env: 'MCP_CHAT_OAUTH_AUDIENCE',
    flag: 'oauth-audience',
    fallback: undefined,
    help: 'oauth: the aud tokens must carry; default the resource URL, PUBLIC_URL/mcp.',
  },
  oauthScopes: {
    env: 'MCP_CHAT_OAUTH_SCOPES',
    flag: 'oauth-scopes',
    fallback: undefined,
    help: 'oauth: space-separated scopes every token needs.',
  },
  admins: {
    env: 'MCP_CHAT_ADMINS',
    flag: 'admins',
    fallback: undefined,
    help: 'Comma-separated subjects that may read /metrics when access control is on.',
  },
  maxWaits: {
    env: 'MCP_CHAT_MAX_WAITS',
    flag: 'max-waits',
    fallback: '4',
    help: 'Parked waits one participant may hold; a further one supersedes the oldest.',
  },
  newParticipantsPerMinute: {
    env: 'MCP_CHAT_NEW_PARTICIPANTS_PER_MINUTE',
    flag: 'new-participants-per-minute',
    fallback: '30',
    help: 'Participants one subject (or client IP) may create per minute; 0 turns it off.',
  },
  interestWait: {
    env: 'MCP_CHAT_INTEREST_WAIT',
    flag: 'interest-wait',
    fallback: '10',
    help: 'Seconds a queued participant is matched only with someone sharing an interest (and not its last partner); then with anyone.',
  },
  maxSessions: {
    env: 'MCP_CHAT_MAX_SESSIONS',
    flag: 'max-sessions',
    fallback: '100',
    help: 'Open 2025-era sessions per subject (or client IP without access control).',
  },
} satisfies Record<string, Setting>;

export { ConfigError };

/** Reads the settings from flags, then the environment, then the defaults; throws ConfigError naming a bad one. */
export function loadServeConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ServeConfig {
  const { values } = parseArgs({
    args: [...argv],
    options: Object.fromEntries(Object.values(SETTINGS).map((s) => [s.flag, { type: 'string' as const }])),
    strict: true,
    allowPositionals: false,
  });
  const raw = (setting: Setting): string | undefined => {
    const flagValue = values[setting.flag];
    if (typeof flagValue === 'string') return flagValue;
    const envValue = env[setting.env];
    return envValue !== undefined && envValue !== '' ? envValue : setting.fallback;
  };
  const text = (setting: Setting): string => raw(setting) ?? '';
  const number = (setting: Setting, check: (n: number) => boolean, expected: string): number => {
    const value = text(setting).trim();
    const parsed = Number(value);
    if (value === '' || !Number.isFinite(parsed) || !check(parsed)) {
      throw new ConfigError(`${setting.env} (--${setting.flag}) must be ${expected}; got "${value}".`);
    }
    return parsed;
  };
  const integer = (setting: Setting, min: number, max = Number.MAX_SAFE_INTEGER) =>
    number(
      setting,
      (n) => Number.isInteger(n) && n >= min && n <= max,
      `a whole number from ${min} to ${max}`,
    );

  const logLevel = text(SETTINGS.logLevel).trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(
      `MCP_CHAT_LOG_LEVEL (--log-level) must be one of ${LOG_LEVELS.join(', ')}; got "${logLevel}".`,
    );
  }
  let allowedOrigins: Set<string>;
  try {
    allowedOrigins = parseAllowedOrigins(
      text(SETTINGS.allowedOrigins)
        .split(',')
        .map((origin) => origin.trim())
        .filter((origin) => origin.length > 0),
    );
  } catch (error) {
    throw new ConfigError(`MCP_CHAT_ALLOWED_ORIGINS (--allowed-origins): ${(error as Error).message}.`);
  }
  const redisUrl = raw(SETTINGS.redisUrl);
  if (redisUrl !== undefined && !/^rediss?(\+cluster)?:\/\/[^\s]+$/.test(redisUrl)) {
    throw new ConfigError(
      `MCP_CHAT_REDIS_URL (--redis-url) must start with redis:// or rediss://, or list a Redis Cluster's nodes as redis+cluster://host:port,host:port; got "${redisUrl}".`,
    );
  }
  const redisPrefix = text(SETTINGS.redisPrefix);
  if (/\s/.test(redisPrefix)) {
    throw new ConfigError(
      `MCP_CHAT_REDIS_PREFIX (--redis-prefix) must not contain spaces; got "${redisPrefix}".`,
    );
  }
  const host = text(SETTINGS.host).trim();
  if (host === '') throw new ConfigError('MCP_CHAT_HOST (--host) must not be empty.');
  const web = text(SETTINGS.web).trim().toLowerCase();
  if (web !== 'on' && web !== 'off') {
    throw new ConfigError(`MCP_CHAT_WEB (--web) must be on or off; got "${web}".`);
  }
  const explicit = (setting: Setting) =>
    typeof values[setting.flag] === 'string' || Boolean(env[setting.env]);
  const { auth, publicUrl } = loadAuthConfig({ settings: SETTINGS, raw, explicit, host });
  const db = text(SETTINGS.db).trim();
  if (db === '') throw new ConfigError('MCP_CHAT_DB (--db) must not be empty.');

  return {
    host,
    port: integer(SETTINGS.port, 0, 65_535),
    db,
    redisUrl,
    redisPrefix,
    redisWaitReplicas: integer(SETTINGS.redisWaitReplicas, 0, 100),
    retentionMaxMessages: integer(SETTINGS.retentionMaxMessages, 0),
    retentionMaxAgeSeconds: integer(SETTINGS.retentionMaxAge, 0),
    endedRoomTtlSeconds: integer(SETTINGS.endedRoomTtl, 0),
    idleRoomTtlSeconds: integer(SETTINGS.idleRoomTtl, 0),
    logLevel: logLevel as LogLevel,
    allowedOrigins,
    idleTimeoutSeconds: number(SETTINGS.idleTimeout, (n) => n >= 1, 'a number of seconds, at least 1'),
    progressIntervalSeconds: number(SETTINGS.progressInterval, (n) => n > 0, 'a number of seconds above 0'),
    sessionTtlSeconds: number(SETTINGS.sessionTtl, (n) => n >= 1, 'a number of seconds, at least 1'),
    maxMessageBytes: integer(SETTINGS.maxMessageBytes, 1, 1_048_576),
    maxRoomCapacity: integer(SETTINGS.maxRoomCapacity, 2, 10_000),
    rateLimit: number(SETTINGS.rateLimit, (n) => n >= 0, 'a number of messages per second, 0 or more'),
    web: web === 'on',
    auth,
    publicUrl,
    maxWaits: integer(SETTINGS.maxWaits, 1, 1000),
    newParticipantsPerMinute: integer(SETTINGS.newParticipantsPerMinute, 0),
    maxSessions: integer(SETTINGS.maxSessions, 1),
    interestWaitSeconds: number(SETTINGS.interestWait, (n) => n >= 0, 'a number of seconds, 0 or more'),
  };
}

export function serveHelp(): string {
  const rows = Object.values(SETTINGS).map(
    (s) =>
      `  --${s.flag.padEnd(27)} ${s.env.padEnd(36)} ${s.help}${s.fallback ? ` (default ${s.fallback || '""'})` : ''}`,
  );
  return [
    'Usage: mcp-chat serve [options]',
    '',
    'Runs the MCP Chat server (Streamable HTTP at http://HOST:PORT/mcp).',
    'Each option can also be set by its environment variable; a flag wins over the variable.',
    '',
    `  ${'flag'.padEnd(29)} ${'variable'.padEnd(36)} meaning`,
    ...rows,
    `  ${'--help'.padEnd(29)} Show this help.`,
  ].join('\n');
}
