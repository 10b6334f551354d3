/**
 * Session hygiene, measured: opens and DELETEs 2,000 2025-era sessions against a real server in
 * this process, then reports the session copies in memory, the sessions stored in the engine and
 * the heap (after forced collections) before and after.
 * Run: node --expose-gc --import tsx bench/session-churn.ts [cycles] [redis://... to use Redis]
 */
import pino from 'pino';
import { startServer } from '../src/cli/serve.js';
import { testConfig } from '../test/support/server.js';

const cycles = Number(process.argv[2] ?? 2000);
const redisUrl = process.argv[3];
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('Run with node --expose-gc');

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

async function settledHeap(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return process.memoryUsage().heapUsed;
}

async function cycle(url: string): Promise<void> {
  const opened = await fetch(url, {
    method: 'POST',
    headers: HEADERS,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'churn', version: '1' },
      },
    }),
  });
  await opened.text();
  const sessionId = opened.headers.get('mcp-session-id');
  if (!sessionId) throw new Error(`initialize answered ${opened.status}`);
  const ended = await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': sessionId } });
  await ended.text();
  if (ended.status !== 200) throw new Error(`DELETE answered ${ended.status}`);
}

const config = redisUrl
  ? testConfig({ redisUrl, redisPrefix: `mcp-chat-churn-${process.pid}:` })
  : testConfig({ db: ':memory:' });
const server = await startServer(config, pino({ level: 'silent' }));
const url = `${server.url}/mcp`;
for (let i = 0; i < 50; i++) await cycle(url); // warm up code paths and caches
const heapBefore = await settledHeap();
const sessionsBefore = server.app.sessionCount;
const started = performance.now();
for (let i = 0; i < cycles; i++) await cycle(url);
const seconds = (performance.now() - started) / 1000;
await new Promise((resolve) => setImmediate(resolve));
const heapAfter = await settledHeap();
const result = {
  scenario: 'session churn',
  cycles,
  cycles_per_second: Math.round(cycles / seconds),
  sessions_before: sessionsBefore,
  sessions_after: server.app.sessionCount,
  engine: redisUrl ? 'redis' : 'sqlite',
  stored_sessions_after: await server.engine.sessions.count(Date.now()),
  heap_before_mb: +(heapBefore / 2 ** 20).toFixed(2),
  heap_after_mb: +(heapAfter / 2 ** 20).toFixed(2),
  heap_growth_kb: Math.round((heapAfter - heapBefore) / 1024),
  heap_growth_per_cycle_bytes: Math.round((heapAfter - heapBefore) / cycles),
};
console.log(JSON.stringify(result, null, 2));
await server.stop();
