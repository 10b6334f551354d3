import { describe, expect, it } from 'vitest';
import { type ChatEvent, roomTopic } from '../../src/chat/engine.js';
import type { ContractContext } from './context.js';

/** Leaving rooms, open-room listings, the rate limit, the bus and ping. */
export function leavingCases(t: ContractContext): void {
  const { now, unique, participant, draft, namedRoom, send } = t;
  describe('leaving', () => {
    it('writes the farewell only when somebody remains, and refuses a second leave', async () => {
      const [a, b] = [await participant(), await participant()];
      const roomId = await namedRoom(3, a, b);
      const first = await t.engine.leaveRoom({
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
      const second = await t.engine.leaveRoom({
        roomId,
        userId: b,
        now: now(),
        farewell: draft('b left', 'system'),
        endRoom: false,
      });
      expect(second).toEqual({ kind: 'left', farewell: null, remaining: [] });
      expect(
        await t.engine.leaveRoom({
          roomId,
          userId: b,
          now: now(),
          farewell: draft('x', 'system'),
          endRoom: false,
        }),
      ).toEqual({ kind: 'not_in_room' });
      expect(
        await t.engine.leaveRoom({
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
      await t.engine.enqueue(a, { now: now(), matchRoomId: unique('m') });
      await t.engine.enqueue(b, { now: now(), matchRoomId: roomId });
      await t.engine.leaveRoom({
        roomId,
        userId: a,
        now: now(),
        farewell: draft('x', 'system'),
        endRoom: true,
      });
      expect((await t.engine.roomAccess(roomId, b)).room?.endedAt).not.toBeNull();
      expect(
        await t.engine.leaveRoom({
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
      await t.engine.enqueue(a, { now: now(), matchRoomId: unique('m') });
      await t.engine.enqueue(b, { now: now(), matchRoomId: matchRoom });
      expect((await t.engine.roomsOf(b)).map((room) => room.roomId)).toEqual([named, matchRoom]);
      await t.engine.leaveRoom({
        roomId: matchRoom,
        userId: a,
        now: now(),
        farewell: draft('bye', 'system', { system: true, disconnect: true }),
        endRoom: true,
      });
      await t.engine.leaveRoom({
        roomId: named,
        userId: b,
        now: now(),
        farewell: draft('b left', 'system', { system: true }),
        endRoom: false,
      });
      expect(await t.engine.roomsOf(b)).toEqual([]);
      expect((await t.engine.roomsOf(a)).map((room) => room.roomId)).toEqual([named]);
      expect((await t.engine.roomsOf(c)).map((room) => room.roomId)).toEqual([named]);
    });

    it('lists open rooms with unread counts that exclude own messages', async () => {
      const [a, b] = [await participant('A'), await participant('B')];
      const roomId = await namedRoom(2, a, b);
      await send(roomId, a, 'for b 1');
      await send(roomId, a, 'for b 2');
      await send(roomId, b, 'from b');
      const rooms = await t.engine.roomsOf(b);
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
      expect((await t.engine.roomsOf(a))[0]?.unread).toBe(2); // the creator also sees B's join notice
    });
  });

  describe('limits and the bus', () => {
    it('allows a burst, then refuses until tokens refill', async () => {
      const userId = await participant();
      const start = 1_800_000_000_000;
      const results = [];
      for (let i = 0; i < 5; i++)
        results.push(await t.engine.takeSendToken(userId, { now: start, ratePerSecond: 2, burst: 4 }));
      expect(results).toEqual([true, true, true, true, false]);
      expect(await t.engine.takeSendToken(userId, { now: start + 499, ratePerSecond: 2, burst: 4 })).toBe(
        false,
      );
      expect(await t.engine.takeSendToken(userId, { now: start + 1000, ratePerSecond: 2, burst: 4 })).toBe(
        true,
      );
    });

    it('delivers published events to subscribers of the topic until they unsubscribe', async () => {
      const received: ChatEvent[] = [];
      const topic = roomTopic(unique('room'));
      const unsubscribe = t.engine.bus.subscribe(topic, (event) => received.push(event));
      const other: ChatEvent[] = [];
      const unsubscribeOther = t.engine.bus.subscribe(roomTopic(unique('room')), (event) =>
        other.push(event),
      );
      const event: ChatEvent = { type: 'resync' };
      await t.engine.bus.publish(topic, event);
      await expect.poll(() => received.length).toBe(1);
      unsubscribe();
      unsubscribe();
      await t.engine.bus.publish(topic, event);
      // A second publish after unsubscribing reaches nobody; the other topic never heard anything.
      // Events arrive in the order they were published: once a later marker is heard, the one
      // before it would have been.
      const marks: ChatEvent[] = [];
      const markTopic = roomTopic(unique('marker'));
      const unsubscribeMarks = t.engine.bus.subscribe(markTopic, (mark) => marks.push(mark));
      await t.engine.bus.publish(markTopic, event);
      await expect.poll(() => marks.length).toBe(1);
      expect(received).toEqual([event]);
      expect(other).toEqual([]);
      unsubscribeOther();
      unsubscribeMarks();
    });

    it('answers ping while storage is reachable', async () => {
      await expect(t.engine.ping()).resolves.toBeUndefined();
    });
  });
}
