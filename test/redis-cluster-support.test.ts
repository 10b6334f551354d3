import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCluster, redisClusterSkipReason, startLocalCluster } from './support/redis-cluster.js';

const skip = redisClusterSkipReason();

/** The test helper itself: three primaries that share the slots, reachable from any node. */
describe.skipIf(skip !== undefined)('a local Redis Cluster for the tests', () => {
  let cluster: LocalCluster;
  beforeAll(async () => {
    cluster = await startLocalCluster();
  }, 60_000);
  afterAll(() => cluster?.dispose());

  it('has three primaries covering every slot, and spreads keys across them', async () => {
    const [first] = cluster.nodes as [string];
    const client = new Cluster([{ host: first.split(':')[0], port: Number(first.split(':')[1]) }]);
    try {
      const slots = (await client.cluster('SLOTS')) as [number, number, ...unknown[]][];
      expect(slots.reduce((sum, [from, to]) => sum + to - from + 1, 0)).toBe(16_384);
      expect(client.nodes('master')).toHaveLength(3);
      // Keys with different hash tags land on different primaries; one tag keeps them together.
      for (let i = 0; i < 30; i++) await client.set(`probe:{${i}}`, String(i));
      const sizes = await Promise.all(client.nodes('master').map((node) => node.dbsize()));
      expect(sizes.filter((size) => size > 0).length).toBeGreaterThan(1);
      await client.mset('a{t}', 'x', 'b{t}', 'y');
      const script = "return redis.call('GET', KEYS[1]) .. redis.call('GET', KEYS[2])";
      expect(await client.eval(script, 2, 'a{t}', 'b{t}')).toBe('xy');
    } finally {
      client.disconnect();
    }
  });
});
