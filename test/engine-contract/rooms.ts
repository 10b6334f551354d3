import { describe, expect, it } from 'vitest';
import type { ContractContext } from './context.js';

/** Named rooms: creating, joining, capacity and ending. */
export function roomsCases(t: ContractContext): void {
  const { now, unique, participant, draft, namedRoom, send } = t;
  describe('named rooms', () => {
    it('creates a room without writing a message, then joins with a notice the joiner does not receive', async () => {
      const [ann, bob] = [await participant('Ann'), await participant('Bob')];
      const roomId = unique('room');
      const created = await t.engine.joinRoom({
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
      const joined = await t.engine.joinRoom({
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
      const access = await t.engine.roomAccess(roomId, bob);
      expect(access.membership).toMatchObject({ joinedSeq: 2, cursor: 2, leftAt: null });
      expect((await t.engine.takeUnread({ roomId, userId: bob, limit: 50 })).messages).toEqual([]);
      expect(
        (await t.engine.takeUnread({ roomId, userId: ann, limit: 50 })).messages.map((m) => m.text),
      ).toEqual(['[System] Bob joined']);
    });

    it('limits recent messages to the last N before the join', async () => {
      const [ann, bob] = [await participant(), await participant()];
      const roomId = await namedRoom(2, ann);
      for (let i = 1; i <= 25; i++) await send(roomId, ann, `m${i}`);
      const joined = await t.engine.joinRoom({
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
      const full = await t.engine.joinRoom({
        roomId,
        userId: c,
        capacity: 2,
        now: now(),
        notice: draft('x', 'system', { system: true }),
        recentLimit: 20,
      });
      expect(full).toEqual({ kind: 'room_full' });
      const before = (await t.engine.roomAccess(roomId, a)).room?.lastSeq;
      const again = await t.engine.joinRoom({
        roomId,
        userId: b,
        capacity: 2,
        now: now(),
        notice: draft('x', 'system', { system: true }),
        recentLimit: 20,
      });
      expect(again.kind).toBe('already_member');
      expect((await t.engine.roomAccess(roomId, a)).room?.lastSeq).toBe(before);
    });

    it('lets a member who left join again, and keeps the history of an emptied room', async () => {
      const [a, b] = [await participant(), await participant()];
      const roomId = await namedRoom(2, a, b);
      await send(roomId, a, 'kept');
      for (const userId of [a, b]) {
        const left = await t.engine.leaveRoom({
          roomId,
          userId,
          now: now(),
          farewell: draft('left', 'system', { system: true }),
          endRoom: false,
        });
        expect(left.kind).toBe('left');
      }
      expect(await t.engine.roomsOf(a)).toEqual([]);
      expect(await t.engine.roomsOf(b)).toEqual([]);
      const back = await t.engine.joinRoom({
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
      await t.engine.enqueue(a, { now: now(), matchRoomId: unique('m') });
      await t.engine.enqueue(b, { now: now(), matchRoomId: roomId });
      await t.engine.leaveRoom({
        roomId,
        userId: a,
        now: now(),
        farewell: draft('x', 'system'),
        endRoom: true,
      });
      const outcome = await t.engine.joinRoom({
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
}
