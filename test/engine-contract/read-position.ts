import { describe, expect, it } from 'vitest';
import type { ContractContext } from './context.js';
import { unreadCountsAgreeWithTheLog } from './unread-counts.js';

/** Read position: the unread summary of a participant's rooms, and moving a cursor forward. */
export function readPositionCases(t: ContractContext): void {
  const { now, unique, participant, draft, namedRoom, send } = t;
  describe('read position', () => {
    it('keeps unread counts that agree with the log through sends, takes, rewinds and marks', () =>
      unreadCountsAgreeWithTheLog(t.engine));

    it('summarises unread messages from others per room, newest one included, leaving a room out', async () => {
      const [ann, bob] = [await participant('Ann'), await participant('Bob')];
      const roomA = await namedRoom(2, ann, bob);
      const roomB = await namedRoom(2, ann, bob);
      const quiet = await namedRoom(2, ann, bob);
      // Bob's join notices are read.
      for (const roomId of [roomA, roomB, quiet])
        await t.engine.takeUnread({ roomId, userId: ann, limit: 50 });
      await send(roomB, bob, 'first in B');
      await send(roomB, ann, 'my own in B');
      const newest = await send(roomB, bob, 'second in B');
      await send(roomA, bob, 'in A');
      await send(quiet, ann, 'only mine');

      const summary = await t.engine.unreadSummary(ann);
      const byRoom = new Map(summary.map((room) => [room.roomId, room]));
      expect([...byRoom.keys()].sort()).toEqual([roomA, roomB].sort());
      expect(byRoom.get(roomB)).toEqual({ roomId: roomB, count: 2, latest: newest.message });
      expect(byRoom.get(roomA)?.count).toBe(1);

      const without = await t.engine.unreadSummary(ann, roomA);
      expect(without.map((room) => room.roomId)).toEqual([roomB]);
      // What a wait hands over is no longer unread.
      await t.engine.takeUnread({ roomId: roomB, userId: ann, limit: 50 });
      expect(await t.engine.unreadSummary(ann, roomA)).toEqual([]);
    });

    it('counts system notices, and leaves out rooms the participant left or that ended', async () => {
      const [ann, bob, cid] = [await participant('Ann'), await participant('Bob'), await participant('Cid')];
      const big = await namedRoom(3, ann, bob);
      await t.engine.joinRoom({
        roomId: big,
        userId: cid,
        capacity: 3,
        now: now(),
        notice: draft('[System] Cid joined', 'system', { system: true }),
        recentLimit: 20,
      });
      const summary = await t.engine.unreadSummary(ann);
      expect(summary).toMatchObject([{ roomId: big, count: 2, latest: { text: '[System] Cid joined' } }]);

      const matchRoom = unique('m');
      await t.engine.enqueue(ann, { now: now(), matchRoomId: unique('m') });
      await t.engine.enqueue(bob, { now: now(), matchRoomId: matchRoom });
      await send(matchRoom, bob, 'bye soon');
      expect((await t.engine.unreadSummary(ann)).map((room) => room.roomId).sort()).toEqual(
        [big, matchRoom].sort(),
      );
      await t.engine.leaveRoom({
        roomId: matchRoom,
        userId: bob,
        now: now(),
        farewell: draft('[System] left', 'system', { system: true, disconnect: true }),
        endRoom: true,
      });
      await t.engine.leaveRoom({
        roomId: big,
        userId: ann,
        now: now(),
        farewell: draft('[System] Ann left', 'system', { system: true }),
        endRoom: false,
      });
      expect(await t.engine.unreadSummary(ann)).toEqual([]);
    });

    it('moves the cursor forward only, never past the last message, and says what remains', async () => {
      const [ann, bob] = [await participant('Ann'), await participant('Bob')];
      const roomId = await namedRoom(2, ann, bob);
      const seqs = [];
      for (const text of ['one', 'two', 'three', 'four'])
        seqs.push((await send(roomId, bob, text)).message.seq);
      const [one, two, three, four] = seqs as [number, number, number, number];

      expect(await t.engine.markRead({ roomId, userId: ann, seq: two })).toEqual({
        kind: 'marked',
        cursor: two,
        remaining: 2,
      });
      // Never back.
      expect(await t.engine.markRead({ roomId, userId: ann, seq: one })).toEqual({
        kind: 'marked',
        cursor: two,
        remaining: 2,
      });
      // Never past the end: refused, nothing changed.
      expect(await t.engine.markRead({ roomId, userId: ann, seq: four + 1 })).toEqual({
        kind: 'beyond_end',
        lastSeq: four,
      });
      expect((await t.engine.roomAccess(roomId, ann)).membership?.cursor).toBe(two);
      // Nothing repeated, nothing skipped.
      const take = await t.engine.takeUnread({ roomId, userId: ann, limit: 50 });
      expect(take.messages.map((m) => m.seq)).toEqual([three, four]);
      expect(await t.engine.markRead({ roomId, userId: ann, seq: four })).toEqual({
        kind: 'marked',
        cursor: four,
        remaining: 0,
      });
    });

    it('refuses unknown rooms, strangers, and former members; an ended room can still be read', async () => {
      const [ann, bob, cid] = [await participant(), await participant(), await participant()];
      expect(await t.engine.markRead({ roomId: unique('none'), userId: ann, seq: 0 })).toEqual({
        kind: 'room_not_found',
      });
      const roomId = unique('m');
      await t.engine.enqueue(ann, { now: now(), matchRoomId: unique('m') });
      await t.engine.enqueue(bob, { now: now(), matchRoomId: roomId });
      await send(roomId, bob, 'hi');
      expect(await t.engine.markRead({ roomId, userId: cid, seq: 1 })).toEqual({ kind: 'not_in_room' });
      await t.engine.leaveRoom({
        roomId,
        userId: bob,
        now: now(),
        farewell: draft('[System] left', 'system', { system: true, disconnect: true }),
        endRoom: true,
      });
      expect(await t.engine.markRead({ roomId, userId: bob, seq: 1 })).toEqual({ kind: 'chat_ended' });
      expect(await t.engine.markRead({ roomId, userId: ann, seq: 1 })).toEqual({
        kind: 'marked',
        cursor: 1,
        remaining: 1,
      });
      const rest = await t.engine.takeUnread({ roomId, userId: ann, limit: 50 });
      expect(rest.messages.map((m) => m.text)).toEqual(['[System] left']);
    });
  });
}
