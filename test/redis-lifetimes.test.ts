import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisEngine } from '../src/engines/redis/engine.js';
import { deleteKeys, randomPrefix, redisSkipReason, TEST_REDIS_URL } from './support/redis.js';

const skip = await redisSkipReason();

/** Every key under the prefix with its size in bytes (MEMORY USAGE), sorted by name. */
async function keysUnder(prefix: string): Promise<Map<string, number>> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const found = new Map<string, number>();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      for (const key of keys) found.set(key.slice(prefix.length), (await redis.memory('USAGE', key)) ?? 0);
      cursor = next;
    } while (cursor !== '0');
    return new Map([...found].sort(([a], [b]) => a.localeCompare(b)));
  } finally {
    redis.disconnect();
  }
}

describe.skipIf(skip !== undefined)('redis: storage stays bounded', () => {
  const prefix = randomPrefix();
  let engine: RedisEngine | undefined;
  afterEach(async () => {
    await engine?.close();
    await deleteKeys(prefix);
  });

  it('leaves no key behind an ended chat once its lifetime passed', async () => {
    engine = new RedisEngine({ url: TEST_REDIS_URL, keyPrefix: prefix, lifetimes: { endedRoomSeconds: 1 } });
    await engine.ready();
    const people = ['u-a', 'u-b'];
    for (const userId of people) {
      await engine.createParticipant({
        userId,
        credential: `cred-${userId}`,
        displayName: userId,
        now: Date.now(),
      });
    }
    // The queue's arrival counter is one key for the whole chat, not one per chat: made first.
    await engine.enqueue('u-a', { now: Date.now(), matchRoomId: 'unused' });
    await engine.leaveQueue('u-a');
    const before = await keysUnder(prefix);
    const draft = (text: string, senderId: string) => ({
      messageId: `${senderId}-${text}-${Math.random()}`,
      senderId,
      senderName: senderId,
      text,
      createdAt: Date.now(),
      system: false,
      disconnect: false,
    });
    for (let chat = 0; chat < 20; chat++) {
      const roomId = `m-${chat}`;
      await engine.enqueue('u-a', { now: Date.now(), matchRoomId: `unused-${chat}` });
      expect((await engine.enqueue('u-b', { now: Date.now(), matchRoomId: roomId })).kind).toBe('matched');
      await engine.appendMessage({ roomId, userId: 'u-a', draft: draft('hello', 'u-a') });
      await engine.appendMessage({ roomId, userId: 'u-b', draft: draft('hi', 'u-b') });
      await engine.leaveRoom({
        roomId,
        userId: 'u-a',
        now: Date.now(),
        farewell: draft('left', 'system'),
        endRoom: true,
      });
    }
    expect((await keysUnder(prefix)).size).toBeGreaterThan(before.size + 20);
    await expect
      .poll(async () => [...(await keysUnder(prefix)).keys()], { timeout: 8000, interval: 100 })
      .toEqual([...before.keys()]);
    // The participants' own records are back to their size too: the chats left nothing in them.
    const after = await keysUnder(prefix);
    for (const [key, bytes] of before) expect(after.get(key), key).toBeLessThanOrEqual(bytes + 16);
  });
});
