import { randomUUID } from 'node:crypto';
import { createConnection, createServer, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChatEvent, type EngineOptions, roomTopic } from '../src/chat/engine.js';
import { StorageUnavailableError } from '../src/chat/errors.js';
import { credentialDigest } from '../src/chat/identity.js';
import { DEFAULT_LIMITS } from '../src/chat/rules.js';
import { ChatService } from '../src/chat/service.js';
import type { MessageDraft } from '../src/chat/types.js';
import { RedisEngine, type RedisEngineOptions } from '../src/engines/redis/engine.js';
import { engineContract } from './engine-contract.js';
import { freePort } from './support/process.js';
import {
  deleteKeys,
  randomPrefix,
  redisSkipReason,
  TEST_REDIS_URL,
  untilSubscribed,
} from './support/redis.js';

const skip = await redisSkipReason();

/**
 * A loopback TCP relay in front of the test Redis, so one engine's Redis can be taken away for
 * real: `stop` closes the port and cuts every relayed connection, as a Redis that went down would.
 */
async function redisRelay(): Promise<{ url: string; stop(): Promise<void> }> {
  const target = new URL(TEST_REDIS_URL);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port || 6379) });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const url = new URL(TEST_REDIS_URL);
  url.host = `127.0.0.1:${port}`;
  return {
    url: url.href,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

describe.skipIf(skip !== undefined)(`redis engine${skip ? ` (skipped: ${skip})` : ''}`, () => {
  // No deliberate differences from the contract: Redis honours every case.
  engineContract('redis', {
    open: async (options?: EngineOptions) => {
      const keyPrefix = randomPrefix();
      const relay = await redisRelay();
      const engine = new RedisEngine({ url: relay.url, keyPrefix, ...options });
      await engine.ready();
      const siblings: RedisEngine[] = [];
      return {
        engine,
        // A second instance on the same Redis and prefix.
        sibling: async () => {
          const sibling = new RedisEngine({ url: TEST_REDIS_URL, keyPrefix, ...options });
          siblings.push(sibling);
          await sibling.ready();
          return sibling;
        },
        dispose: async () => {
          await Promise.all(siblings.map((sibling) => sibling.close()));
          await engine.close();
          await relay.stop();
          await deleteKeys(keyPrefix);
        },
        makeUnavailable: () => relay.stop(),
      };
    },
  });

  // Engines that share one prefix play the part of instances sharing one Redis.
  let keyPrefix = randomPrefix();
  let opened: RedisEngine[] = [];
  let raw: Redis | undefined;
  afterEach(async () => {
    await Promise.all(opened.map((engine) => engine.close()));
    opened = [];
    raw?.disconnect();
    raw = undefined;
    await deleteKeys(keyPrefix);
    keyPrefix = randomPrefix();
  });

  async function instance(options: Partial<RedisEngineOptions> = {}): Promise<RedisEngine> {
    const engine = new RedisEngine({ url: TEST_REDIS_URL, keyPrefix, ...options });
    opened.push(engine);
    await engine.ready();
    return engine;
  }

  /** A plain connection, to look at what the engine stored. */
  function redis(): Redis {
    raw ??= new Redis(TEST_REDIS_URL);
    return raw;
  }

  function draft(senderId: string, text: string, createdAt: number): MessageDraft {
    return {
      messageId: randomUUID(),
      senderId,
      senderName: senderId,
      text,
      createdAt,
      system: false,
      disconnect: false,
    };
  }

  async function roomWith(engine: RedisEngine, ...userIds: string[]): Promise<string> {
    const roomId = `room-${randomUUID().slice(0, 8)}`;
    for (const userId of userIds) {
      await engine.createParticipant({ userId, credential: `cred-${userId}`, displayName: userId, now: 1 });
      const joined = await engine.joinRoom({
        roomId,
        userId,
        capacity: 10,
        now: 1,
        notice: { ...draft('system', `${userId} joined`, 1), system: true },
        recentLimit: 20,
      });
      expect(['created', 'joined']).toContain(joined.kind);
    }
    return roomId;
  }

  describe('several instances', () => {
    it('delivers an event published on one instance to a subscriber on another', async () => {
      const [a, b] = [await instance(), await instance()];
      const topic = roomTopic('shared');
      const received: ChatEvent[] = [];
      const unsubscribe = a.bus.subscribe(topic, (event) => received.push(event));
      await a.bus.settled();
      const event: ChatEvent = {
        type: 'partner_left',
        roomId: 'shared',
        member: { userId: 'u1', displayName: 'U1' },
        reason: 'left',
      };
      await b.bus.publish(topic, event);
      await expect.poll(() => received).toEqual([event]);
      unsubscribe();
    });

    it('wakes a wait parked on one instance when another instance matches or stores a message', async () => {
      const [a, b] = [await instance(), await instance()];
      const chatA = new ChatService({ engine: a, limits: DEFAULT_LIMITS });
      const chatB = new ChatService({ engine: b, limits: DEFAULT_LIMITS });
      const ann = await chatA.enterQueue({ displayName: 'Ann' });
      expect(ann.status).toBe('waiting');
      // Long timeouts: a wait that is not woken fails the test by running out of time.
      const matching = chatA.waitForMatch({ clientId: ann.clientId, timeout: 25 });
      await untilSubscribed(keyPrefix, `user:${ann.userId}`);
      const bob = await chatB.enterQueue({ displayName: 'Bob' });
      if (bob.status !== 'matched') throw new Error(`Bob: ${bob.status}`);
      expect(await matching).toMatchObject({ status: 'matched', roomId: bob.roomId });

      const waiting = chatA.waitForMessage({ roomId: bob.roomId, clientId: ann.clientId, timeout: 25 });
      await untilSubscribed(keyPrefix, roomTopic(bob.roomId));
      await chatB.sendMessage({ roomId: bob.roomId, clientId: bob.clientId, message: 'hi from B' });
      const result = await waiting;
      if (result.status !== 'messages') throw new Error(`wait ended by ${result.endedBy}`);
      expect(result.messages.map((m) => [m.text, m.senderName])).toEqual([['hi from B', 'Bob']]);
    });

    it('hands each idle participant to one instance when all of them sweep at once', async () => {
      const [a, b, c] = [await instance(), await instance(), await instance()];
      const people = Array.from({ length: 20 }, (_, i) => `u-${i}`);
      for (const userId of people) {
        await a.createParticipant({ userId, credential: `cred-${userId}`, displayName: userId, now: 1 });
        await b.enqueue(userId, { now: 2, matchRoomId: `m-${userId}` });
      }
      const claims = await Promise.all([a, b, c].map((engine) => engine.claimIdle(1000, 100)));
      const all = claims.flat();
      expect(all.sort()).toEqual([...people].sort());
      expect(new Set(all).size).toBe(people.length);
    });

    it('keeps the send rate limit per participant across instances', async () => {
      const [a, b] = [await instance(), await instance()];
      const rule = { now: 5_000, ratePerSecond: 1, burst: 2 };
      expect(await a.takeSendToken('u', rule)).toBe(true);
      expect(await b.takeSendToken('u', rule)).toBe(true);
      expect(await a.takeSendToken('u', rule)).toBe(false);
      expect(await b.takeSendToken('u', rule)).toBe(false);
    });
  });

  describe('retention', () => {
    it('drops messages older than maxAgeSeconds on the next append, and lets a silent log expire', async () => {
      const engine = await instance({ retention: { maxMessages: 0, maxAgeSeconds: 60 } });
      const roomId = await roomWith(engine, 'ann');
      const start = 1_000_000;
      for (let i = 0; i < 150; i++) {
        await engine.appendMessage({ roomId, userId: 'ann', draft: draft('ann', `old${i}`, start + i) });
      }
      const later = start + 100 + 60_000;
      await engine.appendMessage({ roomId, userId: 'ann', draft: draft('ann', 'new', later) });
      const history = await engine.readHistory({ roomId, limit: 100 });
      // Written within 60 s of the newest: old100 at start+100 onwards.
      expect(history.messages.map((m) => m.text)).toEqual([
        ...Array.from({ length: 50 }, (_, i) => `old${i + 100}`),
        'new',
      ]);
      const ttl = await redis().pttl(`${keyPrefix}room:{${roomId}}:log`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    });
  });

  describe('expiry of identities and idempotency keys', () => {
    it('forgets identities 30 days after their last touch, and idempotency keys after 24 hours', async () => {
      const engine = await instance();
      const day = 24 * 60 * 60;
      await engine.createParticipant({
        userId: 'ann',
        credential: credentialDigest('secret'),
        displayName: 'Ann',
        now: 1,
      });
      const identityKeys = [
        `${keyPrefix}{control}:participant:ann`,
        `${keyPrefix}{control}:credential:${credentialDigest('secret')}`,
      ];
      for (const key of identityKeys) await redis().expire(key, 60);
      await engine.touchParticipant('ann', 2);
      for (const key of identityKeys) {
        expect(await redis().ttl(key)).toBeGreaterThan(30 * day - 60);
      }
      const roomId = await roomWith(engine, 'bob');
      await engine.appendMessage({
        roomId,
        userId: 'bob',
        draft: draft('bob', 'x', 3),
        idempotencyKey: 'k:1',
      });
      const idempotencyTtl = await redis().ttl(`${keyPrefix}room:{${roomId}}:sent:bob:k:1`);
      expect(idempotencyTtl).toBeGreaterThan(day - 60);
      expect(idempotencyTtl).toBeLessThanOrEqual(day);
    });
  });

  describe('faults', () => {
    it('fails fast with unavailable, and never crashes, while Redis cannot be reached', async () => {
      const lost: unknown[] = [];
      const engine = new RedisEngine({
        url: `redis://127.0.0.1:${await freePort()}`,
        keyPrefix,
        onEventLost: (error) => lost.push(error),
      });
      opened.push(engine);
      await expect(engine.ping()).rejects.toBeInstanceOf(StorageUnavailableError);
      await expect(engine.findParticipant('x')).rejects.toMatchObject({ code: 'unavailable' });
      await expect(engine.enqueue('u', { now: 1, matchRoomId: 'm' })).rejects.toMatchObject({
        code: 'unavailable',
      });
      const unsubscribe = engine.bus.subscribe(roomTopic('r'), () => {});
      // Events are hints: a publish that cannot reach Redis is reported, not thrown.
      await engine.bus.publish(roomTopic('r'), { type: 'resync' });
      expect(lost).toHaveLength(1);
      unsubscribe();
    });

    it('ignores a malformed event on a channel and goes on delivering', async () => {
      const lost: unknown[] = [];
      const engine = await instance({ onEventLost: (error) => lost.push(error) });
      const received: ChatEvent[] = [];
      const unsubscribe = engine.bus.subscribe(roomTopic('r'), (event) => received.push(event));
      await engine.bus.settled();
      await redis().publish(`${keyPrefix}bus:room:r`, 'not json');
      await redis().publish(`${keyPrefix}bus:room:r`, '{"kind":"no type"}');
      await engine.bus.publish(roomTopic('r'), { type: 'resync' });
      await expect.poll(() => received).toEqual([{ type: 'resync' }]);
      expect(lost).toHaveLength(2);
      unsubscribe();
    });
  });
});
