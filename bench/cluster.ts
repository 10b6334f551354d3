import { randomUUID } from 'node:crypto';
import { deleteKeys, TEST_REDIS_URL } from '../test/support/redis.js';
import { clusterUrl, startLocalCluster } from '../test/support/redis-cluster.js';
import type { Load, Result } from './phase.js';
import { type ServerUnderTest, startTarget } from './processes.js';
import { ratio } from './stats.js';

/**
 * MCP Chat on a local 3-primary Redis Cluster (bench-owned: `redis-server --cluster-enabled yes`
 * ×3 on this machine) beside MCP Chat on the single Redis, in the same run: send_message/s at each
 * concurrency and delivery p99 at one offered rate, with cluster/single ratios. On one machine the
 * three primaries share its cores with everything else, so the ratio shows the cost of the
 * cluster's extra round trips (steps across slots, no auto-pipelining), not its scaling.
 */
export async function measureCluster(
  load: Load,
  settings: { ms: number; concurrencies: number[]; pairs: number; latencyMs: number },
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
    const send = (server: ServerUnderTest, concurrency: number) =>
      load({
        scenario: 'throughput',
        target: server.name,
        url: server.url,
        op: 'send',
        concurrency,
        ms: settings.ms,
      });
    const throughput: Result = {};
    let slowest = Number.POSITIVE_INFINITY;
    for (const concurrency of settings.concurrencies) {
      const [a, b] = [await send(single, concurrency), await send(onCluster, concurrency)];
      const [perA, perB] = [a.calls_per_second as number, b.calls_per_second as number];
      slowest = Math.min(slowest, Math.max(perA, perB));
      throughput[`c${concurrency}`] = {
        single_redis_send_per_s: perA,
        cluster_send_per_s: perB,
        cluster_ratio_to_single: ratio(perB, perA),
        errors: { single_redis: a.errors, cluster: b.errors },
      };
      process.stderr.write(
        `cluster throughput c=${concurrency}: ${JSON.stringify(throughput[`c${concurrency}`])}\n`,
      );
    }
    // The same offered rate on both, well within what either sustains.
    const ratePerSecond = Math.max(20, Math.round(slowest / 4));
    const latency = (server: ServerUnderTest) =>
      load({
        scenario: 'latency',
        target: server.name,
        url: server.url,
        pairs: settings.pairs,
        ratePerSecond,
        ms: settings.latencyMs,
      });
    const [latA, latB] = [await latency(single), await latency(onCluster)];
    return {
      primaries: cluster.nodes.length,
      throughput,
      delivery_latency: {
        offered_messages_per_s: ratePerSecond,
        single_redis: latA,
        cluster: latB,
        p99_ratio_cluster_to_single: ratio(latB.p99_ms as number, latA.p99_ms as number),
      },
    };
  } finally {
    await Promise.allSettled(servers.map((server) => server.stop()));
    await cluster.dispose();
    await deleteKeys(prefix, singleUrl);
  }
}
