import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll } from 'vitest';
import type { ServeConfig } from '../../src/cli/config.js';
import { type RunningServer, startServer } from '../../src/cli/serve.js';
import { until } from './poll.js';
import { deleteKeys, randomPrefix, TEST_REDIS_URL } from './redis.js';

export interface TestServer extends RunningServer {
  mcpUrl: URL;
  /** Directory of the database file, removed by `dispose`. */
  dir: string;
  dbPath: string;
  dispose(): Promise<void>;
}

export function testConfig(overrides: Partial<ServeConfig> = {}): ServeConfig {
  return {
    host: '127.0.0.1',
    port: 0,
    db: ':memory:',
    redisUrl: undefined,
    redisPrefix: 'mcp-chat:',
    redisWaitReplicas: 0,
    retentionMaxMessages: 0,
    retentionMaxAgeSeconds: 0,
    endedRoomTtlSeconds: 604_800,
    idleRoomTtlSeconds: 0,
    logLevel: 'silent',
    allowedOrigins: new Set(),
    idleTimeoutSeconds: 900,
    progressIntervalSeconds: 15,
    sessionTtlSeconds: 3600,
    maxMessageBytes: 16_384,
    maxRoomCapacity: 50,
    rateLimit: 0,
    web: true,
    auth: { mode: 'none' },
    publicUrl: undefined,
    maxWaits: 4,
    newParticipantsPerMinute: 0,
    maxSessions: 100,
    interestWaitSeconds: 10,
    ...overrides,
  };
}

/**
 * Which engine the in-process test servers use: SQLite (the default), or Redis when
 * MCP_CHAT_TEST_ENGINE=redis (or redis-cluster, on a local cluster: cluster-setup.ts), so the same
 * protocol-level tests also run against the Redis engine.
 */
export const TEST_ENGINE = /^redis(-cluster)?$/.test(process.env.MCP_CHAT_TEST_ENGINE ?? '')
  ? 'redis'
  : 'sqlite';

/** The real server (HTTP, MCP, chat, and SQLite or Redis) in this process, on a free port. */
export async function startTestServer(overrides: Partial<ServeConfig> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-chat-test-'));
  const dbPath = join(dir, 'chat.db');
  const redisPrefix = randomPrefix();
  const engine = TEST_ENGINE === 'redis' ? { redisUrl: TEST_REDIS_URL, redisPrefix } : {};
  const config = testConfig({ db: dbPath, ...engine, ...overrides });
  const server = await startServer(config, pino({ level: process.env.MCP_CHAT_TEST_LOG ?? 'silent' }));
  return {
    ...server,
    mcpUrl: new URL(`${server.url}/mcp`),
    dir,
    dbPath,
    dispose: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
      if (config.redisUrl) await deleteKeys(redisPrefix, config.redisUrl);
    },
  };
}

/**
 * One in-process server for the whole test file: started in `beforeAll`, disposed in `afterAll`.
 * The handle is filled in once the server is up, so tests use it as they would the server itself.
 */
export function sharedTestServer(overrides: Partial<ServeConfig> = {}): TestServer {
  const handle = {} as TestServer;
  beforeAll(async () => {
    Object.assign(handle, await startTestServer(overrides));
  });
  afterAll(async () => {
    await handle.dispose?.();
  });
  return handle;
}

/**
 * Waits until `count` participants hold a wait on this server: the call is parked, so what the
 * test does next happens while it is in flight, not before it arrived.
 */
export async function untilParked(server: RunningServer, count: number): Promise<void> {
  await until(
    () => (server.chat.parkedWaits >= count ? true : undefined),
    () => `${count} parked wait(s), have ${server.chat.parkedWaits}`,
  );
}
