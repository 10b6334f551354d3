import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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
  /** MCP Chat only: waits parked right now, from /metrics. */
  parkedWaits?(): Promise<number>;
  stop(): Promise<void>;
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb * 1024;
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
    parkedWaits: chat
      ? async () => Number(/^mcp_chat_parked_waits (\d+)/m.exec(await metrics())?.[1] ?? 0)
      : undefined,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
