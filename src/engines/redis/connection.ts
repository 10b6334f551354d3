import { Cluster, Redis, type RedisOptions, ReplyError } from 'ioredis';
import { StorageUnavailableError } from '../../chat/errors.js';
import type { RedisClient } from './scripts.js';

/**
 * How a call fails while Redis is out of reach: at once when there is no connection (no offline
 * queue), after a command timeout when Redis does not answer. A call may first wait for a pending
 * subscription (see RedisBus), so the two timeouts together stay inside the contract's 3 seconds.
 */
const COMMAND_TIMEOUT_MS = 1500;
export const SUBSCRIBE_TIMEOUT_MS = 1000;
const CONNECT_TIMEOUT_MS = 2000;
/** Reconnection never gives up, and tries at least every second, so service resumes by itself. */
const MAX_RECONNECT_DELAY_MS = 1000;

/** Redis answers that mean "out of reach right now, try again", as opposed to a bug in a script. */
const UNAVAILABLE_REPLIES = /^(LOADING|BUSY|MASTERDOWN|READONLY|OOM|TRYAGAIN|NOREPLICAS|MISCONF)\b/;

export interface ConnectionEvents {
  /** The connection is ready for commands (again). */
  up(): void;
  /** A ready connection was lost; `reason` is the last error seen, if any. */
  down(reason: string): void;
}

/**
 * A connection that fails fast instead of queueing and reconnects forever. Commands that were in
 * flight when the connection dropped fail rather than being sent again: a retried write could
 * apply twice. `redis+cluster://host:port,host:port` (or `rediss+cluster://`) opens an ioredis
 * Cluster on those seed nodes instead, with the same settings for each node's connection.
 */
export function openConnection(
  url: string,
  name: string,
  events: ConnectionEvents,
  commandTimeout = COMMAND_TIMEOUT_MS,
  /**
   * Commands issued within one turn of the event loop go out in one write and come back in one
   * read (ioredis auto-pipelining; on a cluster, one batch per node): under load the calls in
   * flight share round trips and syscalls. Not for a subscriber connection.
   */
  autoPipelining = false,
): RedisClient {
  const options: RedisOptions = {
    connectionName: name,
    enableAutoPipelining: autoPipelining,
    enableOfflineQueue: false,
    commandTimeout,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // The bus subscribes again itself, so it knows when the subscriptions are live.
    autoResubscribe: false,
    retryStrategy: (times) => Math.min(50 * 2 ** times, MAX_RECONNECT_DELAY_MS),
    // After a failover the old primary answers READONLY: reconnect to find the new one.
    reconnectOnError: (error) => error.message.startsWith('READONLY'),
  };
  const cluster = clusterSeeds(url);
  const redis: RedisClient = cluster
    ? new Cluster(cluster.nodes, {
        // ioredis groups auto-pipelined commands by the slot of their first argument, which for
        // a script with a variable number of keys is the key count: scripts of different slots
        // would share a batch and be refused. Each script is one round trip to its node instead.
        enableAutoPipelining: false,
        enableOfflineQueue: false,
        clusterRetryStrategy: (times) => Math.min(50 * 2 ** times, MAX_RECONNECT_DELAY_MS),
        // MOVED and ASK are followed (the command did not run where it was refused); a slot
        // whose primary is failing over answers TRYAGAIN or CLUSTERDOWN: unavailable, retry.
        retryDelayOnClusterDown: 0,
        retryDelayOnTryAgain: 0,
        redisOptions: { ...options, ...cluster.auth, enableAutoPipelining: false },
      })
    : new Redis(url, options);
  let ready = false;
  let lastError = '';
  // Without a listener ioredis would stay silent, but the cause is worth keeping for the log.
  redis.on('error', (error: Error) => {
    lastError = error.message;
  });
  redis.on('ready', () => {
    ready = true;
    lastError = '';
    events.up();
  });
  // 'close' also follows every failed reconnection attempt; only the loss of a ready connection counts.
  redis.on('close', () => {
    if (!ready) return;
    ready = false;
    events.down(lastError || 'connection closed');
  });
  return redis;
}

/**
 * The seed nodes and credentials of a `redis+cluster://[user:password@]host:port,host:port`
 * (or `rediss+cluster://`, for TLS) URL; undefined for any other URL.
 */
export function clusterSeeds(
  url: string,
): { nodes: { host: string; port: number }[]; auth: Partial<RedisOptions> } | undefined {
  const match = /^(rediss?)\+cluster:\/\/(?:([^@/]*)@)?([^/?#]+)\/?$/.exec(url);
  if (!match) return undefined;
  const [, scheme, credentials, hosts] = match as unknown as [string, string, string | undefined, string];
  const nodes = hosts.split(',').map((node) => {
    const at = node.lastIndexOf(':');
    const host = at > 0 ? node.slice(0, at) : node;
    return { host: host.replace(/^\[|\]$/g, ''), port: at > 0 ? Number(node.slice(at + 1)) : 6379 };
  });
  const auth: Partial<RedisOptions> = scheme === 'rediss' ? { tls: {} } : {};
  if (credentials !== undefined) {
    const colon = credentials.indexOf(':');
    const user = colon >= 0 ? credentials.slice(0, colon) : '';
    const password = colon >= 0 ? credentials.slice(colon + 1) : credentials;
    if (user !== '') auth.username = decodeURIComponent(user);
    if (password !== '') auth.password = decodeURIComponent(password);
  }
  return { nodes, auth };
}

/** Resolves once the connection is ready (or at once when it is). */
export function whenReady(redis: RedisClient): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => redis.once('ready', () => resolve()));
}

/**
 * What a failed Redis call means for the caller: a `StorageUnavailableError` when Redis could not
 * be reached or cannot serve right now, the error itself when Redis refused the command (a bug).
 */
export function storageError(error: unknown): unknown {
  if (error instanceof ReplyError) {
    const { message } = error as Error;
    return UNAVAILABLE_REPLIES.test(message)
      ? new StorageUnavailableError(`Redis: ${message.split(' ', 1)[0]}`)
      : error;
  }
  if (error instanceof Error) return new StorageUnavailableError(`Redis: ${failureDetail(error)}`);
  return error;
}

/** Whether a call failed because Redis took too long to answer (as opposed to there being no connection). */
export function isNoAnswer(error: unknown): boolean {
  return error instanceof Error && error.message === 'Command timed out';
}

/** A short account of why a call got no answer, for the sentence the caller reads. */
function failureDetail(error: Error): string {
  if (error.message.includes('enableOfflineQueue')) return 'not connected';
  if (error.name === 'MaxRetriesPerRequestError') return 'the connection was lost during the call';
  if (isNoAnswer(error)) return 'no answer in time';
  return error.message;
}

/** Ends a connection without waiting for a Redis that may be gone, and stops reconnecting. */
export async function closeConnection(redis: RedisClient): Promise<void> {
  if (redis.status === 'ready') {
    try {
      await redis.quit();
      return;
    } catch {
      // Fall through: the connection went away meanwhile.
    }
  }
  redis.disconnect();
}
