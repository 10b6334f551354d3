import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './redis.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** `mcp-chat serve` in a child process of its own: a real instance, as a load balancer would see it. */
export interface ServerProcess {
  url: string;
  mcpUrl: URL;
  /** What the server logged so far (warnings and errors), for failure messages. */
  output(): string;
  /** GET /healthz: the status code. */
  health(): Promise<number>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/** Starts `mcp-chat serve` on a free port with these flags and waits until it accepts requests. */
export async function startServerProcess(flags: string[]): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', String(port), '--log-level', 'warn', ...flags],
    { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const health = async () => {
    try {
      return (await fetch(`${url}/healthz`)).status;
    } catch {
      return 0;
    }
  };
  const server: ServerProcess = {
    url,
    mcpUrl: new URL(`${url}/mcp`),
    output: () => output,
    health,
    stop: () => stop(child),
  };
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`mcp-chat serve exited with ${child.exitCode}:\n${output}`);
    if ((await health()) === 200) return server;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await server.stop();
  throw new Error(`mcp-chat serve did not become healthy:\n${output}`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(force);
}
