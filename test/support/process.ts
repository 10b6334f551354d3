import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { until } from './poll.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  url: string;
  mcpUrl: URL;
  child: ChildProcess;
  /** Everything the process wrote to stderr (its logs). */
  stderr(): string;
  /** Resolves when the process exits, with its code and how long after `signal()` it took. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs `mcp-chat serve` as its own process, the way an operator runs it, and waits for /healthz.
 * `port` pins the port, for a server that must be found again at the same address after a restart;
 * `deadlineMs` bounds the start (longer on a machine shared with other work).
 */
export async function spawnServer(
  args: string[],
  env: Record<string, string> = {},
  options: { port?: number; deadlineMs?: number } = {},
): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', String(port), ...args],
    {
      cwd: ROOT,
      env: { ...process.env, MCP_CHAT_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.deadlineMs ?? 20_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mcp-chat exited early:\n${stderr}`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`mcp-chat did not become healthy:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url, mcpUrl: new URL(`${url}/mcp`), child, stderr: () => stderr, exited };
}

/** GET /healthz: the status code, or 0 when nothing answers. */
export function healthStatus(server: ServerProcess): Promise<number> {
  return fetch(`${server.url}/healthz`).then(
    (response) => response.status,
    () => 0,
  );
}

/** The server's `mcp_chat_parked_waits` gauge from GET /metrics (participants holding a wait). */
export async function parkedWaits(server: ServerProcess): Promise<number> {
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  const line = /^mcp_chat_parked_waits (\d+)$/m.exec(metrics);
  if (!line?.[1]) throw new Error('GET /metrics has no mcp_chat_parked_waits');
  return Number(line[1]);
}

/** Waits until `count` participants hold a wait on that server process. */
export async function untilParkedWaits(server: ServerProcess, count: number): Promise<void> {
  await until(
    async () => ((await parkedWaits(server)) >= count ? true : undefined),
    () => `${count} parked participant(s) on ${server.url}`,
  );
}

/** SIGTERM, and the exit. */
export async function stopServer(server: ServerProcess): Promise<void> {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGTERM');
  await server.exited;
}
