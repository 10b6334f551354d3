/**
 * Queue matching with interests beside plain first-in-first-out, in the same run: the chat
 * (ChatService, as the tools call it) over a real engine, a SQLite file and, when reachable,
 * Redis. Each worker keeps calling enter_queue as a new participant; a call that matches counts a
 * pair. With interests every arrival brings 1-3 tags out of 12, so some wait for a sharer and the
 * queue holds more people to look through; the figure of interest is the ratio to plain FIFO.
 *
 *   node --import tsx bench/interest-matching.ts [ms]   prints the JSON on its own
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ChatEngine, ChatService, DEFAULT_LIMITS } from '../src/chat/index.js';
import { RedisEngine } from '../src/engines/redis/engine.js';
import { SqliteEngine } from '../src/engines/sqlite/engine.js';
import { ratio } from './stats.js';

const TAGS = [
  'chess',
  'go',
  'rust',
  'jazz',
  'hiking',
  'poetry',
  'f1',
  'cooking',
  'llms',
  'birds',
  'cats',
  'tea',
];
const CONCURRENCY = 16;

function someTags(): string[] {
  const count = 1 + Math.floor(Math.random() * 3);
  return Array.from({ length: count }, () => TAGS[Math.floor(Math.random() * TAGS.length)] as string);
}

async function pairsPerSecond(engine: ChatEngine, ms: number, interests: boolean) {
  const chat = new ChatService({
    engine,
    limits: { ...DEFAULT_LIMITS, sendRatePerSecond: 0, newParticipantsPerMinute: 0 },
  });
  let pairs = 0;
  let calls = 0;
  const started = performance.now();
  const end = Date.now() + ms;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < end) {
        const result = await chat.enterQueue(interests ? { interests: someTags() } : {});
        if (result.status === 'matched') pairs++;
        calls++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    pairs_per_second: Math.round(pairs / seconds),
    enter_queue_per_second: Math.round(calls / seconds),
  };
}

/** Plain FIFO, then interests, each on a fresh store of the same engine kind. */
async function compare(open: () => Promise<{ engine: ChatEngine; dispose(): Promise<void> }>, ms: number) {
  const measure = async (interests: boolean) => {
    const store = await open();
    try {
      return await pairsPerSecond(store.engine, ms, interests);
    } finally {
      await store.dispose();
    }
  };
  const fifo = await measure(false);
  const withInterests = await measure(true);
  return {
    fifo,
    interests: withInterests,
    pairs_ratio_to_fifo: ratio(withInterests.pairs_per_second, fifo.pairs_per_second),
  };
}

export async function measureInterestMatching(ms: number): Promise<Record<string, unknown>> {
  const sqlite = await compare(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-chat-bench-match-'));
    const engine = new SqliteEngine({ path: join(dir, 'chat.db') });
    return {
      engine,
      dispose: async () => {
        await engine.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }, ms);
  const url = process.env.MCP_CHAT_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  let redis: unknown = 'skipped: Redis not reachable';
  const probe = new RedisEngine({ url, keyPrefix: 'mcp-chat-bench-probe:' });
  const reachable = await Promise.race([
    probe.ready().then(
      () => true,
      () => false,
    ),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5000)),
  ]);
  await probe.close();
  if (reachable) {
    redis = await compare(async () => {
      // A prefix of its own, so the shared Redis is left as it was.
      const keyPrefix = `mcp-chat-bench-${process.pid}-${Date.now().toString(36)}:`;
      const engine = new RedisEngine({ url, keyPrefix });
      await engine.ready();
      return {
        engine,
        dispose: async () => {
          await engine.close();
          await deleteKeys(url, keyPrefix);
        },
      };
    }, ms);
  }
  return { concurrency: CONCURRENCY, ms, tags: TAGS.length, sqlite_file: sqlite, redis };
}

async function deleteKeys(url: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { lazyConnect: true });
  await client.connect();
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== '0');
  client.disconnect();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ms = Number(process.argv[2] ?? 3000);
  console.log(JSON.stringify(await measureInterestMatching(ms), null, 2));
  process.exit(0);
}
