import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ChatEngine, type ChatEvent, type EngineOptions, roomTopic } from '../src/chat/engine.js';
import type { MessageDraft } from '../src/chat/types.js';
import { portGuarantees } from './engine-contract-port.js';

/**
 * The guarantees of `ChatEngine` (src/chat/engine.ts) as executable cases. Every engine runs this
 * suite unchanged: `engineContract('sqlite', subject)`. `subject.open` returns a fresh, empty
 * store each time, configured with the given port options; `dispose` releases it.
 */
export interface EngineFixture {
  engine: ChatEngine;
  dispose(): Promise<void>;
  /** Makes storage unreachable for this engine, for real (no stand-in): see each engine's test file. */
  makeUnavailable(): Promise<void>;
}

export interface EngineUnderTest {
  open(options?: EngineOptions): Promise<EngineFixture>;
  /**
   * Deliberate differences: contract cases this engine skips, by exact name, each with its reason.
   * A name that matches no case fails the run, so the table cannot rot.
   */
  differences?: Record<string, string>;
}

export function engineContract(name: string, subject: EngineUnderTest): void {
  const makeEngine = () => subject.open();
  describe(`engine contract: ${name}`, () => {
    portGuarantees(subject);

    let fixture: EngineFixture;
    let engine: ChatEngine;
    let clock = 1_700_000_000_000;
    const now = () => ++clock;
    const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

    beforeEach(async () => {
      fixture = await makeEngine();
      engine = fixture.engine;
    });
    afterEach(async () => {
      await fixture.dispose();
    });

    async function participant(displayName = 'Ann'): Promise<string> {
      const userId = unique('u');
      await engine.createParticipant({ userId, credential: `cred-${userId}`, displayName, now: now() });
      return userId;
    }

    function draft(text: string, senderId: string, extra: Partial<MessageDraft> = {}): MessageDraft {
      return {
        messageId: randomUUID(),
        senderId,
        senderName: `name-of-${senderId}`,
        text,
        createdAt: now(),
        system: false,
        disconnect: false,
        ...extra,
      };
    }

    async function namedRoom(capacity = 2, ...userIds: string[]): Promise<string> {
      const roomId = unique('room');
      for (const userId of userIds) {
        const outcome = await engine.joinRoom({
          roomId,
          userId,
          capacity,
          now: now(),
          notice: draft('[System] joined', 'system', { system: true }),
          recentLimit: 20,
        });
        expect(['created', 'joined']).toContain(outcome.kind);
      }
      return roomId;
    }

    async function send(roomId: string, userId: string, text: string, idempotencyKey?: string) {
      const outcome = await engine.appendMessage({
        roomId,
        userId,
        draft: draft(text, userId),
        idempotencyKey,
      });
      if (outcome.kind !== 'stored' && outcome.kind !== 'duplicate')
        throw new Error(`append refused: ${outcome.kind}`);
      return outcome;
    }

    describe('participants', () => {
      it('finds a participant by credential digest and records touches and renames', async () => {
        const userId = await participant('Ann');
        const found = await engine.findParticipant(`cred-${userId}`);
        expect(found).toMatchObject({ userId, displayName: 'Ann' });
        await engine.touchParticipant(userId, 42_000_000_000_000, 'Annie');
        expect(await engine.findParticipant(`cred-${userId}`)).toMatchObject({
          displayName: 'Annie',
          lastSeenAt: 42_000_000_000_000,
        });
        await engine.touchParticipant(userId, 42_000_000_000_001);
        expect((await engine.findParticipant(`cred-${userId}`))?.displayName).toBe('Annie');
      });

      it('hands idle participants who are queued or in an open room to one claimer until touched again', async () => {
        const [queued, inRoom, idle, endedOnly, partner] = [
          await participant(),
          await participant(),
          await participant(),
          await participant(),
          await participant(),
        ];
        const matchRoom = unique('m');
        await engine.enqueue(endedOnly, { now: now(), matchRoomId: unique('m') });
        await engine.enqueue(partner, { now: now(), matchRoomId: matchRoom });
        await engine.leaveRoom({
          roomId: matchRoom,
          userId: partner,
          now: now(),
          farewell: draft('x', 'system'),
          endRoom: true,
        });
        await engine.enqueue(queued, { now: now(), matchRoomId: unique('m') });
        await namedRoom(2, inRoom);
        const cutoff = now() + 1000;
        const [first, second] = await Promise.all([
          engine.claimIdle(cutoff, 100),
          engine.claimIdle(cutoff, 100),
        ]);
        const claimed = [...first, ...second];
        expect(claimed.sort()).toEqual([queued, inRoom].sort());
        expect(claimed).not.toContain(idle);
        expect(await engine.claimIdle(cutoff, 100)).toEqual([]);
        await engine.touchParticipant(queued, now());
        expect(await engine.claimIdle(now() + 1000, 100)).toEqual([queued]);
        // Active since the cutoff: not idle.
        await engine.touchParticipant(inRoom, now());
        expect(await engine.claimIdle(cutoff - 2000, 100)).toEqual([]);
      });

      it('claims at most `limit` idle participants at a time', async () => {
        for (let i = 0; i < 3; i++)
          await engine.enqueue(await participant(), { now: now(), matchRoomId: unique('m') });
        // Three arrivals make one match (two people in a room) and one queued: three present.
        const cutoff = now() + 1000;
        expect(await engine.claimIdle(cutoff, 2)).toHaveLength(2);
        expect(await engine.claimIdle(cutoff, 2)).toHaveLength(1);
      });

      it('does not claim participants who left the queue or their last room', async () => {
        const [leftQueue, leftRoom, stays] = [await participant(), await participant(), await participant()];
        await engine.enqueue(leftQueue, { now: now(), matchRoomId: unique('m') });
        expect(await engine.leaveQueue(leftQueue)).toBe(true);
        const roomId = await namedRoom(3, leftRoom, stays);
        await engine.leaveRoom({
          roomId,
          userId: leftRoom,
          now: now(),
          farewell: draft('left', 'system', { system: true }),
          endRoom: false,
        });
        // Touching someone who is neither queued nor in a room does not make it present.
        await engine.touchParticipant(leftQueue, now());
        expect(await engine.claimIdle(now() + 1000, 100)).toEqual([stays]);
      });

      it('lists members under their current display name', async () => {
        const [a, b] = [await participant('Ann'), await participant('Bob')];
        const roomId = await namedRoom(2, a, b);
        await engine.touchParticipant(b, now(), 'Robert');
        expect((await engine.roomsOf(a)).find((room) => room.roomId === roomId)?.members).toEqual([
          { userId: a, displayName: 'Ann' },
          { userId: b, displayName: 'Robert' },
        ]);
      });

      it('answers null for an unknown credential', async () => {
        expect(await engine.findParticipant('nobody')).toBeNull();
      });
    });

    describe('queue and matching', () => {
      it('queues the first, matches the second with the first, and empties the queue', async () => {
        const ann = await participant('Ann');
        const bob = await participant('Bob');
        expect(await engine.enqueue(ann, { now: now(), matchRoomId: unique('m') })).toEqual({
          kind: 'waiting',
          position: 1,
          queueLength: 1,
        });
        const roomId = unique('m');
        const matched = await engine.enqueue(bob, { now: now(), matchRoomId: roomId });
        expect(matched).toMatchObject({
          kind: 'matched',
          room: { roomId, kind: 'queue', capacity: 2, endedAt: null, lastSeq: 0 },
          partner: { userId: ann, displayName: 'Ann' },
        });
        expect(await engine.matchState(ann)).toMatchObject({ kind: 'matched', partner: { userId: bob } });
        expect(await engine.matchState(bob)).toMatchObject({ kind: 'matched', partner: { userId: ann } });
        const [room] = await engine.roomsOf(ann);
        expect(room?.members.map((m) => m.userId).sort()).toEqual([ann, bob].sort());
      });

      it('reports already_waiting with the position, and already_in_chat once matched', async () => {
        const ann = await participant();
        const bob = await participant();
        const cid = await participant();
        await engine.enqueue(ann, { now: now(), matchRoomId: unique('m') });
        expect(await engine.enqueue(ann, { now: now(), matchRoomId: unique('m') })).toEqual({
          kind: 'already_waiting',
          position: 1,
          queueLength: 1,
        });
        const roomId = unique('m');
        await engine.enqueue(bob, { now: now(), matchRoomId: roomId });
        expect(await engine.enqueue(ann, { now: now(), matchRoomId: unique('m') })).toEqual({
          kind: 'already_in_chat',
          roomId,
        });
        expect(await engine.enqueue(cid, { now: now(), matchRoomId: unique('m') })).toMatchObject({
          kind: 'waiting',
        });
      });

      it('keeps first-in-first-out order and positions', async () => {
        const [a, b, c] = [await participant(), await participant(), await participant()];
        await engine.enqueue(a, { now: now(), matchRoomId: unique('m') });
        expect(await engine.matchState(a)).toEqual({ kind: 'waiting', position: 1, queueLength: 1 });
        // b matches a; c waits alone.
        await engine.enqueue(b, { now: now(), matchRoomId: unique('m') });
        expect(await engine.enqueue(c, { now: now(), matchRoomId: unique('m') })).toEqual({
          kind: 'waiting',
          position: 1,
          queueLength: 1,
        });
        expect(await engine.matchState(a)).toMatchObject({ kind: 'matched', partner: { userId: b } });
      });

      it('takes a participant out of the queue', async () => {
        const ann = await participant();
        await engine.enqueue(ann, { now: now(), matchRoomId: unique('m') });
        expect(await engine.leaveQueue(ann)).toBe(true);
        expect(await engine.leaveQueue(ann)).toBe(false);
        expect(await engine.matchState(ann)).toEqual({ kind: 'idle' });
      });

      it('allows queueing again once the matched room has ended', async () => {
        const [ann, bob] = [await participant(), await participant()];
        const roomId = unique('m');
        await engine.enqueue(ann, { now: now(), matchRoomId: unique('m') });
        await engine.enqueue(bob, { now: now(), matchRoomId: roomId });
        const left = await engine.leaveRoom({
          roomId,
          userId: ann,
          now: now(),
          farewell: draft('bye', 'system', { system: true, disconnect: true }),
          endRoom: true,
        });
        expect(left.kind).toBe('left');
        expect(await engine.matchState(bob)).toEqual({ kind: 'idle' });
        expect(await engine.enqueue(bob, { now: now(), matchRoomId: unique('m') })).toMatchObject({
          kind: 'waiting',
        });
      });

      it('pairs 50 concurrent arrivals into 25 rooms, nobody twice and nobody with itself', async () => {
        const people = await Promise.all(Array.from({ length: 50 }, () => participant()));
        const outcomes = await Promise.all(
          people.map((userId) => engine.enqueue(userId, { now: now(), matchRoomId: unique('m') })),
        );
        const rooms = outcomes.flatMap((o) => (o.kind === 'matched' ? [o.room.roomId] : []));
        expect(rooms).toHaveLength(25);
        // Each person is in exactly one open room, with one partner who is somebody else.
        const roomsOfEach = await Promise.all(people.map((userId) => engine.roomsOf(userId)));
        const seen = new Set<string>();
        for (const [i, own] of roomsOfEach.entries()) {
          expect(own).toHaveLength(1);
          const members = own[0]?.members.map((m) => m.userId) ?? [];
          expect(members).toHaveLength(2);
          expect(members[0]).not.toBe(members[1]);
          expect(members).toContain(people[i]);
          expect(rooms).toContain(own[0]?.roomId);
          seen.add(people[i] as string);
        }
        expect(seen.size).toBe(50);
      });
    });

    describe('named rooms', () => {
      it('creates a room without writing a message, then joins with a notice the joiner does not receive', async () => {
        const [ann, bob] = [await participant('Ann'), await participant('Bob')];
        const roomId = unique('room');
        const created = await engine.joinRoom({
          roomId,
          userId: ann,
          capacity: 3,
          now: now(),
          notice: draft('[System] Ann joined', 'system', { system: true }),
          recentLimit: 20,
        });
        expect(created).toMatchObject({
          kind: 'created',
          room: { roomId, kind: 'named', capacity: 3, lastSeq: 0 },
          members: [{ userId: ann, displayName: 'Ann' }],
        });
        await send(roomId, ann, 'hello before you came');
        const joined = await engine.joinRoom({
          roomId,
          userId: bob,
          capacity: 2,
          now: now(),
          notice: draft('[System] Bob joined', 'system', { system: true }),
          recentLimit: 20,
        });
        if (joined.kind !== 'joined') throw new Error(joined.kind);
        expect(joined.notice).toMatchObject({ seq: 2, text: '[System] Bob joined', system: true });
        expect(joined.recent.map((m) => m.text)).toEqual(['hello before you came']);
        expect(joined.members.map((m) => m.userId)).toEqual([ann, bob]);
        expect(joined.room.capacity).toBe(3);
        const access = await engine.roomAccess(roomId, bob);
        expect(access.membership).toMatchObject({ joinedSeq: 2, cursor: 2, leftAt: null });
        expect((await engine.takeUnread({ roomId, userId: bob, limit: 50 })).messages).toEqual([]);
        expect(
          (await engine.takeUnread({ roomId, userId: ann, limit: 50 })).messages.map((m) => m.text),
        ).toEqual(['[System] Bob joined']);
      });

      it('limits recent messages to the last N before the join', async () => {
        const [ann, bob] = [await participant(), await participant()];
        const roomId = await namedRoom(2, ann);
        for (let i = 1; i <= 25; i++) await send(roomId, ann, `m${i}`);
        const joined = await engine.joinRoom({
          roomId,
          userId: bob,
          capacity: 2,
          now: now(),
          notice: draft('joined', 'system', { system: true }),
          recentLimit: 20,
        });
        if (joined.kind !== 'joined') throw new Error(joined.kind);
        expect(joined.recent.map((m) => m.text)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i + 6}`));
      });

      it('refuses a full room and answers already_member without writing', async () => {
        const [a, b, c] = [await participant(), await participant(), await participant()];
        const roomId = await namedRoom(2, a, b);
        const full = await engine.joinRoom({
          roomId,
          userId: c,
          capacity: 2,
          now: now(),
          notice: draft('x', 'system', { system: true }),
          recentLimit: 20,
        });
        expect(full).toEqual({ kind: 'room_full' });
        const before = (await engine.roomAccess(roomId, a)).room?.lastSeq;
        const again = await engine.joinRoom({
          roomId,
          userId: b,
          capacity: 2,
          now: now(),
          notice: draft('x', 'system', { system: true }),
          recentLimit: 20,
        });
        expect(again.kind).toBe('already_member');
        expect((await engine.roomAccess(roomId, a)).room?.lastSeq).toBe(before);
      });

      it('lets a member who left join again, and keeps the history of an emptied room', async () => {
        const [a, b] = [await participant(), await participant()];
        const roomId = await namedRoom(2, a, b);
        await send(roomId, a, 'kept');
        for (const userId of [a, b]) {
          const left = await engine.leaveRoom({
            roomId,
            userId,
            now: now(),
            farewell: draft('left', 'system', { system: true }),
            endRoom: false,
          });
          expect(left.kind).toBe('left');
        }
        expect(await engine.roomsOf(a)).toEqual([]);
        expect(await engine.roomsOf(b)).toEqual([]);
        const back = await engine.joinRoom({
          roomId,
          userId: b,
          capacity: 2,
          now: now(),
          notice: draft('back', 'system', { system: true }),
          recentLimit: 20,
        });
        if (back.kind !== 'joined') throw new Error(back.kind);
        expect(back.recent.map((m) => m.text)).toContain('kept');
        expect(back.members.map((m) => m.userId)).toEqual([b]);
      });

      it('refuses to join a matched room that has ended', async () => {
        const [a, b, c] = [await participant(), await participant(), await participant()];
        const roomId = unique('m');
        await engine.enqueue(a, { now: now(), matchRoomId: unique('m') });
        await engine.enqueue(b, { now: now(), matchRoomId: roomId });
        await engine.leaveRoom({
          roomId,
          userId: a,
          now: now(),
          farewell: draft('x', 'system'),
          endRoom: true,
        });
        const outcome = await engine.joinRoom({
          roomId,
          userId: c,
          capacity: 2,
          now: now(),
          notice: draft('x', 'system'),
          recentLimit: 20,
        });
        expect(outcome).toEqual({ kind: 'chat_ended' });
      });
    });

    describe('the log', () => {
      it('numbers messages 1, 2, 3 per room', async () => {
        const [a, b] = [await participant(), await participant()];
        const room1 = await namedRoom(2, a);
        const room2 = await namedRoom(2, b);
        const seqs = [];
        for (let i = 0; i < 3; i++) seqs.push((await send(room1, a, `x${i}`)).message.seq);
        seqs.push((await send(room2, b, 'y')).message.seq);
        expect(seqs).toEqual([1, 2, 3, 1]);
      });

      it('keeps seq gapless under concurrent appends', async () => {
        const [a, b] = [await participant(), await participant()];
        const roomId = await namedRoom(2, a, b);
        const base = (await engine.roomAccess(roomId, a)).room?.lastSeq ?? 0;
        const outcomes = await Promise.all(
          Array.from({ length: 40 }, (_, i) => send(roomId, i % 2 ? a : b, `c${i}`)),
        );
        const seqs = outcomes.map((o) => o.message.seq).sort((x, y) => x - y);
        expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => base + i + 1));
      });

      it('refuses appends to unknown rooms, by non-members and after the room ended', async () => {
        const [a, b, c] = [await participant(), await participant(), await participant()];
        expect(
          await engine.appendMessage({ roomId: unique('none'), userId: a, draft: draft('x', a) }),
        ).toEqual({ kind: 'room_not_found' });
        const roomId = unique('m');
        await engine.enqueue(a, { now: now(), matchRoomId: unique('m') });
        await engine.enqueue(b, { now: now(), matchRoomId: roomId });
        expect(await engine.appendMessage({ roomId, userId: c, draft: draft('x', c) })).toEqual({
          kind: 'not_in_room',
        });
        await engine.leaveRoom({
          roomId,
          userId: a,
          now: now(),
          farewell: draft('x', 'system'),
          endRoom: true,
        });
        expect(await engine.appendMessage({ roomId, userId: b, draft: draft('x', b) })).toEqual({
          kind: 'chat_ended',
        });
        expect(await engine.appendMessage({ roomId, userId: a, draft: draft('x', a) })).toEqual({
          kind: 'chat_ended',
        });
      });

      it('stores one message per idempotency key and sender and room', async () => {
        const [a, b] = [await participant(), await participant()];
        const roomId = await namedRoom(2, a, b);
        const first = await send(roomId, a, 'once', 'key-1');
        const again = await send(roomId, a, 'once', 'key-1');
        expect(first).toMatchObject({ kind: 'stored', recipients: [b] });
        expect(again).toEqual({ kind: 'duplicate', message: first.message });
        const otherSender = await send(roomId, b, 'mine', 'key-1');
        expect(otherSender.kind).toBe('stored');
        const history = await engine.readHistory({ roomId, limit: 100 });
        expect(history.messages.filter((m) => m.text === 'once')).toHaveLength(1);
      });

      it('hands a member messages from others, oldest first, once', async () => {
        const [a, b] = [await participant(), await participant()];
        const roomId = await namedRoom(2, a, b);
        await send(roomId, a, 'one');
        await send(roomId, b, 'my own');
        await send(roomId, a, 'two');
        const take = await engine.takeUnread({ roomId, userId: b, limit: 50 });
        expect(take.messages.map((m) => m.text)).toEqual(['one', 'two']);
        expect(take.state).toBe('open');
        expect(take.cursorAfter).toBe(take.messages.at(-1)?.seq);
        expect((await engine.takeUnread({ roomId, userId: b, limit: 50 })).messages).toEqual([]);
      });

      it('hands over at most `limit` and the rest on the next take', async () => {
        const [a, b] = [await participant(), await participant()];
        const roomId = await namedRoom(2, a, b);
        for (let i = 0; i < 7; i++) await send(roomId, a, `n${i}`);
        expect((await engine.takeUnread({ roomId, userId: b, limit: 5 })).messages).toHaveLength(5);
        expect(
          (await engine.takeUnread({ roomId, userId: b, limit: 5 })).messages.map((m) => m.text),
        ).toEqual(['n5', 'n6']);
      });

      it('re-reads past `after` without moving the cursor backwards', async () => {
        const [a, b] = [await participant(), await participant()];
        const roomId = await namedRoom(2, a, b);
        const first = await send(roomId, a, 'p1');
        await send(roomId, a, 'p2');
        await engine.takeUnread({ roomId, userId: b, limit: 50 });
        const again = await engine.takeUnread({ roomId, userId: b, after: first.message.seq - 1, limit: 50 });
        expect(again.messages.map((m) => m.text)).toEqual(['p1', 'p2']);
        expect(again.cursorAfter).toBe(again.cursorBefore);
        await send(roomId, a, 'p3');
        expect(
          (await engine.takeUnread({ roomId, userId: b, limit: 50 })).messages.map((m) => m.text),
        ).toEqual(['p3']);
      });

      it('never hands the same message to two concurrent takes', async () => {
        const [a, b] = [await participant(), await participant()];
        const roomId = await namedRoom(2, a, b);
        for (let i = 0; i < 20; i++) await send(roomId, a, `k${i}`);
        const takes = await Promise.all(
          Array.from({ length: 8 }, () => engine.takeUnread({ roomId, userId: b, limit: 3 })),
        );
        const rest = await engine.takeUnread({ roomId, userId: b, limit: 50 });
        const all = [...takes.flatMap((t) => t.messages), ...rest.messages].map((m) => m.text);
        expect(all.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `k${i}`).sort());
      });

      it('rewinds a take only while the cursor still stands where the take left it', async () => {
        const [a, b] = [await participant(), await participant()];
        const roomId = await namedRoom(2, a, b);
        await send(roomId, a, 'r1');
        const take = await engine.takeUnread({ roomId, userId: b, limit: 50 });
        await engine.rewindCursor({ roomId, userId: b, from: take.cursorAfter, to: take.cursorBefore });
        expect(
          (await engine.takeUnread({ roomId, userId: b, limit: 50 })).messages.map((m) => m.text),
        ).toEqual(['r1']);
        // A stale rewind (the cursor moved on) changes nothing.
        await engine.rewindCursor({ roomId, userId: b, from: take.cursorAfter - 1, to: 0 });
        expect((await engine.takeUnread({ roomId, userId: b, limit: 50 })).messages).toEqual([]);
      });

      it('reports gone for non-members and ended for a room that ended, still handing over the rest', async () => {
        const [a, b, c] = [await participant(), await participant(), await participant()];
        const roomId = unique('m');
        await engine.enqueue(a, { now: now(), matchRoomId: unique('m') });
        await engine.enqueue(b, { now: now(), matchRoomId: roomId });
        expect((await engine.takeUnread({ roomId, userId: c, limit: 50 })).state).toBe('gone');
        expect((await engine.takeUnread({ roomId: unique('none'), userId: c, limit: 50 })).state).toBe(
          'gone',
        );
        await send(roomId, a, 'last words');
        const left = await engine.leaveRoom({
          roomId,
          userId: a,
          now: now(),
          farewell: draft('[System] partner left', 'system', { system: true, disconnect: true }),
          endRoom: true,
        });
        if (left.kind !== 'left') throw new Error(left.kind);
        expect(left.farewell).toMatchObject({ disconnect: true, system: true, seq: 2 });
        const rest = await engine.takeUnread({ roomId, userId: b, limit: 50 });
        expect(rest.state).toBe('ended');
        expect(rest.messages.map((m) => [m.text, m.disconnect])).toEqual([
          ['last words', false],
          ['[System] partner left', true],
        ]);
        expect((await engine.takeUnread({ roomId, userId: a, limit: 50 })).state).toBe('gone');
      });

      it('pages history backwards by default and forwards with after', async () => {
        const [a] = [await participant()];
        const roomId = await namedRoom(2, a);
        for (let i = 1; i <= 10; i++) await send(roomId, a, `h${i}`);
        const last = await engine.readHistory({ roomId, limit: 3 });
        expect(last).toMatchObject({ hasMore: true, latestSeq: 10 });
        expect(last.messages.map((m) => m.seq)).toEqual([8, 9, 10]);
        const older = await engine.readHistory({ roomId, limit: 3, before: 8 });
        expect(older.messages.map((m) => m.seq)).toEqual([5, 6, 7]);
        const oldest = await engine.readHistory({ roomId, limit: 5, before: 4 });
        expect(oldest).toMatchObject({ hasMore: false });
        expect(oldest.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
        const forward = await engine.readHistory({ roomId, limit: 4, after: 5 });
        expect(forward.messages.map((m) => m.seq)).toEqual([6, 7, 8, 9]);
        expect(forward.hasMore).toBe(true);
        const window = await engine.readHistory({ roomId, limit: 10, after: 2, before: 5 });
        expect(window.messages.map((m) => m.seq)).toEqual([3, 4]);
        expect(window.hasMore).toBe(false);
        expect(await engine.readHistory({ roomId: unique('none'), limit: 5 })).toEqual({
          messages: [],
          hasMore: false,
          latestSeq: 0,
        });
      });

      it('returns every field of a stored message as written', async () => {
        const [a] = [await participant()];
        const roomId = await namedRoom(2, a);
        const written = draft('héllo 👋\nline two', a);
        const outcome = await engine.appendMessage({ roomId, userId: a, draft: written });
        const [read] = (await engine.readHistory({ roomId, limit: 1 })).messages;
        expect(read).toEqual({ ...written, roomId, seq: 1 });
        expect(outcome).toEqual({ kind: 'stored', message: read, recipients: [] });
      });
    });

    describe('leaving', () => {
      it('writes the farewell only when somebody remains, and refuses a second leave', async () => {
        const [a, b] = [await participant(), await participant()];
        const roomId = await namedRoom(3, a, b);
        const first = await engine.leaveRoom({
          roomId,
          userId: a,
          now: now(),
          farewell: draft('a left', 'system'),
          endRoom: false,
        });
        expect(first).toMatchObject({
          kind: 'left',
          farewell: { text: 'a left' },
          remaining: [{ userId: b }],
        });
        const second = await engine.leaveRoom({
          roomId,
          userId: b,
          now: now(),
          farewell: draft('b left', 'system'),
          endRoom: false,
        });
        expect(second).toEqual({ kind: 'left', farewell: null, remaining: [] });
        expect(
          await engine.leaveRoom({
            roomId,
            userId: b,
            now: now(),
            farewell: draft('x', 'system'),
            endRoom: false,
          }),
        ).toEqual({ kind: 'not_in_room' });
        expect(
          await engine.leaveRoom({
            roomId: unique('none'),
            userId: b,
            now: now(),
            farewell: draft('x', 'system'),
            endRoom: false,
          }),
        ).toEqual({ kind: 'room_not_found' });
      });

      it('ends a room when asked, after which the remaining member gets chat_ended on leave', async () => {
        const [a, b] = [await participant(), await participant()];
        const roomId = unique('m');
        await engine.enqueue(a, { now: now(), matchRoomId: unique('m') });
        await engine.enqueue(b, { now: now(), matchRoomId: roomId });
        await engine.leaveRoom({
          roomId,
          userId: a,
          now: now(),
          farewell: draft('x', 'system'),
          endRoom: true,
        });
        expect((await engine.roomAccess(roomId, b)).room?.endedAt).not.toBeNull();
        expect(
          await engine.leaveRoom({
            roomId,
            userId: b,
            now: now(),
            farewell: draft('x', 'system'),
            endRoom: true,
          }),
        ).toEqual({ kind: 'chat_ended' });
      });

      it('lists neither rooms left nor rooms that ended among open rooms', async () => {
        const [a, b, c] = [await participant(), await participant(), await participant()];
        const named = await namedRoom(3, a, b, c);
        const matchRoom = unique('m');
        await engine.enqueue(a, { now: now(), matchRoomId: unique('m') });
        await engine.enqueue(b, { now: now(), matchRoomId: matchRoom });
        expect((await engine.roomsOf(b)).map((room) => room.roomId)).toEqual([named, matchRoom]);
        await engine.leaveRoom({
          roomId: matchRoom,
          userId: a,
          now: now(),
          farewell: draft('bye', 'system', { system: true, disconnect: true }),
          endRoom: true,
        });
        await engine.leaveRoom({
          roomId: named,
          userId: b,
          now: now(),
          farewell: draft('b left', 'system', { system: true }),
          endRoom: false,
        });
        expect(await engine.roomsOf(b)).toEqual([]);
        expect((await engine.roomsOf(a)).map((room) => room.roomId)).toEqual([named]);
        expect((await engine.roomsOf(c)).map((room) => room.roomId)).toEqual([named]);
      });

      it('lists open rooms with unread counts that exclude own messages', async () => {
        const [a, b] = [await participant('A'), await participant('B')];
        const roomId = await namedRoom(2, a, b);
        await send(roomId, a, 'for b 1');
        await send(roomId, a, 'for b 2');
        await send(roomId, b, 'from b');
        const rooms = await engine.roomsOf(b);
        expect(rooms).toEqual([
          {
            roomId,
            unread: 2,
            members: [
              { userId: a, displayName: 'A' },
              { userId: b, displayName: 'B' },
            ],
          },
        ]);
        expect((await engine.roomsOf(a))[0]?.unread).toBe(2); // the creator also sees B's join notice
      });
    });

    describe('limits and the bus', () => {
      it('allows a burst, then refuses until tokens refill', async () => {
        const userId = await participant();
        const start = 1_800_000_000_000;
        const results = [];
        for (let i = 0; i < 5; i++)
          results.push(await engine.takeSendToken(userId, { now: start, ratePerSecond: 2, burst: 4 }));
        expect(results).toEqual([true, true, true, true, false]);
        expect(await engine.takeSendToken(userId, { now: start + 499, ratePerSecond: 2, burst: 4 })).toBe(
          false,
        );
        expect(await engine.takeSendToken(userId, { now: start + 1000, ratePerSecond: 2, burst: 4 })).toBe(
          true,
        );
      });

      it('delivers published events to subscribers of the topic until they unsubscribe', async () => {
        const received: ChatEvent[] = [];
        const topic = roomTopic(unique('room'));
        const unsubscribe = engine.bus.subscribe(topic, (event) => received.push(event));
        const other: ChatEvent[] = [];
        const unsubscribeOther = engine.bus.subscribe(roomTopic(unique('room')), (event) =>
          other.push(event),
        );
        const event: ChatEvent = { type: 'resync' };
        await engine.bus.publish(topic, event);
        await expect.poll(() => received.length).toBe(1);
        unsubscribe();
        unsubscribe();
        await engine.bus.publish(topic, event);
        // A second publish after unsubscribing reaches nobody; the other topic never heard anything.
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(received).toEqual([event]);
        expect(other).toEqual([]);
        unsubscribeOther();
      });

      it('answers ping while storage is reachable', async () => {
        await expect(engine.ping()).resolves.toBeUndefined();
      });
    });
  });
}
