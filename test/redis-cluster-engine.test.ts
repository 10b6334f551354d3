import { afterAll, describe, expect, it } from 'vitest';
import type { EngineOptions } from '../src/chat/engine.js';
import { DEFAULT_LIMITS } from '../src/chat/rules.js';
import { ChatService } from '../src/chat/service.js';
import { RedisEngine } from '../src/engines/redis/engine.js';
import { engineContract } from './engine-contract.js';
import { randomPrefix } from './support/redis.js';
import {
  clusterUrl,
  type LocalCluster,
  redisClusterSkipReason,
  startLocalCluster,
  untilSubscribedOnCluster,
} from './support/redis-cluster.js';

const skip = redisClusterSkipReason();
// One 3-primary cluster for the whole file; each case keeps to a key prefix of its own.
const cluster: LocalCluster | undefined = skip === undefined ? await startLocalCluster() : undefined;
const url = cluster ? clusterUrl(cluster) : '';

describe.skipIf(skip !== undefined)(
  `redis engine on a 3-primary Redis Cluster${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    afterAll(() => cluster?.dispose(), 30_000);

    engineContract('redis cluster', {
      open: async (options?: EngineOptions) => {
        const keyPrefix = randomPrefix();
        const engine = new RedisEngine({ url, keyPrefix, ...options });
        await engine.ready();
        const siblings: RedisEngine[] = [];
        return {
          engine,
          sibling: async () => {
            const sibling = new RedisEngine({ url, keyPrefix, ...options });
            siblings.push(sibling);
            await sibling.ready();
            return sibling;
          },
          dispose: async () => {
            await Promise.all([...siblings, engine].map((each) => each.close()));
          },
          makeUnavailable: () => Promise.reject(new Error('not on the shared cluster')),
        };
      },
      differences: {
        'every method rejects with StorageUnavailableError while storage is unreachable':
          'the cluster is shared by the whole file, and its nodes announce their own ports, so no relay can cut one engine off; the single-Redis variant (redis-engine.test.ts) covers the same code',
      },
    });

    it('spreads rooms over the primaries, and wakes a wait on one instance from another', async () => {
      const keyPrefix = randomPrefix();
      const [a, b] = [new RedisEngine({ url, keyPrefix }), new RedisEngine({ url, keyPrefix })];
      try {
        await Promise.all([a.ready(), b.ready()]);
        const chatA = new ChatService({ engine: a, limits: DEFAULT_LIMITS });
        const chatB = new ChatService({ engine: b, limits: DEFAULT_LIMITS });
        const ann = await chatA.enterQueue({ displayName: 'Ann' });
        const matching = chatA.waitForMatch({ clientId: ann.clientId, timeout: 25 });
        await untilSubscribedOnCluster(cluster as LocalCluster, `${keyPrefix}bus:user:${ann.userId}`);
        const bob = await chatB.enterQueue({ displayName: 'Bob' });
        if (bob.status !== 'matched') throw new Error(`Bob: ${bob.status}`);
        expect(await matching).toMatchObject({ status: 'matched', roomId: bob.roomId });
        const waiting = chatA.waitForMessage({ roomId: bob.roomId, clientId: ann.clientId, timeout: 25 });
        await untilSubscribedOnCluster(cluster as LocalCluster, `${keyPrefix}bus:room:${bob.roomId}`);
        await chatB.sendMessage({
          roomId: bob.roomId,
          clientId: bob.clientId,
          message: 'hi across the cluster',
        });
        const result = await waiting;
        if (result.status !== 'messages') throw new Error(`wait ended by ${result.endedBy}`);
        expect(result.messages.map((m) => m.text)).toEqual(['hi across the cluster']);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });
  },
);
