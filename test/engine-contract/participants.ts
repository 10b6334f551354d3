import { describe, expect, it } from 'vitest';
import type { ContractContext } from './context.js';

/** Participants, presence, the queue and matching. */
export function participantsCases(t: ContractContext): void {
  const { now, unique, participant, draft, namedRoom } = t;
  describe('participants', () => {
    it('finds a participant by credential digest and records touches and renames', async () => {
      const userId = await participant('Ann');
      const found = await t.engine.findParticipant(`cred-${userId}`);
      expect(found).toMatchObject({ userId, displayName: 'Ann' });
      await t.engine.touchParticipant(userId, 42_000_000_000_000, 'Annie');
      expect(await t.engine.findParticipant(`cred-${userId}`)).toMatchObject({
        displayName: 'Annie',
        lastSeenAt: 42_000_000_000_000,
      });
      await t.engine.touchParticipant(userId, 42_000_000_000_001);
      expect((await t.engine.findParticipant(`cred-${userId}`))?.displayName).toBe('Annie');
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
      await t.engine.enqueue(endedOnly, { now: now(), matchRoomId: unique('m') });
      await t.engine.enqueue(partner, { now: now(), matchRoomId: matchRoom });
      await t.engine.leaveRoom({
        roomId: matchRoom,
        userId: partner,
        now: now(),
        farewell: draft('x', 'system'),
        endRoom: true,
      });
      await t.engine.enqueue(queued, { now: now(), matchRoomId: unique('m') });
      await namedRoom(2, inRoom);
      const cutoff = now() + 1000;
      const [first, second] = await Promise.all([
        t.engine.claimIdle(cutoff, 100),
        t.engine.claimIdle(cutoff, 100),
      ]);
      const claimed = [...first, ...second];
      expect(claimed.sort()).toEqual([queued, inRoom].sort());
      expect(claimed).not.toContain(idle);
      expect(await t.engine.claimIdle(cutoff, 100)).toEqual([]);
      await t.engine.touchParticipant(queued, now());
      expect(await t.engine.claimIdle(now() + 1000, 100)).toEqual([queued]);
      // Active since the cutoff: not idle.
      await t.engine.touchParticipant(inRoom, now());
      expect(await t.engine.claimIdle(cutoff - 2000, 100)).toEqual([]);
    });

    it('claims at most `limit` idle participants at a time', async () => {
      for (let i = 0; i < 3; i++)
        await t.engine.enqueue(await participant(), { now: now(), matchRoomId: unique('m') });
      // Three arrivals make one match (two people in a room) and one queued: three present.
      const cutoff = now() + 1000;
      expect(await t.engine.claimIdle(cutoff, 2)).toHaveLength(2);
      expect(await t.engine.claimIdle(cutoff, 2)).toHaveLength(1);
    });

    it('does not claim participants who left the queue or their last room', async () => {
      const [leftQueue, leftRoom, stays] = [await participant(), await participant(), await participant()];
      await t.engine.enqueue(leftQueue, { now: now(), matchRoomId: unique('m') });
      expect(await t.engine.leaveQueue(leftQueue)).toBe(true);
      const roomId = await namedRoom(3, leftRoom, stays);
      await t.engine.leaveRoom({
        roomId,
        userId: leftRoom,
        now: now(),
        farewell: draft('left', 'system', { system: true }),
        endRoom: false,
      });
      // Touching someone who is neither queued nor in a room does not make it present.
      await t.engine.touchParticipant(leftQueue, now());
      expect(await t.engine.claimIdle(now() + 1000, 100)).toEqual([stays]);
    });

    it('lists members under their current display name', async () => {
      const [a, b] = [await participant('Ann'), await participant('Bob')];
      const roomId = await namedRoom(2, a, b);
      await t.engine.touchParticipant(b, now(), 'Robert');
      expect((await t.engine.roomsOf(a)).find((room) => room.roomId === roomId)?.members).toEqual([
        { userId: a, displayName: 'Ann' },
        { userId: b, displayName: 'Robert' },
      ]);
    });

    it('answers null for an unknown credential', async () => {
      expect(await t.engine.findParticipant('nobody')).toBeNull();
    });
  });

  describe('queue and matching', () => {
    it('queues the first, matches the second with the first, and empties the queue', async () => {
      const ann = await participant('Ann');
      const bob = await participant('Bob');
      expect(await t.engine.enqueue(ann, { now: now(), matchRoomId: unique('m') })).toEqual({
        kind: 'waiting',
        position: 1,
        queueLength: 1,
      });
      const roomId = unique('m');
      const matched = await t.engine.enqueue(bob, { now: now(), matchRoomId: roomId });
      expect(matched).toMatchObject({
        kind: 'matched',
        room: { roomId, kind: 'queue', capacity: 2, endedAt: null, lastSeq: 0 },
        partner: { userId: ann, displayName: 'Ann' },
      });
      expect(await t.engine.matchState(ann)).toMatchObject({ kind: 'matched', partner: { userId: bob } });
      expect(await t.engine.matchState(bob)).toMatchObject({ kind: 'matched', partner: { userId: ann } });
      const [room] = await t.engine.roomsOf(ann);
      expect(room?.members.map((m) => m.userId).sort()).toEqual([ann, bob].sort());
    });

    it('reports already_waiting with the position, and already_in_chat once matched', async () => {
      const ann = await participant();
      const bob = await participant();
      const cid = await participant();
      await t.engine.enqueue(ann, { now: now(), matchRoomId: unique('m') });
      expect(await t.engine.enqueue(ann, { now: now(), matchRoomId: unique('m') })).toEqual({
        kind: 'already_waiting',
        position: 1,
        queueLength: 1,
      });
      const roomId = unique('m');
      await t.engine.enqueue(bob, { now: now(), matchRoomId: roomId });
      expect(await t.engine.enqueue(ann, { now: now(), matchRoomId: unique('m') })).toEqual({
        kind: 'already_in_chat',
        roomId,
      });
      expect(await t.engine.enqueue(cid, { now: now(), matchRoomId: unique('m') })).toMatchObject({
        kind: 'waiting',
      });
    });

    it('keeps first-in-first-out order and positions', async () => {
      const [a, b, c] = [await participant(), await participant(), await participant()];
      await t.engine.enqueue(a, { now: now(), matchRoomId: unique('m') });
      expect(await t.engine.matchState(a)).toEqual({ kind: 'waiting', position: 1, queueLength: 1 });
      // b matches a; c waits alone.
      await t.engine.enqueue(b, { now: now(), matchRoomId: unique('m') });
      expect(await t.engine.enqueue(c, { now: now(), matchRoomId: unique('m') })).toEqual({
        kind: 'waiting',
        position: 1,
        queueLength: 1,
      });
      expect(await t.engine.matchState(a)).toMatchObject({ kind: 'matched', partner: { userId: b } });
    });

    it('takes a participant out of the queue', async () => {
      const ann = await participant();
      await t.engine.enqueue(ann, { now: now(), matchRoomId: unique('m') });
      expect(await t.engine.leaveQueue(ann)).toBe(true);
      expect(await t.engine.leaveQueue(ann)).toBe(false);
      expect(await t.engine.matchState(ann)).toEqual({ kind: 'idle' });
    });

    it('allows queueing again once the matched room has ended', async () => {
      const [ann, bob] = [await participant(), await participant()];
      const roomId = unique('m');
      await t.engine.enqueue(ann, { now: now(), matchRoomId: unique('m') });
      await t.engine.enqueue(bob, { now: now(), matchRoomId: roomId });
      const left = await t.engine.leaveRoom({
        roomId,
        userId: ann,
        now: now(),
        farewell: draft('bye', 'system', { system: true, disconnect: true }),
        endRoom: true,
      });
      expect(left.kind).toBe('left');
      expect(await t.engine.matchState(bob)).toEqual({ kind: 'idle' });
      expect(await t.engine.enqueue(bob, { now: now(), matchRoomId: unique('m') })).toMatchObject({
        kind: 'waiting',
      });
    });

    it('pairs 50 concurrent arrivals into 25 rooms, nobody twice and nobody with itself', async () => {
      const people = await Promise.all(Array.from({ length: 50 }, () => participant()));
      const outcomes = await Promise.all(
        people.map((userId) => t.engine.enqueue(userId, { now: now(), matchRoomId: unique('m') })),
      );
      const rooms = outcomes.flatMap((o) => (o.kind === 'matched' ? [o.room.roomId] : []));
      expect(rooms).toHaveLength(25);
      // Each person is in exactly one open room, with one partner who is somebody else.
      const roomsOfEach = await Promise.all(people.map((userId) => t.engine.roomsOf(userId)));
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
}
