import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatEngine, EngineOptions } from '../../src/chat/engine.js';
import { StorageUnavailableError } from '../../src/chat/errors.js';
import type { MessageDraft } from '../../src/chat/types.js';
import type { EngineFixture, EngineUnderTest } from '../engine-contract.js';
import { unreadCountsAgreeWithTheLog } from './unread-counts.js';

/**
 * The port's general rules (src/chat/engine.ts): retention, idempotency after retention,
 * rejection after `close` and `unavailable` when storage is out of reach. Part of engineContract.
 */
export function portGuarantees(subject: EngineUnderTest): void {
  const differences = { ...subject.differences };
  const known = new Set<string>();
  /** A contract case, or its listed skip with the reason. */
  function guarantee(name: string, body: () => Promise<void>): void {
    known.add(name);
    const reason = differences[name];
    if (reason === undefined) it(name, body);
    else it.skip(`${name} (differs: ${reason})`, body);
  }

  describe('port guarantees', () => {
    let opened: EngineFixture[] = [];
    afterEach(async () => {
      await Promise.all(opened.map((fixture) => fixture.dispose()));
      opened = [];
    });

    async function open(options?: EngineOptions): Promise<EngineFixture> {
      const fixture = await subject.open(options);
      opened.push(fixture);
      return fixture;
    }

    function draft(text: string, senderId: string, createdAt = Date.now()): MessageDraft {
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

    /** A named room with one member, `ann`, whose id is returned with the room's. */
    async function roomOfOne(engine: ChatEngine): Promise<{ roomId: string; ann: string }> {
      const ann = `u-${randomUUID().slice(0, 8)}`;
      const roomId = `room-${randomUUID().slice(0, 8)}`;
      await engine.createParticipant({ userId: ann, credential: `cred-${ann}`, displayName: 'Ann', now: 1 });
      const created = await engine.joinRoom({
        roomId,
        userId: ann,
        capacity: 2,
        now: 1,
        notice: { ...draft('joined', 'system'), system: true },
        recentLimit: 20,
      });
      expect(created.kind).toBe('created');
      return { roomId, ann };
    }

    const texts = async (engine: ChatEngine, roomId: string) =>
      (await engine.readHistory({ roomId, limit: 100 })).messages.map((m) => m.text);

    guarantee('retention by count keeps the newest N per room; seq numbering goes on', async () => {
      const { engine } = await open({ retention: { maxMessages: 3, maxAgeSeconds: 0 } });
      const { roomId, ann } = await roomOfOne(engine);
      for (let i = 1; i <= 5; i++)
        await engine.appendMessage({ roomId, userId: ann, draft: draft(`n${i}`, ann) });
      const page = await engine.readHistory({ roomId, limit: 100 });
      expect(page.messages.map((m) => [m.seq, m.text])).toEqual([
        [3, 'n3'],
        [4, 'n4'],
        [5, 'n5'],
      ]);
      expect(page).toMatchObject({ latestSeq: 5, hasMore: false });
    });

    guarantee(
      'retention by age drops what is older than the newest message by more than the age',
      async () => {
        const { engine } = await open({ retention: { maxMessages: 0, maxAgeSeconds: 60 } });
        const { roomId, ann } = await roomOfOne(engine);
        const start = Date.now();
        await engine.appendMessage({ roomId, userId: ann, draft: draft('old', ann, start - 80_000) });
        await engine.appendMessage({ roomId, userId: ann, draft: draft('recent', ann, start - 30_000) });
        expect(await texts(engine, roomId)).toEqual(['old', 'recent']);
        await engine.appendMessage({ roomId, userId: ann, draft: draft('new', ann, start) });
        expect(await texts(engine, roomId)).toEqual(['recent', 'new']);
      },
    );

    guarantee('retention by age also empties a room that went silent', async () => {
      const { engine } = await open({ retention: { maxMessages: 0, maxAgeSeconds: 1 } });
      const { roomId, ann } = await roomOfOne(engine);
      await engine.appendMessage({ roomId, userId: ann, draft: draft('quiet', ann) });
      await expect.poll(() => texts(engine, roomId), { timeout: 5000, interval: 100 }).toEqual([]);
      expect((await engine.readHistory({ roomId, limit: 10 })).latestSeq).toBe(1);
    });

    guarantee('unread counts agree with the log when retention removed unread messages', async () => {
      const { engine } = await open({ retention: { maxMessages: 4, maxAgeSeconds: 0 } });
      await unreadCountsAgreeWithTheLog(engine);
    });

    guarantee('without retention everything is kept', async () => {
      const { engine } = await open();
      const { roomId, ann } = await roomOfOne(engine);
      await engine.appendMessage({ roomId, userId: ann, draft: draft('ancient', ann, 1) });
      await engine.appendMessage({ roomId, userId: ann, draft: draft('now', ann) });
      expect(await texts(engine, roomId)).toEqual(['ancient', 'now']);
    });

    guarantee('a retried send is answered with the first message after retention removed it', async () => {
      const { engine } = await open({ retention: { maxMessages: 1, maxAgeSeconds: 0 } });
      const { roomId, ann } = await roomOfOne(engine);
      const first = await engine.appendMessage({
        roomId,
        userId: ann,
        draft: draft('once', ann),
        idempotencyKey: 'k',
      });
      if (first.kind !== 'stored') throw new Error(first.kind);
      await engine.appendMessage({ roomId, userId: ann, draft: draft('later', ann) });
      expect(await texts(engine, roomId)).toEqual(['later']);
      const retry = await engine.appendMessage({
        roomId,
        userId: ann,
        draft: draft('once', ann),
        idempotencyKey: 'k',
      });
      expect(retry).toEqual({ kind: 'duplicate', message: first.message });
      expect(await texts(engine, roomId)).toEqual(['later']);
    });

    guarantee('a retried send after leaving still gets its first answer', async () => {
      const { engine } = await open();
      const { roomId, ann } = await roomOfOne(engine);
      const first = await engine.appendMessage({
        roomId,
        userId: ann,
        draft: draft('once', ann),
        idempotencyKey: 'k',
      });
      await engine.leaveRoom({
        roomId,
        userId: ann,
        now: 2,
        farewell: draft('bye', 'system'),
        endRoom: false,
      });
      const retry = await engine.appendMessage({
        roomId,
        userId: ann,
        draft: draft('once', ann),
        idempotencyKey: 'k',
      });
      expect(retry).toEqual({ kind: 'duplicate', message: (first as { message: unknown }).message });
    });

    /**
     * One call of every method, keyed by name: the type makes the table list all of them, so a
     * method added to the port without a case here does not compile.
     */
    const everyMethod: Record<
      Exclude<keyof ChatEngine, 'bus' | 'sessions' | 'close'>,
      (engine: ChatEngine) => Promise<unknown>
    > = {
      createParticipant: (e) =>
        e.createParticipant({ userId: 'x', credential: 'cx', displayName: 'X', now: 1 }),
      findParticipant: (e) => e.findParticipant('cx'),
      touchParticipant: (e) => e.touchParticipant('x', 2),
      claimIdle: (e) => e.claimIdle(10, 10),
      enqueue: (e) => e.enqueue('x', { now: 1, matchRoomId: 'm' }),
      matchState: (e) => e.matchState('x'),
      leaveQueue: (e) => e.leaveQueue('x'),
      joinRoom: (e) =>
        e.joinRoom({
          roomId: 'r',
          userId: 'x',
          capacity: 2,
          now: 1,
          notice: draft('n', 'system'),
          recentLimit: 5,
        }),
      roomAccess: (e) => e.roomAccess('r', 'x'),
      leaveRoom: (e) =>
        e.leaveRoom({ roomId: 'r', userId: 'x', now: 1, farewell: draft('f', 'system'), endRoom: false }),
      roomsOf: (e) => e.roomsOf('x'),
      membersOf: (e) => e.membersOf('r'),
      listRooms: (e) => e.listRooms({ query: 'r', limit: 5 }),
      searchMessages: (e) => e.searchMessages({ userId: 'x', phrases: [['t']], limit: 5 }),
      unreadSummary: (e) => e.unreadSummary('x', 'r'),
      markRead: (e) => e.markRead({ roomId: 'r', userId: 'x', seq: 0 }),
      appendMessage: (e) =>
        e.appendMessage({ roomId: 'r', userId: 'x', draft: draft('t', 'x'), idempotencyKey: 'k' }),
      takeUnread: (e) => e.takeUnread({ roomId: 'r', userId: 'x', limit: 5 }),
      rewindCursor: (e) => e.rewindCursor({ roomId: 'r', userId: 'x', from: 1, to: 0 }),
      readHistory: (e) => e.readHistory({ roomId: 'r', limit: 5 }),
      takeSendToken: (e) => e.takeSendToken('x', { now: 1, ratePerSecond: 1, burst: 1 }),
      takeCreationToken: (e) => e.takeCreationToken('ip:x', { now: 1, ratePerSecond: 1, burst: 1 }),
      holdWait: (e) => e.holdWait({ userId: 'x', waitId: 'w', now: 1, max: 1, maxAgeMs: 1000 }),
      rematch: (e) => e.rematch('x', { now: 1, matchRoomId: 'm2' }),
      overdueInQueue: (e) => e.overdueInQueue(1, 5),
      block: (e) => e.block({ blockerId: 'x', blockedId: 'y', now: 1 }),
      unblock: (e) => e.unblock('x', 'y'),
      blockedBy: (e) => e.blockedBy('x'),
      fileReport: (e) =>
        e.fileReport({
          reportId: 'r1',
          reporterId: 'x',
          reportedId: 'y',
          reason: 'r',
          roomId: null,
          messageIds: [],
          createdAt: 1,
        }),
      listReports: (e) => e.listReports(5),
      ban: (e) => e.ban({ userId: 'y', reason: 'r', now: 1 }),
      unban: (e) => e.unban('y'),
      banOf: (e) => e.banOf('y'),
      releaseWait: (e) => e.releaseWait('x', 'w'),
      ping: (e) => e.ping(),
    };

    for (const [method, call] of Object.entries(everyMethod)) {
      guarantee(`${method} rejects with StorageUnavailableError after close`, async () => {
        const { engine } = await open();
        // Used once first, so nothing lazy is left to set up that could mask the closed state.
        await roomOfOne(engine);
        await engine.close();
        await expect(call(engine)).rejects.toBeInstanceOf(StorageUnavailableError);
        await expect(engine.close()).resolves.toBeUndefined();
      });
    }

    guarantee('every method rejects with StorageUnavailableError while storage is unreachable', async () => {
      const fixture = await open();
      await roomOfOne(fixture.engine);
      await fixture.makeUnavailable();
      for (const [method, call] of Object.entries(everyMethod)) {
        await expect(call(fixture.engine), method).rejects.toMatchObject({ code: 'unavailable' });
        await expect(call(fixture.engine), method).rejects.toBeInstanceOf(StorageUnavailableError);
      }
    });
  });

  // Checked after collection, when every case above has registered its name.
  describe('deliberate differences', () => {
    it('names only cases that exist', () => {
      expect(Object.keys(differences).filter((name) => !known.has(name))).toEqual([]);
    });
  });
}
