import { describe, expect, it } from 'vitest';
import {
  type Check,
  type Expectation,
  judge,
  parseExpectations,
  unusedExpectations,
} from '../scripts/conformance/judge.js';
import { scenarioDirs } from '../scripts/conformance/suite-run.js';

const ok = (id: string): Check => ({ id, status: 'SUCCESS' });
const failed = (id: string, errorMessage = 'broken'): Check => ({ id, status: 'FAILURE', errorMessage });
const fixture: Expectation = { reason: 'needs a fixture tool', checks: ['tools-call-image'] };

// The runner's verdicts decide whether CI passes: each way a result can go wrong must be caught.
describe('judging conformance results', () => {
  it('passes a scenario whose checks all pass, keeping its warnings', () => {
    const checks = [ok('ping'), { id: 'sse-retry', status: 'WARNING', errorMessage: 'no retry field' }];
    expect(judge({ scenario: 'ping', checks }, undefined)).toEqual({
      kind: 'pass',
      warnings: ['sse-retry: no retry field'],
    });
  });

  it('accepts exactly the listed failing checks', () => {
    const checks = [failed('tools-call-image'), ok('wire-schema-valid')];
    expect(judge({ scenario: 'tools-call-image', checks }, fixture)).toMatchObject({
      kind: 'expected-failure',
      reason: 'needs a fixture tool',
    });
  });

  it('fails on a failing check nobody listed, even in a listed scenario', () => {
    const checks = [failed('tools-call-image'), failed('wire-schema-valid', 'bad message')];
    expect(judge({ scenario: 'tools-call-image', checks }, fixture)).toEqual({
      kind: 'unexpected-failure',
      failures: [failed('wire-schema-valid', 'bad message')],
    });
    expect(judge({ scenario: 'ping', checks: [failed('ping')] }, undefined)).toMatchObject({
      kind: 'unexpected-failure',
    });
  });

  it('calls a listed check that passed stale, so the list stays honest', () => {
    expect(judge({ scenario: 'tools-call-image', checks: [ok('tools-call-image')] }, fixture)).toEqual({
      kind: 'stale',
      checks: ['tools-call-image'],
    });
  });

  it('reports a scenario without results', () => {
    expect(judge({ scenario: 'ping', checks: undefined }, undefined)).toEqual({ kind: 'no-results' });
  });

  it('finds listed scenarios that no run executed', () => {
    expect(
      unusedExpectations({ 'tools-call-image': fixture, renamed: fixture }, ['tools-call-image']),
    ).toEqual(['renamed']);
  });

  it('refuses an expectation without a reason or checks', () => {
    expect(() => parseExpectations({ scenarios: { ping: { checks: ['ping'] } } })).toThrow(/ping/);
    expect(() => parseExpectations({ scenarios: { ping: { reason: 'x', checks: [] } } })).toThrow(/ping/);
    expect(() => parseExpectations({})).toThrow(/scenarios/);
    expect(parseExpectations({ scenarios: { 'tools-call-image': fixture } })).toEqual({
      'tools-call-image': fixture,
    });
  });
});

describe('reading the suite output', () => {
  it('pairs each scenario with its results directory, and notices one that saved none', () => {
    const stdout = [
      'Running all suite (3 scenarios) against http://127.0.0.1:1/mcp',
      '',
      '=== Running scenario: ping ===',
      "Running client scenario 'ping' against server: http://127.0.0.1:1/mcp",
      'Results saved to /tmp/out/server-ping-2026-01-01T00-00-00-000Z',
      '',
      '=== Running scenario: tools-list ===',
      '',
      '=== Running scenario: caching ===',
      'Results saved to /tmp/out/server-caching-2026-01-01T00-00-01-000Z',
    ].join('\n');
    expect(scenarioDirs(stdout)).toEqual([
      { scenario: 'ping', dir: '/tmp/out/server-ping-2026-01-01T00-00-00-000Z' },
      { scenario: 'tools-list', dir: undefined },
      { scenario: 'caching', dir: '/tmp/out/server-caching-2026-01-01T00-00-01-000Z' },
    ]);
  });
});
