import { inTurns, type Load, type Result } from './phase.js';
import type { ServerUnderTest } from './processes.js';
import { untilQuiet } from './settle.js';
import { mb, ratio, sumOf } from './stats.js';
import { measureWindow, type Servers, summed } from './throughput.js';

/**
 * Session open/DELETE cycles on MCP Chat beside the SDK, and queue matching beside the SDK's
 * no-op rate. Both take turns with their baseline in `rounds` rounds, like the throughput phase:
 * measured one after the other, a slower minute on this machine went straight into the ratio
 * (4 December: every server's churn and the in-process matching ran about 40 % slower than in the
 * throughput phase, and queue matching divided by that phase's SDK rate fell from 0.91 to 0.71).
 */

interface Timed {
  count: number;
  seconds: number;
  loadCpuCores: number;
}

const rate = (runs: Timed[]) => {
  const seconds = sumOf(runs, (run) => run.seconds);
  return seconds > 0 ? Math.round(sumOf(runs, (run) => run.count) / seconds) : 0;
};
const perRound = (runs: Timed[]) =>
  runs.map((run) => (run.seconds > 0 ? Math.round(run.count / run.seconds) : 0));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `cycles` session cycles per server, in `rounds` turns; memory read around all of a server's turns. */
export async function measureChurn(
  load: Load,
  servers: Servers,
  cycles: number,
  rounds: number,
): Promise<Result> {
  const lineup = [servers['mcp-chat'], servers.sdk];
  const before = new Map<ServerUnderTest, Awaited<ReturnType<ServerUnderTest['memory']>>>();
  for (const server of lineup) before.set(server, await server.memory());
  const perTurn = Math.ceil(cycles / rounds);
  const turns = await inTurns(lineup, rounds, async (server): Promise<Timed> => {
    await untilQuiet();
    const figures = await load({ scenario: 'churn', target: server.name, url: server.url, cycles: perTurn });
    return {
      count: figures.cycles as number,
      seconds: figures.seconds as number,
      loadCpuCores: figures.load_cpu_cores as number,
    };
  });
  // What a server still holds once its sessions are gone, not what the last turn left in flight.
  await sleep(1500);
  const figuresOf = async (server: ServerUnderTest) => {
    const runs = turns.get(server) ?? [];
    const start = before.get(server);
    const after = await server.memory();
    return {
      cycles: sumOf(runs, (run) => run.count),
      cycles_per_second: rate(runs),
      rounds: perRound(runs),
      load_cpu_cores: Math.max(...runs.map((run) => run.loadCpuCores)),
      rss_mb: { before: mb(start?.rssBytes ?? 0), after: mb(after.rssBytes) },
      heap_mb: { before: mb(start?.heapBytes ?? 0), after: mb(after.heapBytes) },
    };
  };
  const chat = await figuresOf(servers['mcp-chat']);
  const sdk = await figuresOf(servers.sdk);
  return { 'mcp-chat': chat, sdk, cycles_ratio_to_sdk: ratio(chat.cycles_per_second, sdk.cycles_per_second) };
}

/**
 * enter_queue by new participants at `concurrency` on MCP Chat (SQLite), in `rounds` windows of
 * `ms`, taking turns with windows of the SDK's no-op calls at the same concurrency. A pair takes
 * two enter_queue calls, so the pairs compare with half the SDK's call rate.
 */
export async function measureQueueMatching(
  load: Load,
  servers: Servers,
  settings: { concurrency: number; ms: number; rounds: number },
): Promise<Result> {
  const { concurrency, ms, rounds } = settings;
  const chat = servers['mcp-chat'];
  const pairs: (Timed & { calls: number })[] = [];
  const noop = await inTurns([chat, servers.sdk], rounds, async (server) => {
    if (server === servers.sdk) return measureWindow(load, server, concurrency, ms);
    await untilQuiet();
    const figures = await load({ scenario: 'matching', url: server.url, concurrency, ms });
    pairs.push({
      count: figures.pairs as number,
      calls: figures.calls as number,
      seconds: figures.seconds as number,
      loadCpuCores: figures.load_cpu_cores as number,
    });
    return undefined;
  });
  const sdk = summed((noop.get(servers.sdk) ?? []).filter((window) => window !== undefined));
  const pairsPerSecond = rate(pairs);
  const seconds = sumOf(pairs, (run) => run.seconds);
  return {
    concurrency,
    pairs_per_second: pairsPerSecond,
    enter_queue_per_second: seconds > 0 ? Math.round(sumOf(pairs, (run) => run.calls) / seconds) : 0,
    load_cpu_cores: Math.max(...pairs.map((run) => run.loadCpuCores)),
    sdk_noop_per_s: sdk.calls_per_second,
    ratio_to_sdk_noop_pairs: ratio(pairsPerSecond, sdk.calls_per_second / 2),
    rounds: { pairs_per_second: perRound(pairs), sdk_noop_per_s: sdk.rounds },
  };
}
