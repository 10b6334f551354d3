/**
 * Storage that stays bounded (issue 19), on a redis-server of its own: keys and bytes an ended
 * queue-matched chat leaves once its lifetime passed, and Redis memory before and after churning
 * many short chats. Measured on the engine directly (the storage is what is measured; the HTTP
 * face adds nothing to it). Accelerated: the ended-room lifetime is a few seconds instead of
 * minutes, so the sweep (every quarter of it) runs during the bench.
 *
 *   node --import tsx bench/retention.ts [chats]   prints the JSON on its own
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { MessageDraft } from '../src/chat/types.js';
import { RedisEngine } from '../src/engines/redis/engine.js';

const TTL_SECONDS = 2;
const POOL = 200;
const WORKERS = 16;
const PREFIX = 'bench:';
/** The index of rooms past their lifetime, named as the engine's scripts name it (lua/common.ts). */
const ROOMS_EXPIRING = `${PREFIX}{control}:rooms:expiring`;

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Keys under the prefix and the sum of their MEMORY USAGE. */
async function footprint(redis: Redis): Promise<{ keys: number; bytes: number }> {
  let cursor = '0';
  let keys = 0;
  let bytes = 0;
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
    for (const key of batch) {
      keys++;
      bytes += (await redis.memory('USAGE', key)) ?? 0;
    }
    cursor = next;
  } while (cursor !== '0');
  return { keys, bytes };
}

async function usedMemory(redis: Redis): Promise<number> {
  await redis.call('MEMORY', 'PURGE');
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
}

export async function measureRetention(chats: number) {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-chat-bench-redis-'));
  const port = await freePort();
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''],
    {
      stdio: 'ignore',
    },
  );
  const url = `redis://127.0.0.1:${port}`;
  const redis = new Redis(url, { retryStrategy: () => 50 });
  redis.on('error', () => {});
  try {
    for (let i = 0; i < 100 && (await redis.ping().catch(() => '')) !== 'PONG'; i++) await sleep(50);
    const engine = new RedisEngine({ url, keyPrefix: PREFIX, lifetimes: { endedRoomSeconds: TTL_SECONDS } });
    await engine.ready();
    let n = 0;
    const draft = (text: string, senderId: string): MessageDraft => ({
      messageId: `m${++n}`,
      senderId,
      senderName: senderId,
      text,
      createdAt: Date.now(),
      system: senderId === 'system',
      disconnect: false,
    });
    const pool = Array.from({ length: POOL }, (_, i) => `u-${i}`);
    for (const userId of pool)
      await engine.createParticipant({
        userId,
        credential: `c-${userId}`,
        displayName: userId,
        now: Date.now(),
      });
    // One chat first, swept away, so that Redis has loaded every script (its script cache is
    // memory too) and the queue's counter exists before the baseline.
    const [a, b] = pool as [string, string];
    await engine.enqueue(a, { now: Date.now(), matchRoomId: 'warm-up-a' });
    await engine.enqueue(b, { now: Date.now(), matchRoomId: 'warm-up' });
    await engine.appendMessage({ roomId: 'warm-up', userId: a, draft: draft('warm', a) });
    await engine.leaveRoom({
      roomId: 'warm-up',
      userId: a,
      now: Date.now(),
      farewell: draft('left', 'system'),
      endRoom: true,
    });
    await engine.unreadSummary(a);
    while ((await redis.zcard(ROOMS_EXPIRING)) > 0) await sleep(250);
    const before = await footprint(redis);
    const memoryBefore = await usedMemory(redis);

    let matched = 0;
    let rooms = 0;
    const started = Date.now();
    async function worker(w: number): Promise<void> {
      const mine = pool.filter((_, i) => i % WORKERS === w);
      for (let turn = 0; matched < chats; turn++) {
        const userId = mine[turn % mine.length] as string;
        const outcome = await engine.enqueue(userId, {
          now: Date.now(),
          matchRoomId: `chat-${w}-${++rooms}`,
        });
        if (outcome.kind !== 'matched') continue;
        matched++;
        const roomId = outcome.room.roomId;
        await engine.appendMessage({ roomId, userId, draft: draft('hello there', userId) });
        const partner = outcome.partner.userId;
        await engine.appendMessage({ roomId, userId: partner, draft: draft('hi, how are you?', partner) });
        await engine.leaveRoom({
          roomId,
          userId,
          now: Date.now(),
          farewell: draft('left', 'system'),
          endRoom: true,
        });
      }
    }
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    for (const userId of pool) await engine.leaveQueue(userId);
    const churnSeconds = (Date.now() - started) / 1000;
    const peak = await footprint(redis);
    const memoryPeak = await usedMemory(redis);
    // Every chat ended by now; wait for the last deadline and a sweep after it.
    while ((await redis.zcard(ROOMS_EXPIRING)) > 0) await sleep(250);
    const after = await footprint(redis);
    // Redis gives back the keyspace's hash tables sized for the peak only in its periodic cron
    // (a shrink when under a tenth full): the figure is memory once that has run, not mid-way.
    const settleStarted = Date.now();
    let memoryAfter = await usedMemory(redis);
    for (let i = 0; i < 40; i++) {
      await sleep(500);
      const now = await usedMemory(redis);
      if (now >= memoryAfter && i >= 3) break;
      memoryAfter = Math.min(memoryAfter, now);
    }
    const settleSeconds = (Date.now() - settleStarted) / 1000;
    await engine.close();
    return {
      chats: matched,
      ended_room_ttl_s: TTL_SECONDS,
      accelerated: `lifetime ${TTL_SECONDS} s instead of 60 s; the sweep runs every ${TTL_SECONDS / 4} s`,
      churn_s: Math.round(churnSeconds),
      keys: { before: before.keys, peak: peak.keys, after: after.keys },
      key_bytes: { before: before.bytes, peak: peak.bytes, after: after.bytes },
      keys_left_per_ended_chat: (after.keys - before.keys) / matched,
      bytes_left_per_ended_chat: (after.bytes - before.bytes) / matched,
      redis_used_memory: { before: memoryBefore, peak: memoryPeak, after: memoryAfter },
      settle_s: settleSeconds,
      memory_after_vs_before_pct: Math.round(((memoryAfter - memoryBefore) / memoryBefore) * 1000) / 10,
    };
  } finally {
    redis.disconnect();
    server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await measureRetention(Number(process.argv[2] ?? 100_000)), null, 2));
}
