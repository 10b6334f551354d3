import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { until } from './poll.js';

/** The repository root, where `node --import tsx src/cli/main.ts` runs the CLI from source. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  stdout(): string[];
  stderr(): string[];
  /**
   * Resolves with the next stdout line matching, after the line the previous call matched:
   * expectations are met in the order the lines were written. Waits for it if need be.
   */
  line(pattern: RegExp): Promise<string>;
  /** The same, on stderr. */
  errorLine(pattern: RegExp): Promise<string>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** `mcp-chat ARGS` as a child process with piped standard streams, its output collected in lines. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = process.env): CliProcess {
  const child = spawn(process.execPath, [...CLI, ...args], { cwd: ROOT, env, stdio: 'pipe' });
  const out = collect(child.stdout);
  const err = collect(child.stderr);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const find = (lines: () => string[], name: string) => {
    let from = 0;
    return async (pattern: RegExp) => {
      const index = await until(
        () => {
          const found = lines().findIndex((line, i) => i >= from && pattern.test(line));
          return found >= 0 ? found : undefined;
        },
        () =>
          `${name} line ${pattern} after line ${from} of:\n${lines().join('\n')}\n(stderr: ${err().join('\n')})`,
      );
      from = index + 1;
      return lines()[index] ?? '';
    };
  };
  return {
    child,
    stdout: out,
    stderr: err,
    line: find(out, 'stdout'),
    errorLine: find(err, 'stderr'),
    exited,
  };
}

function collect(stream: NodeJS.ReadableStream): () => string[] {
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    text += chunk;
  });
  return () => text.split('\n').filter((line) => line !== '');
}
