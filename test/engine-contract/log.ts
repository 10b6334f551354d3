import { describe, expect, it } from 'vitest';
import { type AppendOutcome, type ChatEvent, roomTopic, userTopic } from '../../src/chat/engine.js';
import type { ContractContext } from './context.js';

/** The room log: numbering, idempotency, handing over, rewinding and history. */
export function logCases(t: ContractContext): void {
  const { now, unique, participant, draft, namedRoom, send } = t;
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
      const base = (await t.engine.roomAccess(roomId, a)).room?.lastSeq ?? 0;
      const outcomes = await Promise.all(
        Array.from({ length: 40 }, (_, i) => send(roomId, i % 2 ? a : b, `c${i}`)),
      );
      const seqs = outcomes.map((o) => o.message.seq).sort((x, y) => x - y);
      expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => base + i + 1));
    });

    it('refuses appends to unknown rooms, by non-members and after the room ended', async () => {
      const [a, b, c] = [await participant(), await participant(), await participant()];
      expect(
        await t.engine.appendMessage({ roomId: unique('none'), userId: a, draft: draft('x', a) }),
      ).toEqual({ kind: 'room_not_found' });
      const roomId = unique('m');
      await t.engine.enqueue(a, { now: now(), matchRoomId: unique('m') });
      await t.engine.enqueue(b, { now: now(), matchRoomId: roomId });
      expect(await t.engine.appendMessage({ roomId, userId: c, draft: draft('x', c) })).toEqual({
        kind: 'not_in_room',
      });
      await t.engine.leaveRoom({
        roomId,
        userId: a,
        now: now(),
        farewell: draft('x', 'system'),
        endRoom: true,
      });
      expect(await t.engine.appendMessage({ roomId, userId: b, draft: draft('x', b) })).toEqual({
        kind: 'chat_ended',
      });
      expect(await t.engine.appendMessage({ roomId, userId: a, draft: draft('x', a) })).toEqual({
        kind: 'chat_ended',
      });
    });

    it('answers appends made at the same moment each on its own: stored, duplicate or refused', async () => {
      // SQLite commits the sends of one turn together (group commit); none may change another's answer.
      const [a, b, c] = [await participant(), await participant(), await participant()];
      const roomId = await namedRoom(2, a, b);
      const outcomes = await Promise.all([
        t.engine.appendMessage({ roomId, userId: a, draft: draft('one', a), idempotencyKey: 'k' }),
        t.engine.appendMessage({ roomId, userId: c, draft: draft('outsider', c) }),
        t.engine.appendMessage({ roomId, userId: a, draft: draft('one', a), idempotencyKey: 'k' }),
        t.engine.appendMessage({ roomId: unique('none'), userId: a, draft: draft('lost', a) }),
        t.engine.appendMessage({ roomId, userId: b, draft: draft('two', b) }),
      ]);
      expect(outcomes.map((o) => o.kind)).toEqual([
        'stored',
        'not_in_room',
        'duplicate',
        'room_not_found',
        'stored',
      ]);
      const [first, , again, , second] = outcomes as Extract<AppendOutcome, { message: unknown }>[];
      expect(again?.message.seq).toBe(first?.message.seq);
      expect(second?.message.seq).toBe((first?.message.seq ?? 0) + 1);
      const history = await t.engine.readHistory({ roomId, limit: 10 });
      expect(history.messages.filter((m) => !m.system).map((m) => m.text)).toEqual(['one', 'two']);
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
      const history = await t.engine.readHistory({ roomId, limit: 100 });
      expect(history.messages.filter((m) => m.text === 'once')).toHaveLength(1);
    });

    it('hands a member messages from others, oldest first, once', async () => {
      const [a, b] = [await participant(), await participant()];
      const roomId = await namedRoom(2, a, b);
      await send(roomId, a, 'one');
      await send(roomId, b, 'my own');
      await send(roomId, a, 'two');
      const take = await t.engine.takeUnread({ roomId, userId: b, limit: 50 });
      expect(take.messages.map((m) => m.text)).toEqual(['one', 'two']);
      expect(take.state).toBe('open');
      expect(take.cursorAfter).toBe(take.messages.at(-1)?.seq);
      expect((await t.engine.takeUnread({ roomId, userId: b, limit: 50 })).messages).toEqual([]);
    });

    it('hands over at most `limit` and the rest on the next take', async () => {
      const [a, b] = [await participant(), await participant()];
      const roomId = await namedRoom(2, a, b);
      for (let i = 0; i < 7; i++) await send(roomId, a, `n${i}`);
      expect((await t.engine.takeUnread({ roomId, userId: b, limit: 5 })).messages).toHaveLength(5);
      expect(
        (await t.engine.takeUnread({ roomId, userId: b, limit: 5 })).messages.map((m) => m.text),
      ).toEqual(['n5', 'n6']);
    });

    it('re-reads past `after` without moving the cursor backwards', async () => {
      const [a, b] = [await participant(), await participant()];
      const roomId = await namedRoom(2, a, b);
      const first = await send(roomId, a, 'p1');
      await send(roomId, a, 'p2');
      await t.engine.takeUnread({ roomId, userId: b, limit: 50 });
      const again = await t.engine.takeUnread({ roomId, userId: b, after: first.message.seq - 1, limit: 50 });
      expect(again.messages.map((m) => m.text)).toEqual(['p1', 'p2']);
      expect(again.cursorAfter).toBe(again.cursorBefore);
      await send(roomId, a, 'p3');
      expect(
        (await t.engine.takeUnread({ roomId, userId: b, limit: 50 })).messages.map((m) => m.text),
      ).toEqual(['p3']);
    });

    it('never hands the same message to two concurrent takes', async () => {
      const [a, b] = [await participant(), await participant()];
      const roomId = await namedRoom(2, a, b);
      for (let i = 0; i < 20; i++) await send(roomId, a, `k${i}`);
      const takes = await Promise.all(
        Array.from({ length: 8 }, () => t.engine.takeUnread({ roomId, userId: b, limit: 3 })),
      );
      const rest = await t.engine.takeUnread({ roomId, userId: b, limit: 50 });
      const all = [...takes.flatMap((t) => t.messages), ...rest.messages].map((m) => m.text);
      expect(all.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `k${i}`).sort());
    });

    it('rewinds a take only while the cursor still stands where the take left it', async () => {
      const [a, b] = [await participant(), await participant()];
      const roomId = await namedRoom(2, a, b);
      await send(roomId, a, 'r1');
      const take = await t.engine.takeUnread({ roomId, userId: b, limit: 50 });
      await t.engine.rewindCursor({ roomId, userId: b, from: take.cursorAfter, to: take.cursorBefore });
      expect(
        (await t.engine.takeUnread({ roomId, userId: b, limit: 50 })).messages.map((m) => m.text),
      ).toEqual(['r1']);
      // A stale rewind (the cursor moved on) changes nothing.
      await t.engine.rewindCursor({ roomId, userId: b, from: take.cursorAfter - 1, to: 0 });
      expect((await t.engine.takeUnread({ roomId, userId: b, limit: 50 })).messages).toEqual([]);
    });

    it('reports gone for non-members and ended for a room that ended, still handing over the rest', async () => {
      const [a, b, c] = [await participant(), await participant(), await participant()];
      const roomId = unique('m');
      await t.engine.enqueue(a, { now: now(), matchRoomId: unique('m') });
      await t.engine.enqueue(b, { now: now(), matchRoomId: roomId });
      expect((await t.engine.takeUnread({ roomId, userId: c, limit: 50 })).state).toBe('gone');
      expect((await t.engine.takeUnread({ roomId: unique('none'), userId: c, limit: 50 })).state).toBe(
        'gone',
      );
      await send(roomId, a, 'last words');
      const left = await t.engine.leaveRoom({
        roomId,
        userId: a,
        now: now(),
        farewell: draft('[System] partner left', 'system', { system: true, disconnect: true }),
        endRoom: true,
      });
      if (left.kind !== 'left') throw new Error(left.kind);
      expect(left.farewell).toMatchObject({ disconnect: true, system: true, seq: 2 });
      const rest = await t.engine.takeUnread({ roomId, userId: b, limit: 50 });
      expect(rest.state).toBe('ended');
      expect(rest.messages.map((m) => [m.text, m.disconnect])).toEqual([
        ['last words', false],
        ['[System] partner left', true],
      ]);
      expect((await t.engine.takeUnread({ roomId, userId: a, limit: 50 })).state).toBe('gone');
    });

    it('pages history backwards by default and forwards with after', async () => {
      const [a] = [await participant()];
      const roomId = await namedRoom(2, a);
      for (let i = 1; i <= 10; i++) await send(roomId, a, `h${i}`);
      const last = await t.engine.readHistory({ roomId, limit: 3 });
      expect(last).toMatchObject({ hasMore: true, latestSeq: 10 });
      expect(last.messages.map((m) => m.seq)).toEqual([8, 9, 10]);
      const older = await t.engine.readHistory({ roomId, limit: 3, before: 8 });
      expect(older.messages.map((m) => m.seq)).toEqual([5, 6, 7]);
      const oldest = await t.engine.readHistory({ roomId, limit: 5, before: 4 });
      expect(oldest).toMatchObject({ hasMore: false });
      expect(oldest.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
      const forward = await t.engine.readHistory({ roomId, limit: 4, after: 5 });
      expect(forward.messages.map((m) => m.seq)).toEqual([6, 7, 8, 9]);
      expect(forward.hasMore).toBe(true);
      const window = await t.engine.readHistory({ roomId, limit: 10, after: 2, before: 5 });
      expect(window.messages.map((m) => m.seq)).toEqual([3, 4]);
      expect(window.hasMore).toBe(false);
      expect(await t.engine.readHistory({ roomId: unique('none'), limit: 5 })).toEqual({
        messages: [],
        hasMore: false,
        latestSeq: 0,
        readBy: {},
      });
    });

    it('returns every field of a stored message as written', async () => {
      const [a] = [await participant()];
      const roomId = await namedRoom(2, a);
      const written = draft('héllo 👋\nline two', a);
      const outcome = await t.engine.appendMessage({ roomId, userId: a, draft: written });
      const [read] = (await t.engine.readHistory({ roomId, limit: 1 })).messages;
      expect(read).toEqual({ ...written, roomId, seq: 1 });
      expect(outcome).toEqual({ kind: 'stored', message: read, recipients: [] });
    });

    it('announces a stored message to the room and each recipient, once and exactly as stored', async () => {
      const [a, b] = [await participant(), await participant()];
      const roomId = await namedRoom(2, a, b);
      const heard = { room: [] as ChatEvent[], b: [] as ChatEvent[], a: [] as ChatEvent[] };
      const stops = [
        t.engine.bus.subscribe(roomTopic(roomId), (event) => heard.room.push(event)),
        t.engine.bus.subscribe(userTopic(b), (event) => heard.b.push(event)),
        t.engine.bus.subscribe(userTopic(a), (event) => heard.a.push(event)),
      ];
      const written = draft('to be announced', a);
      const outcome = await t.engine.appendMessage({
        roomId,
        userId: a,
        draft: { ...written, replyTo: 1, replyPreview: { sender: 'A', text: 'earlier' }, mentions: [b] },
      });
      if (outcome.kind !== 'stored') throw new Error(`append: ${outcome.kind}`);
      expect(outcome.recipients).toEqual([b]);
      const told = { type: 'message', roomId, message: outcome.message };
      await expect.poll(() => heard.room).toEqual([told]);
      // Events arrive in the order they were published: after a later marker, nothing more is on its way.
      const marker: ChatEvent = { type: 'resync' };
      await t.engine.bus.publish(userTopic(a), marker);
      await expect.poll(() => heard.a).toEqual([marker]);
      // The sender is not a recipient; the room heard it once.
      expect(heard).toEqual({ room: [told], b: [told], a: [marker] });
      for (const stop of stops) stop();
    });
  });
}
