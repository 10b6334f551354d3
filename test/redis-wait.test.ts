import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageUnavailableError } from '../src/chat/errors.js';
import { RedisEngine } from '../src/engines/redis/engine.js';
import { until } from './support/poll.js';
import { freePort } from './support/process.js';
import {
  type PrivateRedis,
  randomPrefix,
  redisServerSkipReason,
  startPrivateRedis,
} from './support/redis.js';

const skip = redisServerSkipReason();

/**
 * MCP_CHAT_REDIS_WAIT_REPLICAS: a primary of the test's own with one replica. While the replica
 * keeps up, writes are acknowledged; once it stops answering, a write is refused as unavailable
 * within about a second instead of being acknowledged with no copy anywhere else.
 */
describe.skipIf(skip !== undefined)('redis: writes acknowledged by replicas (WAIT)', () => {
  let primary: PrivateRedis;
  let replica: ChildProcess;
  let replicaDir: string;
  let engine: RedisEngine;

  beforeAll(async () => {
    primary = await startPrivateRedis();
    const { port: primaryPort } = new URL(primary.url);
    const port = await freePort();
    replicaDir = mkdtempSync(join(tmpdir(), 'mcp-chat-replica-'));
    // biome-ignore format: one option per line reads best.
    replica = spawn('redis-server', [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--dir', replicaDir,
      '--save', '',
      '--replicaof', '127.0.0.1', primaryPort,
    ], { stdio: 'ignore' });
    const probe = new Redis(primary.url);
    await until(
      async () => (/slave0:.*state=online/.test(await probe.info('replication')) ? true : undefined),
      () => 'the replica to come online',
    );
    probe.disconnect();
    engine = new RedisEngine({ url: primary.url, keyPrefix: randomPrefix(), waitReplicas: 1 });
    await engine.ready();
  });

  afterAll(async () => {
    await engine?.close();
    replica?.kill('SIGKILL');
    await primary?.dispose();
    if (replicaDir) rmSync(replicaDir, { recursive: true, force: true });
  });

  it('acknowledges a write once the replica has it, and refuses it when no replica answers', async () => {
    await engine.createParticipant({ userId: 'u-a', credential: 'cred-a', displayName: 'A', now: 1 });
    expect((await engine.findParticipant('cred-a'))?.userId).toBe('u-a');
    replica.kill('SIGSTOP');
    try {
      await expect(
        engine.createParticipant({ userId: 'u-b', credential: 'cred-b', displayName: 'B', now: 2 }),
      ).rejects.toBeInstanceOf(StorageUnavailableError);
      // Reads need no replica.
      expect((await engine.findParticipant('cred-a'))?.userId).toBe('u-a');
    } finally {
      replica.kill('SIGCONT');
    }
  });
});
