import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Check, ScenarioResult } from './judge.js';

export interface SuiteInvocation {
  /** The Node binary to run the suite with. */
  node: string;
  /** The suite's bin script. */
  script: string;
  /** Arguments after `server --url URL -o DIR`. */
  args: string[];
}

/** Far above the ~5 s a run takes here; a hung suite must not hold CI. */
const RUN_TIMEOUT_MS = 5 * 60_000;

/**
 * Runs `conformance server` against `mcpUrl`, keeps its output in `stdoutPath`, and reads each
 * scenario's checks.json. Scenarios come from the suite's own progress lines ("=== Running
 * scenario: NAME ===" then "Results saved to DIR"), so one that crashed before saving shows up
 * with no results instead of vanishing.
 */
export async function runSuite(
  suite: SuiteInvocation,
  mcpUrl: string,
  outputDir: string,
  stdoutPath: string,
): Promise<{ results: ScenarioResult[]; exitCode: number | null }> {
  const child = spawn(suite.node, [suite.script, 'server', '--url', mcpUrl, '-o', outputDir, ...suite.args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(stdoutPath);
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
  const exitCode = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  await new Promise((resolve) => log.end(resolve));
  const results: ScenarioResult[] = [];
  for (const { scenario, dir } of scenarioDirs(stdout)) {
    results.push({ scenario, checks: dir === undefined ? undefined : await readChecks(dir) });
  }
  return { results, exitCode };
}

export function scenarioDirs(stdout: string): { scenario: string; dir: string | undefined }[] {
  const found: { scenario: string; dir: string | undefined }[] = [];
  for (const line of stdout.split('\n')) {
    const started = /^=== Running scenario: (\S+) ===$/.exec(line.trim());
    if (started?.[1]) found.push({ scenario: started[1], dir: undefined });
    const saved = /^Results saved to (.+)$/.exec(line.trim());
    const current = found.at(-1);
    if (saved?.[1] && current && current.dir === undefined) current.dir = saved[1];
  }
  return found;
}

async function readChecks(dir: string): Promise<Check[] | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, 'checks.json'), 'utf8')) as Check[];
  } catch {
    return undefined;
  }
}
