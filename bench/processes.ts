import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { freePort } from '../test/support/process.js';
import type { TargetName } from './targets.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** What gc-on-signal.ts writes once a collection has run. */
const GC_DONE = 'mcp-chat-bench: gc done';

export interface ServerUnderTest {
  name: TargetName;
  url: string;
  child: ChildProcess;
  /** Resident set size (from /proc) and V8 heap in use (from the server's own endpoint). */
  memory(): Promise<{ rssBytes: number; heapBytes: number }>;
  /** Runs a full garbage collection in the server (bench/gc-on-signal.ts) and waits for it. */
  collectGarbage(): Promise<void>;
  /** CPU time the server process has used so far, user and system, in seconds (from /proc). */
  cpuSeconds(): number;
  /** MCP Chat on single Redis only: CPU time the Redis server has used so far, in seconds (INFO cpu). */
  storeCpuSeconds?(): Promise<number>;
  /** MCP Chat only: waits parked right now, from /metrics. */
  parkedWaits?(): Promise<number>;
  stop(): Promise<void>;
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb * 1024;
}

/** Clock ticks per second of /proc's CPU times: 100 on every Linux Node runs on (USER_HZ). */
const TICKS_PER_SECOND = 100;

function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces: utime, stime are
  // the 14th and 15th fields of the line, the 12th and 13th after ") ".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** The Redis server's own CPU time so far, from INFO: what it spent running the engine's scripts. */
async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const seconds = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1]);
  return seconds('used_cpu_user') + seconds('used_cpu_sys');
}

async function waitHealthy(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${log()}`);
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`server did not come up:\n${log()}`);
}

/**
 * Starts one server under test in its own process: MCP Chat as operators run it (SQLite file,
 * rate limits off for the load), or one of the two baselines.
 */
export async function startTarget(
  name: TargetName,
  /** `redisUrl` and `redisPrefix` for `mcp-chat-redis`, in place of the SQLite file. */
  options: { db: string; profileDir?: string; redisUrl?: string; redisPrefix?: string },
): Promise<ServerUnderTest> {
  const port = await freePort();
  // Every target can be told to collect its garbage before memory is read (gc-on-signal.ts).
  const node = ['--expose-gc', '--import', 'tsx', '--import', './bench/gc-on-signal.ts'];
  const chat = name === 'mcp-chat' || name === 'mcp-chat-redis';
  const storage =
    name === 'mcp-chat-redis'
      ? ['--redis-url', options.redisUrl ?? '', '--redis-prefix', options.redisPrefix ?? '']
      : ['--db', options.db];
  const args = chat
    ? [
        ...(options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : []),
        ...node,
        'src/cli/main.ts',
        'serve',
        '--port',
        String(port),
        ...storage,
        '--rate-limit',
        '0',
        // The load creates hundreds of participants a second from one address.
        '--new-participants-per-minute',
        '0',
        // ...and keeps thousands of 2025-era sessions open at once from that address.
        '--max-sessions',
        '100000',
        '--log-level',
        'warn',
        '--idle-timeout',
        '3600',
      ]
    : [...node, `bench/baselines/${name}-server.ts`, String(port)];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let collected: (() => void) | undefined;
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    if (text.includes(GC_DONE)) collected?.();
    stderr += text.replaceAll(`${GC_DONE}\n`, '');
  });
  const base = `http://127.0.0.1:${port}`;
  await waitHealthy(chat ? `${base}/healthz` : `${base}/health`, child, () => stderr);
  const pid = child.pid as number;
  const metrics = async () => (await fetch(`${base}/metrics`)).text();
  // Redis's own CPU time is read from the single Redis; a cluster's is spread over its nodes.
  const onSingleRedis = name === 'mcp-chat-redis' && !options.redisUrl?.includes('+cluster://');
  const store = onSingleRedis ? new Redis(options.redisUrl ?? '', { lazyConnect: true }) : undefined;
  return {
    name,
    url: `${base}/mcp`,
    child,
    async memory() {
      if (chat) {
        const heap = Number(/^mcp_chat_nodejs_heap_size_used_bytes (\d+)/m.exec(await metrics())?.[1]);
        return { rssBytes: rssOf(pid), heapBytes: heap };
      }
      const { heapUsed } = (await (await fetch(`${base}/memory`)).json()) as { heapUsed: number };
      return { rssBytes: rssOf(pid), heapBytes: heapUsed };
    },
    collectGarbage() {
      const done = new Promise<void>((resolve) => {
        collected = resolve;
      });
      child.kill('SIGUSR2');
      return done;
    },
    cpuSeconds: () => cpuSecondsOf(pid),
    storeCpuSeconds: store && (() => redisCpuSeconds(store)),
    parkedWaits: chat
      ? async () => Number(/^mcp_chat_parked_waits (\d+)/m.exec(await metrics())?.[1] ?? 0)
      : undefined,
    async stop() {
      store?.disconnect();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
