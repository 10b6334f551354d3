import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { clusterSeeds } from '../../src/engines/redis/connection.js';
import { freePort } from './process.js';

/** The Redis the tests use; each test keeps to keys under a random prefix of its own. */
export const TEST_REDIS_URL = process.env.MCP_CHAT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Why the Redis tests cannot run here, or undefined when Redis answers. Under CI=true an
 * unreachable Redis is an error, not a reason to skip: CI must not pass by running nothing.
 */
export async function redisSkipReason(): Promise<string | undefined> {
  // A cluster of the run's own (cluster-setup.ts) answered before the tests started.
  if (clusterSeeds(TEST_REDIS_URL)) return undefined;
  const probe = new Redis(TEST_REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  let cause = '';
  probe.on('error', (error: Error) => {
    cause = error.message;
  });
  try {
    await probe.connect();
    await probe.ping();
    return undefined;
  } catch (error) {
    const reason = `no Redis at ${TEST_REDIS_URL} (${cause || (error as Error).message}); set MCP_CHAT_TEST_REDIS_URL`;
    if (process.env.CI === 'true') throw new Error(`CI=true and ${reason}`);
    console.warn(`Skipping Redis tests: ${reason}.`);
    return reason;
  } finally {
    probe.disconnect();
  }
}

/**
 * Why tests that run a redis-server of their own cannot run here, or undefined. Under CI=true a
 * missing redis-server binary is an error.
 */
export function redisServerSkipReason(): string | undefined {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0) return undefined;
  const reason = `no redis-server binary on the PATH (${probe.error?.message ?? probe.stderr})`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${reason}`);
  console.warn(`Skipping tests that restart Redis: ${reason}.`);
  return reason;
}

/** A key prefix no other test uses. */
export function randomPrefix(): string {
  return `mcp-chat-test:${randomUUID().slice(0, 12)}:`;
}

/** Deletes every key under the prefix (SCAN, never KEYS: the Redis may be shared). */
export async function deleteKeys(prefix: string, url = TEST_REDIS_URL): Promise<void> {
  // A local cluster is the run's own and goes with it.
  if (clusterSeeds(url)) return;
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * Resolves once some instance subscribed to the topic (under the prefix): a wait on it is parked,
 * so what happens next must wake it rather than be found by its first read.
 */
export async function untilSubscribed(prefix: string, topic: string, url = TEST_REDIS_URL): Promise<void> {
  const redis = new Redis(url);
  try {
    for (let attempt = 0; attempt < 200; attempt++) {
      const [, count] = (await redis.pubsub('NUMSUB', `${prefix}bus:${topic}`)) as [string, number];
      if (count > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`nobody subscribed to ${topic}`);
  } finally {
    redis.disconnect();
  }
}

export interface PrivateRedis {
  url: string;
  /** Kills the server at once (SIGKILL): nothing is flushed on the way out. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  start(): Promise<void>;
  /** Stops it without closing anything (SIGSTOP): connections stay open and get no answer. */
  pause(): void;
  /** Lets a paused server go on (SIGCONT). */
  resume(): void;
  dispose(): Promise<void>;
}

/**
 * A redis-server of the test's own, on a free port in a temporary directory, with the AOF fsynced
 * on every write: what it acknowledged survives a kill -9, so a restart test can check that
 * nothing acknowledged is lost.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-chat-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async () => {
    // biome-ignore format: one option per line reads best.
    const options = [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--dir', dir,
      '--save', '',
      '--appendonly', 'yes',
      '--appendfsync', 'always',
    ];
    child = spawn('redis-server', options, { stdio: 'ignore' });
    await waitForPing(url);
  };
  const kill = async () => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url,
    kill,
    start,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    dispose: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPing(url: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => {});
    try {
      await redis.connect();
      if ((await redis.ping()) === 'PONG') return;
    } catch {
      // Not up yet.
    } finally {
      redis.disconnect();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`redis-server at ${url} did not start`);
}
