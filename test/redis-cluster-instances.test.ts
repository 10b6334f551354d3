import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatClient, connect } from './support/clients.js';
import { type ServerProcess, spawnServer, stopServer } from './support/process.js';
import { randomPrefix } from './support/redis.js';
import {
  clusterUrl,
  type LocalCluster,
  redisClusterSkipReason,
  startLocalCluster,
  untilSubscribedOnCluster,
} from './support/redis-cluster.js';

const skip = redisClusterSkipReason();

describe.skipIf(skip !== undefined)(
  `two instances on a 3-primary Redis Cluster${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const keyPrefix = randomPrefix();
    let cluster: LocalCluster;
    let a: ServerProcess;
    let b: ServerProcess;
    const clients: ChatClient[] = [];

    beforeAll(async () => {
      cluster = await startLocalCluster();
      // biome-ignore format: one flag and its value a line.
      const flags = [
        '--redis-url', clusterUrl(cluster),
        '--redis-prefix', keyPrefix,
        '--rate-limit', '0',
        '--new-participants-per-minute', '0',
      ];
      [a, b] = await Promise.all([spawnServer(flags), spawnServer(flags)]);
    }, 90_000);
    afterAll(async () => {
      await Promise.all(clients.map((client) => client.close()));
      await Promise.all([a, b].flatMap((server) => (server ? [stopServer(server)] : [])));
      await cluster?.dispose();
    }, 30_000);

    async function client(server: ServerProcess): Promise<ChatClient> {
      const connected = await connect(server.mcpUrl, 'modern');
      clients.push(connected);
      return connected;
    }

    it('pairs through the queue across instances, and delivers a message sent on one to a waiter on the other', async () => {
      const ann = await client(a);
      const bob = await client(b);
      const annIn = await ann.call('enter_queue', { display_name: 'Ann' });
      expect(annIn.status).toBe('waiting');
      // Timeouts far beyond the test's: only a wake-up from the other instance ends them in time.
      const annMatch = ann.call('wait_for_match', { client_id: annIn.client_id, timeout: 60 });
      await untilSubscribedOnCluster(cluster, `${keyPrefix}bus:user:${annIn.user_id}`);
      const bobIn = await bob.call('enter_queue', { display_name: 'Bob' });
      expect(bobIn).toMatchObject({ status: 'matched', partner: { display_name: 'Ann' } });
      const roomId = bobIn.room_id as string;
      expect(await annMatch).toMatchObject({
        status: 'matched',
        room_id: roomId,
        partner: { display_name: 'Bob' },
      });

      const annWait = ann.call('wait_for_message', {
        room_id: roomId,
        client_id: annIn.client_id,
        timeout: 60,
      });
      await untilSubscribedOnCluster(cluster, `${keyPrefix}bus:room:${roomId}`);
      await bob.call('send_message', {
        room_id: roomId,
        client_id: bobIn.client_id,
        message: 'hello from B',
      });
      expect(await annWait).toMatchObject({ message: 'hello from B', sender: 'Bob', seq: 1 });
    });
  },
);
