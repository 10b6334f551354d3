import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatEvent, roomTopic } from '../src/chat/engine.js';
import { DEFAULT_LIMITS } from '../src/chat/rules.js';
import { ChatService } from '../src/chat/service.js';
import { RedisEngine } from '../src/engines/redis/engine.js';
import { type ChatClient, connect } from './support/clients.js';
import { healthStatus, type ServerProcess, spawnServer, stopServer } from './support/process.js';
import {
  type PrivateRedis,
  randomPrefix,
  redisServerSkipReason,
  startPrivateRedis,
  untilSubscribed,
} from './support/redis.js';

const skip = redisServerSkipReason();

describe.skipIf(skip !== undefined)(
  `Redis restarted under a running chat${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const keyPrefix = randomPrefix();
    let redis: PrivateRedis;
    const engines: RedisEngine[] = [];
    const servers: ServerProcess[] = [];
    const clients: ChatClient[] = [];

    beforeAll(async () => {
      redis = await startPrivateRedis();
    });
    afterAll(async () => {
      await Promise.all(clients.map((client) => client.close()));
      await Promise.all([...servers.map(stopServer), ...engines.map((engine) => engine.close())]);
      await redis?.dispose();
    }, 30_000);

    async function engine(): Promise<RedisEngine> {
      const opened = new RedisEngine({ url: redis.url, keyPrefix });
      engines.push(opened);
      await opened.ready();
      return opened;
    }

    it('tells listeners to look again when Redis goes and once it is back, and subscribes again', async () => {
      const [listening, publishing] = [await engine(), await engine()];
      const received: ChatEvent[] = [];
      listening.bus.subscribe(roomTopic('r'), (event) => received.push(event));
      await listening.bus.settled();

      await redis.kill();
      await expect.poll(() => received).toEqual([{ type: 'resync' }]);
      await redis.start();
      await expect.poll(() => received).toEqual([{ type: 'resync' }, { type: 'resync' }]);
      await publishing.ready();
      await untilSubscribed(keyPrefix, roomTopic('r'), redis.url);
      const event: ChatEvent = {
        type: 'partner_left',
        roomId: 'r',
        member: { userId: 'u', displayName: 'U' },
        reason: 'timeout',
      };
      await publishing.bus.publish(roomTopic('r'), event);
      await expect.poll(() => received.at(-1)).toEqual(event);
    });

    it('answers waits and fails fast while Redis stalls, and serves again once it goes on', async () => {
      const [a, b] = [await engine(), await engine()];
      const chatA = new ChatService({ engine: a, limits: DEFAULT_LIMITS });
      const chatB = new ChatService({ engine: b, limits: DEFAULT_LIMITS });
      const ann = await chatA.enterQueue({ displayName: 'Ann' });
      const bob = await chatB.enterQueue({ displayName: 'Bob' });
      if (bob.status !== 'matched') throw new Error(bob.status);
      const wait = () => chatA.waitForMessage({ roomId: bob.roomId, clientId: ann.clientId, timeout: 120 });
      const parked = wait();
      await untilSubscribed(keyPrefix, roomTopic(bob.roomId), redis.url);

      // Stalled, not gone: the connections stay open and nothing answers.
      redis.pause();
      // The parked wait may fail before the ping does: its expectation is attached first, so that
      // rejection is never unhandled.
      const parkedFails = expect(parked).rejects.toMatchObject({ code: 'unavailable' });
      await expect(a.ping()).rejects.toMatchObject({ code: 'unavailable' });
      await parkedFails;
      await expect(
        chatA.sendMessage({ roomId: bob.roomId, clientId: ann.clientId, message: 'anyone?' }),
      ).rejects.toMatchObject({ code: 'unavailable' });

      redis.resume();
      await expect
        .poll(
          () =>
            a.ping().then(
              () => 'up',
              () => 'down',
            ),
          { timeout: 15_000 },
        )
        .toBe('up');
      const waiting = wait();
      await untilSubscribed(keyPrefix, roomTopic(bob.roomId), redis.url);
      await chatB.sendMessage({ roomId: bob.roomId, clientId: bob.clientId, message: 'still here' });
      expect(await waiting).toMatchObject({ status: 'messages', messages: [{ text: 'still here' }] });
    });

    it('answers unavailable while Redis is away, resumes by itself, and loses no acknowledged message', async () => {
      const flags = ['--redis-url', redis.url, '--redis-prefix', keyPrefix];
      const [a, b] = await Promise.all([spawnServer(flags), spawnServer(flags)]);
      servers.push(a, b);
      const ann = await connect(a.mcpUrl, 'modern');
      const bob = await connect(b.mcpUrl, 'legacy');
      clients.push(ann, bob);
      const annIn = await ann.call('enter_queue', { display_name: 'Ann' });
      const bobIn = await bob.call('enter_queue', { display_name: 'Bob' });
      const roomId = bobIn.room_id as string;
      const acknowledged: string[] = [];
      for (const text of ['one', 'two', 'three']) {
        const sent = await bob.call('send_message', {
          room_id: roomId,
          client_id: bobIn.client_id,
          message: text,
        });
        expect(sent.success).toBe(true);
        acknowledged.push(text);
      }
      const read = await ann.call('wait_for_message', {
        room_id: roomId,
        client_id: annIn.client_id,
        timeout: 5,
      });
      expect((read.messages as { message: string }[]).map((m) => m.message)).toEqual(acknowledged);

      // A wait parked when Redis goes away is answered at once, not at its timeout.
      const parked = ann.raw('wait_for_message', {
        room_id: roomId,
        client_id: annIn.client_id,
        timeout: 120,
      });
      await untilSubscribed(keyPrefix, roomTopic(roomId), redis.url);
      await redis.kill();
      const answer = await parked;
      expect(answer.isError).toBe(true);
      expect(answer.structuredContent).toMatchObject({ code: 'unavailable' });
      expect(
        await bob.fail('send_message', { room_id: roomId, client_id: bobIn.client_id, message: 'lost?' }),
      ).toMatchObject({ success: false, code: 'unavailable', error: expect.stringMatching(/try again/i) });
      expect([await healthStatus(a), await healthStatus(b)]).toEqual([503, 503]);

      await redis.start();
      await expect
        .poll(() => Promise.all([healthStatus(a), healthStatus(b)]), { timeout: 15_000 })
        .toEqual([200, 200]);
      const history = await ann.call('get_messages', { room_id: roomId, client_id: annIn.client_id });
      expect((history.messages as { message: string }[]).map((m) => m.message)).toEqual(acknowledged);

      // Waits across instances work again.
      const waiting = ann.call('wait_for_message', {
        room_id: roomId,
        client_id: annIn.client_id,
        timeout: 60,
      });
      await untilSubscribed(keyPrefix, roomTopic(roomId), redis.url);
      await bob.call('send_message', { room_id: roomId, client_id: bobIn.client_id, message: 'back again' });
      expect(await waiting).toMatchObject({ message: 'back again', sender: 'Bob', seq: 4 });
    });

    it('runs its scripts again after Redis forgot them (SCRIPT FLUSH), without an error', async () => {
      const chat = new ChatService({ engine: await engine(), limits: DEFAULT_LIMITS });
      const ann = await chat.enterQueue({ displayName: 'Ann' });
      const bob = await chat.enterQueue({ displayName: 'Bob' });
      if (bob.status !== 'matched') throw new Error(`Bob: ${bob.status}`);
      const admin = new Redis(redis.url);
      try {
        expect(await admin.script('FLUSH')).toBe('OK');
        const sent = await chat.sendMessage({
          roomId: bob.roomId,
          clientId: bob.clientId,
          message: 'still here',
        });
        expect(sent.seq).toBeGreaterThan(0);
        const read = await chat.waitForMessage({ roomId: bob.roomId, clientId: ann.clientId, timeout: 1 });
        expect(read.status === 'messages' && read.messages.map((m) => m.text)).toEqual(['still here']);
        // EVAL put the scripts it needed back in the cache: from here on they run as EVALSHA.
        expect(
          Number(/number_of_cached_scripts:(\d+)/.exec(await admin.info('memory'))?.[1]),
        ).toBeGreaterThan(0);
      } finally {
        admin.disconnect();
      }
    });
  },
);
