import { randomUUID } from 'node:crypto';
import { deleteKeys, TEST_REDIS_URL } from '../test/support/redis.js';
import { clusterUrl, startLocalCluster } from '../test/support/redis-cluster.js';
import { type LatencyRun, merged } from './latency.js';
import { inTurns, type Load, type Result } from './phase.js';
import { type ServerUnderTest, startTarget } from './processes.js';
import { untilQuiet } from './settle.js';
import { ratio } from './stats.js';
import { measureWindow, summed } from './throughput.js';

/**
 * MCP Chat on a local 3-primary Redis Cluster (bench-owned: `redis-server --cluster-enabled yes`
 * ×3 on this machine) beside MCP Chat on the single Redis, in the same run: send_message/s at each
 * concurrency and delivery p99 at one offered rate, with cluster/single ratios. On one machine the
 * three primaries share its cores with everything else, so the ratio shows the cost of the
 * cluster's extra round trips (steps across slots, no auto-pipelining), not its scaling. The two
 * take turns (`settings.rounds` throughput windows and `settings.latencyRounds` latency runs
 * each, rotated, as in throughput.ts and latency.ts), so the machine's drift between minutes
 * falls on both instead of deciding the ratio.
 */
export async function measureCluster(
  load: Load,
  settings: {
    ms: number;
    rounds: number;
    concurrencies: number[];
    pairs: number;
    latencyMs: number;
    latencyRounds: number;
  },
): Promise<Result> {
  const cluster = await startLocalCluster();
  const prefix = `mcp-chat-bench:${randomUUID().slice(0, 12)}:`;
  const singleUrl = process.env.MCP_CHAT_TEST_REDIS_URL ?? TEST_REDIS_URL;
  const servers: ServerUnderTest[] = [];
  try {
    const single = await startTarget('mcp-chat-redis', { db: '', redisUrl: singleUrl, redisPrefix: prefix });
    servers.push(single);
    const onCluster = await startTarget('mcp-chat-redis', {
      db: '',
      redisUrl: clusterUrl(cluster),
      redisPrefix: prefix,
    });
    servers.push(onCluster);
    const pair = [single, onCluster];
    const throughput: Result = {};
    let slowest = Number.POSITIVE_INFINITY;
    for (const concurrency of settings.concurrencies) {
      const windows = await inTurns(pair, settings.rounds, (server) =>
        measureWindow(load, server, concurrency, settings.ms),
      );
      const [a, b] = pair.map((server) => summed(windows.get(server) ?? []));
      if (!a || !b) throw new Error('cluster phase: a server measured no window');
      slowest = Math.min(slowest, Math.max(a.calls_per_second, b.calls_per_second));
      throughput[`c${concurrency}`] = {
        single_redis_send_per_s: a.calls_per_second,
        cluster_send_per_s: b.calls_per_second,
        cluster_ratio_to_single: ratio(b.calls_per_second, a.calls_per_second),
        errors: { single_redis: a.errors, cluster: b.errors },
        rounds: { single_redis: a.rounds, cluster: b.rounds },
      };
      process.stderr.write(
        `cluster throughput c=${concurrency}: ${JSON.stringify(throughput[`c${concurrency}`])}\n`,
      );
    }
    // The same offered rate on both, well within what either sustains.
    const ratePerSecond = Math.max(20, Math.round(slowest / 4));
    const ms = Math.round(settings.latencyMs / settings.latencyRounds);
    const runs = await inTurns(pair, settings.latencyRounds, async (server) => {
      await untilQuiet();
      return (await load({
        scenario: 'latency',
        target: server.name,
        url: server.url,
        pairs: settings.pairs,
        ratePerSecond,
        ms,
        keepSamples: true,
      })) as LatencyRun;
    });
    const [latA, latB] = pair.map((server) => merged(runs.get(server) ?? []));
    if (!latA || !latB) throw new Error('cluster phase: a server measured no latency run');
    return {
      primaries: cluster.nodes.length,
      throughput,
      delivery_latency: {
        offered_messages_per_s: ratePerSecond,
        single_redis: latA,
        cluster: latB,
        p99_ratio_cluster_to_single: ratio(latB.p99_ms, latA.p99_ms),
      },
    };
  } finally {
    await Promise.allSettled(servers.map((server) => server.stop()));
    await cluster.dispose();
    await deleteKeys(prefix, singleUrl);
  }
}
