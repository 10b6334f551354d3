/**
 * Judging conformance results against interop/expected-failures.json. Pure functions: the runner
 * feeds them what the suite wrote, the tests feed them made-up results.
 */

/** One check as the suite writes it to checks.json. */
export interface Check {
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED' | string;
  errorMessage?: string;
}

/** What one suite run reported for one scenario; `checks` is undefined when it wrote no results. */
export interface ScenarioResult {
  scenario: string;
  checks: Check[] | undefined;
}

/** A scenario that fails by design: the ids of the checks that fail, and why. */
export interface Expectation {
  reason: string;
  checks: string[];
}

export type Expectations = Record<string, Expectation>;

export type Verdict =
  | { kind: 'pass'; warnings: string[] }
  | { kind: 'expected-failure'; reason: string; warnings: string[] }
  /** Checks failed that expected-failures.json does not list. */
  | { kind: 'unexpected-failure'; failures: Check[] }
  /** Listed checks did not fail: the product got better or the suite changed; update the list. */
  | { kind: 'stale'; checks: string[] }
  | { kind: 'no-results' };

export function judge(result: ScenarioResult, expectation: Expectation | undefined): Verdict {
  if (result.checks === undefined) return { kind: 'no-results' };
  const failures = result.checks.filter((check) => check.status === 'FAILURE');
  const warnings = result.checks
    .filter((check) => check.status === 'WARNING')
    .map((check) => `${check.id}: ${check.errorMessage ?? ''}`.trim());
  const expected = new Set(expectation?.checks ?? []);
  const unexpected = failures.filter((check) => !expected.has(check.id));
  if (unexpected.length > 0) return { kind: 'unexpected-failure', failures: unexpected };
  const failed = new Set(failures.map((check) => check.id));
  const stale = [...expected].filter((id) => !failed.has(id));
  if (stale.length > 0) return { kind: 'stale', checks: stale };
  if (expectation) return { kind: 'expected-failure', reason: expectation.reason, warnings };
  return { kind: 'pass', warnings };
}

export function isProblem(verdict: Verdict): boolean {
  return verdict.kind === 'unexpected-failure' || verdict.kind === 'stale' || verdict.kind === 'no-results';
}

/** Listed scenarios that no run executed: a renamed or removed scenario leaves a dead entry. */
export function unusedExpectations(expectations: Expectations, ran: Iterable<string>): string[] {
  const seen = new Set(ran);
  return Object.keys(expectations).filter((scenario) => !seen.has(scenario));
}

/** Reads and checks the shape of expected-failures.json, so that a typo fails loudly. */
export function parseExpectations(json: unknown): Expectations {
  const scenarios = (json as { scenarios?: unknown } | null)?.scenarios;
  if (typeof scenarios !== 'object' || scenarios === null) {
    throw new Error('expected-failures.json: a "scenarios" object is required.');
  }
  for (const [scenario, entry] of Object.entries(scenarios)) {
    const { reason, checks } = (entry ?? {}) as Partial<Expectation>;
    const valid =
      typeof reason === 'string' &&
      reason.trim() !== '' &&
      Array.isArray(checks) &&
      checks.length > 0 &&
      checks.every((id) => typeof id === 'string');
    if (!valid) {
      throw new Error(
        `expected-failures.json: "${scenario}" needs a "reason" and a non-empty "checks" list.`,
      );
    }
  }
  return scenarios as Expectations;
}

/** One table cell: what happened to a scenario in one run. */
export function cell(verdict: Verdict | undefined): string {
  if (verdict === undefined) return '-';
  const warned = (label: string, warnings: string[]) =>
    warnings.length > 0 ? `${label} (${warnings.length} warning${warnings.length > 1 ? 's' : ''})` : label;
  switch (verdict.kind) {
    case 'pass':
      return warned('pass', verdict.warnings);
    case 'expected-failure':
      return warned('expected failure', verdict.warnings);
    case 'unexpected-failure':
      return 'FAIL';
    case 'stale':
      return 'STALE';
    case 'no-results':
      return 'NO RESULTS';
  }
}
