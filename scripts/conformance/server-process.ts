import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface ServerProcess {
  /** The MCP endpoint, such as http://127.0.0.1:40123/mcp. */
  mcpUrl: string;
  /** Sends SIGTERM and resolves with the exit status (the contract: 0 within 10 s; null if killed). */
  stop(): Promise<number | null>;
}

const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 12_000;

/**
 * Starts the built server (`dist/cli/main.js serve`) on a free port with nothing on disk, its
 * stderr (pino JSON at debug level) copied to `logPath`. The port is read from the
 * "mcp-chat listening" line; the server counts as up once /healthz answers 200.
 */
export async function startServer(repoRoot: string, logPath: string): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [
      'dist/cli/main.js',
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--db',
      ':memory:',
      // The suite opens dozens of sessions and calls in bursts; no limit is under test here.
      '--rate-limit',
      '0',
      '--log-level',
      'debug',
    ],
    { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const log = createWriteStream(logPath);
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const url = await listeningUrl(child, exited);
    await waitForHealth(url);
    return {
      mcpUrl: `${url}/mcp`,
      stop: async () => {
        child.kill('SIGTERM');
        // Past the contract's 10 s the server is killed, and its null status reported as a problem.
        const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        const code = await exited;
        clearTimeout(killer);
        await new Promise((resolve) => log.end(resolve));
        return code;
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

/** Scans stderr for the "listening" line without consuming it: the log file still gets every byte. */
async function listeningUrl(child: ChildProcess, exited: Promise<number | null>): Promise<string> {
  const stderr = child.stderr as NodeJS.ReadableStream;
  let buffered = '';
  let onData: (chunk: Buffer) => void = () => {};
  const found = new Promise<string>((resolve) => {
    onData = (chunk) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const entry = parseJson(line);
        if (entry?.msg === 'mcp-chat listening' && typeof entry.url === 'string') {
          resolve(entry.url.replace(/\/mcp$/, ''));
        }
      }
    };
    stderr.on('data', onData);
  });
  const failed = exited.then((code) => {
    throw new Error(`The server exited with status ${code} before listening; see its log.`);
  });
  try {
    return await withTimeout(
      Promise.race([found, failed]),
      START_TIMEOUT_MS,
      'The server did not start listening',
    );
  } finally {
    stderr.off('data', onData);
  }
}

async function waitForHealth(baseUrl: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const response = await fetch(`${baseUrl}/healthz`).catch(() => undefined);
    if (response?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${baseUrl}/healthz did not answer 200.`);
}

function parseJson(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms / 1000} s.`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
