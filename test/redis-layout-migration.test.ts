import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../src/chat/rules.js';
import { ChatService } from '../src/chat/service.js';
import { RedisEngine } from '../src/engines/redis/engine.js';
import { LAYOUT_VERSION, type LayoutMigration, newKeyName } from '../src/engines/redis/migrate-layout.js';
import { deleteKeys, randomPrefix, redisSkipReason, TEST_REDIS_URL } from './support/redis.js';

const skip = await redisSkipReason();

/** The last commit with the key layout before hash tags: its engine writes the fixture. */
const OLD_VERSION = 'b8bfb19~1';
const repo = resolve(import.meta.dirname, '..');

type EngineModule = typeof import('../src/engines/redis/engine.js');
type ServiceModule = typeof import('../src/chat/service.js');

/**
 * The old version's source, extracted from git and imported as it is (vitest compiles it), with
 * the repository's node_modules beside it so its imports resolve: the fixture is what the old
 * engine really wrote, not a copy of its scripts.
 */
async function loadOldVersion(dir: string): Promise<{ engine: EngineModule; service: ServiceModule }> {
  execSync(`git archive ${OLD_VERSION} src | tar -x -C ${JSON.stringify(dir)}`, { cwd: repo });
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return {
    engine: (await import(join(dir, 'src/engines/redis/engine.ts'))) as EngineModule,
    service: (await import(join(dir, 'src/chat/service.ts'))) as ServiceModule,
  };
}

async function keysUnder(prefix: string): Promise<string[]> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      found.push(...keys.map((key) => key.slice(prefix.length)));
      cursor = next;
    } while (cursor !== '0');
    return found.sort();
  } finally {
    redis.disconnect();
  }
}

/**
 * A shallow clone (or a source tree without git) lacks the old version: then these cases cannot
 * run, and say so loudly rather than fail the whole suite on how the tree was fetched.
 */
function oldVersionMissing(): string | undefined {
  try {
    execSync(`git cat-file -e ${OLD_VERSION}^{commit}`, { cwd: repo, stdio: 'ignore' });
    return undefined;
  } catch {
    const reason = `the old version ${OLD_VERSION} is not in the git history here (a full clone is needed)`;
    console.warn(`Skipping the layout migration cases: ${reason}.`);
    return reason;
  }
}
const missing = skip ?? oldVersionMissing();

describe.skipIf(missing !== undefined)(
  `redis key layout migration${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    let dir: string;
    let old: { engine: EngineModule; service: ServiceModule };
    const prefixes: string[] = [];
    const engines: { close(): Promise<void> }[] = [];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'mcp-chat-old-layout-'));
      old = await loadOldVersion(dir);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    afterEach(async () => {
      await Promise.all(engines.splice(0).map((engine) => engine.close()));
      await Promise.all(prefixes.splice(0).map((prefix) => deleteKeys(prefix)));
    });

    /** Writes the fixture through the old version; answers what the test needs to look at after. */
    async function writeOldFixture(keyPrefix: string) {
      const engine = new old.engine.RedisEngine({ url: TEST_REDIS_URL, keyPrefix });
      await engine.ready();
      const chat = new old.service.ChatService({ engine, limits: DEFAULT_LIMITS });
      const ann = await chat.joinRoom({
        roomId: 'lobby',
        displayName: 'Ann',
        topic: 'General talk',
        capacity: 10,
      });
      const bob = await chat.joinRoom({ roomId: 'lobby', displayName: 'Bob' });
      const carol = await chat.joinRoom({ roomId: 'lobby', displayName: 'Carol' });
      if (ann.status !== 'room_created' || bob.status !== 'joined' || carol.status !== 'joined')
        throw new Error('join');
      await chat.sendMessage({ roomId: 'lobby', clientId: ann.clientId, message: 'one' });
      const two = await chat.sendMessage({ roomId: 'lobby', clientId: bob.clientId, message: 'two' });
      await chat.sendMessage({ roomId: 'lobby', clientId: carol.clientId, message: 'from carol' });
      const keyed = await chat.sendMessage({
        roomId: 'lobby',
        clientId: ann.clientId,
        message: 'three',
        idempotencyKey: 'key-1',
      });
      await chat.markRead({ roomId: 'lobby', clientId: bob.clientId, seq: two.seq });
      // A rename after the join: the old engine showed the current name, which the lobby's
      // membership does not hold until the migration copies it there.
      await chat.joinRoom({ roomId: 'side', displayName: 'Annie', clientId: ann.clientId });
      await chat.safety.block({ clientId: bob.clientId, userId: carol.userId });
      await chat.safety.report({
        clientId: ann.clientId,
        userId: carol.userId,
        reason: 'spam',
        roomId: 'lobby',
      });

      const hal = await chat.joinRoom({ roomId: 'hall', displayName: 'Hal' });
      await chat.safety.ban(hal.userId, 'abuse');

      const dan = await chat.enterQueue({ displayName: 'Dan', interests: ['chess'] });
      const eve = await chat.enterQueue({ displayName: 'Eve', interests: ['chess'] });
      if (eve.status !== 'matched') throw new Error(`Eve: ${eve.status}`);
      await chat.sendMessage({ roomId: eve.roomId, clientId: eve.clientId, message: 'hi Dan' });
      const fay = await chat.enterQueue({ displayName: 'Fay', interests: ['go'] });
      await engine.sessions.open(
        {
          sessionId: 'session-1',
          ownerKey: 'owner-1',
          initialize: '{"protocolVersion":"x"}',
          now: Date.now(),
        },
        { maxPerOwner: 10, ttlMs: 600_000 },
      );

      const before = {
        history: await chat.getMessages({ roomId: 'lobby', clientId: ann.clientId }),
        bobsHistory: await chat.getMessages({ roomId: 'lobby', clientId: bob.clientId }),
        bobsUnread: await chat.unreadFor(bob.clientId),
        dansUnread: await chat.unreadFor(dan.clientId),
        ann: await chat.getStatus({ clientId: ann.clientId }),
        dan: await chat.getStatus({ clientId: dan.clientId }),
        fay: await chat.getStatus({ clientId: fay.clientId }),
        directory: await chat.finder.listRooms({ clientId: ann.clientId }),
      };
      await engine.close();
      return { ann, bob, carol, dan, eve, fay, hal, keyed, before };
    }

    function newEngine(keyPrefix: string, migrations: LayoutMigration[] = []) {
      const engine = new RedisEngine({
        url: TEST_REDIS_URL,
        keyPrefix,
        onLayoutMigrated: (migration) => migrations.push(migration),
      });
      engines.push(engine);
      return engine;
    }

    it('keeps participants, rooms, history, cursors, blocks, the queue and sessions across the upgrade', async () => {
      const keyPrefix = randomPrefix();
      prefixes.push(keyPrefix);
      const { ann, bob, carol, dan, eve, fay, hal, keyed, before } = await writeOldFixture(keyPrefix);
      const oldKeys = await keysUnder(keyPrefix);
      expect(oldKeys).toContain('room:lobby:log');
      expect(oldKeys).toContain(`participant:${ann.userId}`);

      const migrations: LayoutMigration[] = [];
      const engine = newEngine(keyPrefix, migrations);
      await engine.ready();
      expect(migrations).toHaveLength(1);
      expect(migrations[0]?.conflicts).toEqual([]);
      expect(migrations[0]?.renamed).toBe(oldKeys.filter((key) => newKeyName(key) !== undefined).length);
      const keys = await keysUnder(keyPrefix);
      expect(keys.filter((key) => newKeyName(key) !== undefined)).toEqual([]);
      expect(keys).toContain('{control}:layout');
      expect(keys).toContain('session:{session-1}');
      // RENAME keeps a key's TTL: credentials still expire with their identity.
      const credential = keys.find((key) => key.startsWith('{control}:credential:'));
      const redis = new Redis(TEST_REDIS_URL);
      try {
        expect(await redis.pttl(`${keyPrefix}${credential}`)).toBeGreaterThan(0);
      } finally {
        redis.disconnect();
      }

      const chat = new ChatService({ engine, limits: DEFAULT_LIMITS });
      // The same client_id finds the same participant; history, seqs, cursors and unread are kept.
      expect(await chat.getMessages({ roomId: 'lobby', clientId: ann.clientId })).toEqual(before.history);
      expect(await chat.getMessages({ roomId: 'lobby', clientId: bob.clientId })).toEqual(before.bobsHistory);
      expect(before.bobsUnread).toHaveLength(1);
      expect(await chat.unreadFor(bob.clientId)).toEqual(before.bobsUnread);
      expect(await chat.unreadFor(dan.clientId)).toEqual(before.dansUnread);
      expect(before.ann.rooms[0]?.members).toContainEqual({ userId: ann.userId, displayName: 'Annie' });
      expect(await chat.getStatus({ clientId: ann.clientId })).toEqual(before.ann);
      expect(await chat.getStatus({ clientId: dan.clientId })).toEqual(before.dan);
      expect(await chat.getStatus({ clientId: fay.clientId })).toEqual(before.fay);
      expect(before.directory.rooms.map((room) => room.roomId).sort()).toEqual(['lobby', 'side']);
      expect(await chat.finder.listRooms({ clientId: bob.clientId })).toEqual(before.directory);

      // The queue match is found from the migrated participant (queueRoom), with the partner's name.
      expect(await chat.waitForMatch({ clientId: dan.clientId, timeout: 1 })).toMatchObject({
        status: 'matched',
        roomId: eve.roomId,
        partner: { userId: eve.userId, displayName: 'Eve' },
      });
      // An idempotent retry from before the upgrade is answered with the stored message.
      const retried = await chat.sendMessage({
        roomId: 'lobby',
        clientId: ann.clientId,
        message: 'three',
        idempotencyKey: 'key-1',
      });
      expect(retried.seq).toBe(keyed.seq);

      // Membership works: Bob blocked Carol before the upgrade and still does not see her.
      const hidden = await chat.sendMessage({
        roomId: 'lobby',
        clientId: carol.clientId,
        message: 'still hidden',
      });
      const shown = await chat.sendMessage({
        roomId: 'lobby',
        clientId: ann.clientId,
        message: 'after upgrade',
      });
      const woken = await chat.waitForMessage({
        roomId: 'lobby',
        clientId: bob.clientId,
        timeout: 1,
        after: keyed.seq,
      });
      if (woken.status !== 'messages') throw new Error(`Bob's wait: ${woken.status}`);
      expect(woken.messages.map((m) => [m.seq, m.text])).toEqual([[shown.seq, 'after upgrade']]);
      expect(hidden.seq).toBe(shown.seq - 1);
      expect(await engine.banOf(hal.userId)).toMatchObject({ reason: 'abuse' });
      expect(await engine.listReports(10)).toMatchObject([{ reportedId: carol.userId, reason: 'spam' }]);
      const session = await engine.sessions.touch('session-1', Date.now(), 600_000);
      expect(session).toMatchObject({ ownerKey: 'owner-1', initialize: '{"protocolVersion":"x"}' });

      // The queued participant is still queued and is matched by a newcomer with its interest.
      const gil = await chat.enterQueue({ displayName: 'Gil', interests: ['go'] });
      expect(gil).toMatchObject({ status: 'matched', partner: { userId: fay.userId } });

      // A second start finds the marker and does nothing.
      const again: LayoutMigration[] = [];
      const keysBefore = await keysUnder(keyPrefix);
      const second = newEngine(keyPrefix, again);
      await second.ready();
      expect(again).toEqual([]);
      expect(await keysUnder(keyPrefix)).toEqual(keysBefore);
      expect(
        await new ChatService({ engine: second, limits: DEFAULT_LIMITS }).unreadFor(bob.clientId),
      ).toEqual(await chat.unreadFor(bob.clientId));
    });

    it('finishes a migration cut short, with several instances starting at once', async () => {
      const keyPrefix = randomPrefix();
      prefixes.push(keyPrefix);
      const { ann, bob, before } = await writeOldFixture(keyPrefix);
      // A crash halfway: the lobby's keys and Ann's were moved, the rest not, and no marker.
      const redis = new Redis(TEST_REDIS_URL);
      try {
        for (const key of await keysUnder(keyPrefix)) {
          const target = newKeyName(key);
          if (target !== undefined && (key.startsWith('room:lobby') || key.includes(ann.userId))) {
            await redis.rename(keyPrefix + key, keyPrefix + target);
          }
        }
      } finally {
        redis.disconnect();
      }
      const migrations: LayoutMigration[] = [];
      const starting = [
        newEngine(keyPrefix, migrations),
        newEngine(keyPrefix, migrations),
        newEngine(keyPrefix, migrations),
      ];
      await Promise.all(starting.map((engine) => engine.ready()));
      // One instance did the work; the others waited for its marker.
      expect(migrations).toHaveLength(1);
      expect((await keysUnder(keyPrefix)).filter((key) => newKeyName(key) !== undefined)).toEqual([]);
      const chats = starting.map((engine) => new ChatService({ engine, limits: DEFAULT_LIMITS }));
      for (const chat of chats) {
        expect(await chat.getMessages({ roomId: 'lobby', clientId: bob.clientId })).toEqual(
          before.bobsHistory,
        );
        expect(await chat.unreadFor(bob.clientId)).toEqual(before.bobsUnread);
      }
    });

    it('never overwrites a key the new layout already holds: the old one stays and is reported', async () => {
      const keyPrefix = randomPrefix();
      prefixes.push(keyPrefix);
      const redis = new Redis(TEST_REDIS_URL);
      try {
        await redis.set(`${keyPrefix}credential:digest-1`, 'u_old');
        await redis.set(`${keyPrefix}{control}:credential:digest-1`, 'u_new');
        await redis.set(`${keyPrefix}credential:digest-2`, 'u_two');
        const migrations: LayoutMigration[] = [];
        await newEngine(keyPrefix, migrations).ready();
        expect(migrations).toEqual([
          { migrated: true, renamed: 1, conflicts: [`${keyPrefix}credential:digest-1`] },
        ]);
        expect(await redis.get(`${keyPrefix}{control}:credential:digest-1`)).toBe('u_new');
        expect(await redis.get(`${keyPrefix}credential:digest-1`)).toBe('u_old');
        expect(await redis.get(`${keyPrefix}{control}:credential:digest-2`)).toBe('u_two');
      } finally {
        redis.disconnect();
      }
    });

    it('sets the marker on a Redis with nothing in the old layout, and moves nothing', async () => {
      const keyPrefix = randomPrefix();
      prefixes.push(keyPrefix);
      const migrations: LayoutMigration[] = [];
      const engine = newEngine(keyPrefix, migrations);
      await engine.ready();
      expect(migrations).toEqual([{ migrated: true, renamed: 0, conflicts: [] }]);
      const redis = new Redis(TEST_REDIS_URL);
      try {
        expect(await redis.get(`${keyPrefix}{control}:layout`)).toBe(LAYOUT_VERSION);
      } finally {
        redis.disconnect();
      }
      expect(await keysUnder(keyPrefix)).toEqual(['{control}:layout']);
    });
  },
);

describe('old key names', () => {
  it('maps every old layout key to its hash-tagged name and leaves new ones alone', () => {
    expect(newKeyName('room:lobby')).toBe('room:{lobby}');
    expect(newKeyName('room:lobby:sent:u_a:key:with:colons')).toBe('room:{lobby}:sent:u_a:key:with:colons');
    expect(newKeyName('participant:u_a:bucket')).toBe('participant:{u_a}:bucket');
    expect(newKeyName('participant:u_a:blocks')).toBe('{control}:participant:u_a:blocks');
    expect(newKeyName('credential:abc')).toBe('{control}:credential:abc');
    expect(newKeyName('queue:tag:chess')).toBe('{control}:queue:tag:chess');
    expect(newKeyName('creations:2001:db8::1')).toBe('creations:{2001:db8::1}');
    for (const current of [
      'room:{lobby}:log',
      '{control}:queue',
      'participant:{u_a}:waits',
      'creations:{x}',
    ]) {
      expect(newKeyName(current)).toBeUndefined();
    }
    expect(newKeyName('session:{s}:events')).toBeUndefined();
    expect(newKeyName('sessions-of:{o}')).toBeUndefined();
  });
});
