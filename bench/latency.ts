import type { Load, Result } from './phase.js';
import type { ServerUnderTest } from './processes.js';
import { ratio } from './stats.js';

/** The figures of one latency run that the report compares. */
interface LatencyRun extends Result {
  p99_ms: number;
  messages_per_second: number;
}

/**
 * Delivery latency at half load, per MCP Chat engine. Half of the engine's own delivery capacity:
 * a delivered message costs a send, a wait's answer and the next wait, so half the *send* rate
 * (what this phase offered before) was full load or more for MCP Chat and a small part of raw's
 * capacity, and the ratio measured queueing, not the path. So each engine is first offered its
 * own top send rate to read how many messages per second it delivers at most; then it, the raw
 * baseline and the SDK baseline are each offered half of that, one after the other.
 */
export async function measureLatency(
  load: Load,
  engines: { server: ServerUnderTest; maxSendsPerSecond: number }[],
  baselines: { sdk: ServerUnderTest; raw: ServerUnderTest },
  settings: { pairs: number; latencyMs: number },
  log: (line: string) => void,
): Promise<Record<string, Result>> {
  const run = async (server: ServerUnderTest, ratePerSecond: number, ms: number) =>
    (await load({
      scenario: 'latency',
      target: server.name,
      url: server.url,
      pairs: settings.pairs,
      ratePerSecond,
      ms,
    })) as LatencyRun;
  const report: Record<string, Result> = {};
  for (const { server, maxSendsPerSecond } of engines) {
    const probe = await run(server, maxSendsPerSecond, Math.min(5000, settings.latencyMs));
    const capacity = probe.messages_per_second;
    const offered = Math.max(20, Math.round(capacity / 2));
    const chat = await run(server, offered, settings.latencyMs);
    const raw = await run(baselines.raw, offered, settings.latencyMs);
    const sdk = await run(baselines.sdk, offered, settings.latencyMs);
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
