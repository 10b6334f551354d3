/**
 * `npm run conformance`: the official MCP conformance suite against a freshly started MCP Chat.
 *
 * Three runs, each against its own server (built dist/, `--db :memory:`, a free port):
 * 0.1.13 on this Node for the 2025-era revisions, and the 0.2.0 pre-release on Node 22 at
 * 2025-11-25 (it adds the session-lifecycle scenario and validates every message against the
 * spec's schema) and at 2026-07-28. Every scenario is judged against
 * interop/expected-failures.json; the exit status is 1 when a check fails that the list does not
 * name, when a listed check passes, or when a run produced no results. Logs and raw results go to
 * conformance-results/.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  cell,
  type Expectations,
  isProblem,
  judge,
  parseExpectations,
  unusedExpectations,
  type Verdict,
} from './conformance/judge.js';
import { startServer } from './conformance/server-process.js';
import { runSuite, type SuiteInvocation } from './conformance/suite-run.js';
import { ensureInteropInstalled, interopDir, interopTool, node22, repoRoot } from './interop-tools.js';

interface Run extends SuiteInvocation {
  label: string;
  slug: string;
}

const resultsDir = join(repoRoot, 'conformance-results');

function plannedRuns(): Run[] {
  const legacy = interopTool('conformance-2025', 'conformance');
  const current = interopTool('conformance-2026', 'conformance');
  const node = node22();
  return [
    {
      label: `${legacy.version} (2025 era)`,
      slug: 'v2025',
      node: process.execPath,
      script: legacy.script,
      // "all" adds the pending scenarios (json-schema-2020-12, server-sse-polling) to the active ones.
      args: ['--suite', 'all'],
    },
    {
      label: `${current.version} @2025-11-25`,
      slug: 'v2026-at-2025-11-25',
      node,
      script: current.script,
      args: ['--spec-version', '2025-11-25', '--suite', 'all'],
    },
    {
      label: `${current.version} @2026-07-28`,
      slug: 'v2026-at-2026-07-28',
      node,
      script: current.script,
      args: ['--spec-version', '2026-07-28', '--suite', 'all'],
    },
  ];
}

function build(): void {
  const result = spawnSync('npm', ['run', 'build'], {
    cwd: repoRoot,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) throw new Error('npm run build failed.');
}

async function main(): Promise<number> {
  ensureInteropInstalled();
  build();
  const expectations: Expectations = parseExpectations(
    JSON.parse(readFileSync(join(interopDir, 'expected-failures.json'), 'utf8')),
  );
  const runs = plannedRuns();
  rmSync(resultsDir, { recursive: true, force: true });
  mkdirSync(resultsDir, { recursive: true });

  const table = new Map<string, Map<string, Verdict>>();
  const problems: string[] = [];
  for (const run of runs) {
    console.error(`conformance ${run.label} ...`);
    const serverLog = join(resultsDir, `${run.slug}.server.log`);
    const suiteLog = join(resultsDir, `${run.slug}.suite.log`);
    const server = await startServer(repoRoot, serverLog);
    let outcome: Awaited<ReturnType<typeof runSuite>>;
    let serverExit: number | null;
    try {
      outcome = await runSuite(run, server.mcpUrl, join(resultsDir, run.slug), suiteLog);
    } finally {
      serverExit = await server.stop();
    }
    const { results, exitCode } = outcome;
    if (results.length === 0) {
      problems.push(`${run.label}: the suite ran no scenario (exit status ${exitCode}); see ${suiteLog}`);
    }
    if (serverExit !== 0) {
      problems.push(`${run.label}: the server exited with status ${serverExit} on SIGTERM; see ${serverLog}`);
    }
    for (const result of results) {
      const verdict = judge(result, expectations[result.scenario]);
      const row = table.get(result.scenario) ?? new Map<string, Verdict>();
      row.set(run.label, verdict);
      table.set(result.scenario, row);
      problems.push(...describeProblem(run.label, result.scenario, verdict));
    }
  }
  for (const scenario of unusedExpectations(expectations, table.keys())) {
    problems.push(`expected-failures.json lists "${scenario}", which no run executed: remove it.`);
  }

  printTable(runs, table);
  printWarnings(table);
  const verdicts = [...table.values()].flatMap((row) => [...row.values()]);
  const passed = verdicts.filter((verdict) => verdict.kind === 'pass').length;
  const expected = verdicts.filter((verdict) => verdict.kind === 'expected-failure').length;
  if (problems.length > 0) {
    console.log(`\nConformance FAILED (${problems.length} problem${problems.length > 1 ? 's' : ''}):`);
    for (const problem of problems) console.log(`  - ${problem}`);
    console.log(`Server logs and raw results: ${resultsDir}`);
  } else {
    console.log(
      `\nConformance OK: ${expected} expected failures (interop/expected-failures.json), nothing unexpected.`,
    );
  }
  // The plain closing line CI summaries read; expected failures count in neither number.
  console.log(`conformance: ${passed} passed, ${problems.length} failed`);
  return problems.length > 0 ? 1 : 0;
}

function describeProblem(run: string, scenario: string, verdict: Verdict): string[] {
  if (!isProblem(verdict)) return [];
  switch (verdict.kind) {
    case 'unexpected-failure':
      return verdict.failures.map(
        (check) => `${run} ${scenario}: ${check.id} failed: ${check.errorMessage ?? '(no message)'}`,
      );
    case 'stale':
      return [
        `${run} ${scenario}: expected to fail but passed: ${verdict.checks.join(', ')}; update interop/expected-failures.json`,
      ];
    default:
      return [`${run} ${scenario}: the suite wrote no results for it`];
  }
}

function printTable(runs: Run[], table: Map<string, Map<string, Verdict>>): void {
  const header = ['scenario', ...runs.map((run) => run.label)];
  const rows = [...table.entries()].map(([scenario, row]) => [
    scenario,
    ...runs.map((run) => cell(row.get(run.label))),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((text, column) => text.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  console.log(`\n${line(header)}`);
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

/** SHOULD-level findings: not failures, but worth knowing. One line per scenario and warning. */
function printWarnings(table: Map<string, Map<string, Verdict>>): void {
  const lines = new Set<string>();
  for (const [scenario, row] of table) {
    for (const verdict of row.values()) {
      if (verdict.kind !== 'pass' && verdict.kind !== 'expected-failure') continue;
      for (const warning of verdict.warnings) lines.add(`${scenario}: ${warning}`);
    }
  }
  if (lines.size === 0) return;
  console.log('\nWarnings (SHOULD-level, not failures):');
  for (const text of lines) console.log(`  - ${text}`);
}

main().then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 2;
  },
);
