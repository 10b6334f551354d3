import { inTurns, type Load, type Result } from './phase.js';
import type { ServerUnderTest } from './processes.js';
import { untilQuiet } from './settle.js';
import { latencySummary, ratio, round, sumOf } from './stats.js';

/** The figures of one latency run that the report compares. */
export interface LatencyRun extends Result {
  p99_ms: number;
  messages_per_second: number;
  errors: number;
  seconds?: number;
  load_cpu_seconds?: number;
  samples_ms?: number[];
}

/**
 * Delivery latency at half load, per MCP Chat engine. Half of the engine's own delivery capacity:
 * a delivered message costs a send, a wait's answer and the next wait, so half the *send* rate
 * (what this phase offered before) was full load or more for MCP Chat and a small part of raw's
 * capacity, and the ratio measured queueing, not the path. So each engine is first offered its
 * own top send rate to read how many messages per second it delivers at most; then it, the raw
 * baseline and the SDK baseline are each offered half of that. They take turns in
 * `settings.latencyRounds` rounds (rotated order) and each one's percentiles are over all its
 * samples: one stall of the machine then falls on all three alike, where one run after the other
 * put it into one of them and into the ratio.
 */
export async function measureLatency(
  load: Load,
  engines: { server: ServerUnderTest; maxSendsPerSecond: number }[],
  baselines: { sdk: ServerUnderTest; raw: ServerUnderTest },
  settings: { pairs: number; latencyMs: number; latencyRounds: number },
  log: (line: string) => void,
): Promise<Record<string, Result>> {
  const run = async (server: ServerUnderTest, ratePerSecond: number, ms: number, keepSamples = false) => {
    await untilQuiet();
    return (await load({
      scenario: 'latency',
      target: server.name,
      url: server.url,
      pairs: settings.pairs,
      ratePerSecond,
      ms,
      keepSamples,
    })) as LatencyRun;
  };
  const report: Record<string, Result> = {};
  for (const { server, maxSendsPerSecond } of engines) {
    const probe = await run(server, maxSendsPerSecond, Math.min(5000, settings.latencyMs));
    const capacity = probe.messages_per_second;
    const offered = Math.max(20, Math.round(capacity / 2));
    const ms = Math.round(settings.latencyMs / settings.latencyRounds);
    const runs = await inTurns([server, baselines.raw, baselines.sdk], settings.latencyRounds, (target) =>
      run(target, offered, ms, true),
    );
    const of = (target: ServerUnderTest) => merged(runs.get(target) ?? []);
    const [chat, raw, sdk] = [of(server), of(baselines.raw), of(baselines.sdk)];
    report[server.name === 'mcp-chat' ? 'sqlite' : 'redis'] = {
      capacity_messages_per_s: capacity,
      capacity_probe: { offered_messages_per_s: maxSendsPerSecond, p99_ms: probe.p99_ms },
      offered_messages_per_s: offered,
      pairs: settings.pairs,
      mcp_chat: chat,
      raw,
      sdk,
      p99_ratio_to_raw: ratio(chat.p99_ms, raw.p99_ms),
      p99_ratio_to_sdk: ratio(chat.p99_ms, sdk.p99_ms),
    };
    log(`latency ${server.name}: ${JSON.stringify(report[server.name === 'mcp-chat' ? 'sqlite' : 'redis'])}`);
  }
  return report;
}

/** One target's runs as one: percentiles over all samples, rates over all seconds. */
export function merged(runs: LatencyRun[]): LatencyRun {
  const total = (pick: (run: LatencyRun) => number) => sumOf(runs, pick);
  const seconds = total((run) => run.seconds ?? 0);
  const samples = runs.flatMap((run) => run.samples_ms ?? []);
  return {
    ...latencySummary(samples),
    messages_per_second: seconds > 0 ? Math.round(samples.length / seconds) : 0,
    errors: total((run) => run.errors),
    load_cpu_cores: seconds > 0 ? round(total((run) => run.load_cpu_seconds ?? 0) / seconds) : 0,
    rounds_p99_ms: runs.map((run) => run.p99_ms),
  };
}
