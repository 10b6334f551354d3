import { describe, expect, it } from 'vitest';
import type { JoinRequest } from '../../src/chat/engine.js';
import { foldText, searchPhrases } from '../../src/chat/search-text.js';
import type { ContractContext } from './context.js';

/** The directory, search, and what messages say about each other (replies, mentions, read_by). */
export function findingCases(t: ContractContext): void {
  const { now, unique, participant, draft, send } = t;

  async function open(userId: string, extra: Partial<JoinRequest> = {}): Promise<string> {
    const roomId = extra.roomId ?? unique('room');
    const outcome = await t.engine.joinRoom({
      roomId,
      userId,
      capacity: 5,
      now: now(),
      notice: draft('[System] joined', 'system', { system: true }),
      recentLimit: 20,
      ...extra,
    });
    expect(['created', 'joined']).toContain(outcome.kind);
    return roomId;
  }

  const listedIds = async (query?: string) =>
    (await t.engine.listRooms({ query: query && foldText(query), limit: 100 })).rooms.map((r) => r.roomId);

  const search = (userId: string, query: string, roomId?: string) =>
    t.engine.searchMessages({ userId, phrases: searchPhrases(query), roomId, limit: 20 });

  describe('the directory', () => {
    it('lists open public named rooms with members, most recently active first', async () => {
      const [a, b, c] = [await participant(), await participant(), await participant()];
      const older = await open(a, { topic: 'Gardening' });
      const newer = await open(b);
      await open(c, { visibility: 'private', topic: 'secret' });
      await t.engine.enqueue(a, { now: now(), matchRoomId: unique('match') });
      await t.engine.enqueue(c, { now: now(), matchRoomId: unique('match') });
      expect(await listedIds()).toEqual([newer, older]);
      await send(older, a, 'still here');
      const { rooms } = await t.engine.listRooms({ limit: 10 });
      expect(rooms.map((r) => r.roomId)).toEqual([older, newer]);
      expect(rooms[0]).toEqual({
        roomId: older,
        topic: 'Gardening',
        members: 1,
        capacity: 5,
        lastActivity: expect.any(Number),
      });
      expect(rooms[0]?.lastActivity).toBeGreaterThan(rooms[1]?.lastActivity ?? 0);
    });

    it('drops a room when its last member leaves and lists it again when someone returns', async () => {
      const [a, b] = [await participant(), await participant()];
      const roomId = await open(a);
      await open(b, { roomId });
      const leave = (userId: string) =>
        t.engine.leaveRoom({ roomId, userId, now: now(), farewell: draft('bye', 'system'), endRoom: false });
      await leave(a);
      expect((await t.engine.listRooms({ limit: 10 })).rooms).toMatchObject([{ roomId, members: 1 }]);
      await leave(b);
      expect(await listedIds()).toEqual([]);
      await open(a, { roomId });
      expect(await listedIds()).toEqual([roomId]);
    });

    it('filters by room id and topic, ignoring case and accents', async () => {
      const a = await participant();
      const cafe = await open(a, { roomId: unique('Morning'), topic: 'Le Café du coin' });
      const chess = await open(a, { roomId: unique('chess-club') });
      expect(await listedIds('CAFE')).toEqual([cafe]);
      expect(await listedIds('morning')).toEqual([cafe]);
      expect(await listedIds('chess-C')).toEqual([chess]);
      expect(await listedIds('nothing like this')).toEqual([]);
      expect(await listedIds('%')).toEqual([]);
    });

    it('pages through 10,000 rooms, each exactly once, in order', async () => {
      const a = await participant();
      const at = now();
      const total = 10_000;
      // Many share one activity time, so the tie order is exercised too.
      for (let i = 0; i < total; i += 500) {
        await Promise.all(
          Array.from({ length: 500 }, (_, j) =>
            open(a, { roomId: `bulk-${String(i + j).padStart(5, '0')}`, now: at + Math.floor((i + j) / 7) }),
          ),
        );
      }
      const started = Date.now();
      const seen: string[] = [];
      let after: { lastActivity: number; roomId: string } | undefined;
      let pages = 0;
      do {
        const page = await t.engine.listRooms({ limit: 100, after });
        seen.push(...page.rooms.map((room) => room.roomId));
        after = page.next;
        pages++;
      } while (after);
      const elapsed = Date.now() - started;
      expect(seen).toHaveLength(total);
      expect(new Set(seen).size).toBe(total);
      const expected = Array.from({ length: total }, (_, i) => `bulk-${String(i).padStart(5, '0')}`);
      expect(seen).toEqual(expected.reverse());
      expect(pages).toBeLessThanOrEqual(total / 100 + 1);
      // 100 pages: each reads about its own rows, whatever the size of the directory.
      expect(elapsed).toBeLessThan(10_000);
      // A query that skips almost every room still ends, page by page, with exactly its matches.
      const matches: string[] = [];
      after = undefined;
      do {
        const page = await t.engine.listRooms({ query: 'bulk-0004', limit: 100, after });
        matches.push(...page.rooms.map((room) => room.roomId));
        after = page.next;
      } while (after);
      expect(matches).toEqual(expected.filter((id) => id.startsWith('bulk-0004')));
    }, 120_000);
  });

  describe('search', () => {
    it('finds words and phrases in the rooms a participant is or was in, newest first', async () => {
      const [a, b, c] = [await participant(), await participant(), await participant()];
      const first = await open(a);
      await open(b, { roomId: first });
      const second = await open(a);
      const strangers = await open(c);
      await send(first, b, 'The Café opens at nine');
      await send(second, a, 'cafe or tea?');
      await send(strangers, c, 'cafe for strangers only');
      await send(first, b, 'nine is early for a café');
      expect((await search(a, 'CAFE')).map((m) => m.text)).toEqual([
        'nine is early for a café',
        'cafe or tea?',
        'The Café opens at nine',
      ]);
      expect((await search(a, 'cafe', second)).map((m) => m.roomId)).toEqual([second]);
      expect((await search(a, '"opens at nine"')).map((m) => m.text)).toEqual(['The Café opens at nine']);
      expect(await search(a, '"nine opens"')).toEqual([]);
      expect((await search(a, 'nine early')).map((m) => m.text)).toEqual(['nine is early for a café']);
      expect(await search(a, 'strangers')).toEqual([]);
      expect(await search(a, 'cafe', strangers)).toEqual([]);
      expect(await search(a, 'joined')).toEqual([]);
    });

    it('keeps a room searchable after leaving it, up to the leave', async () => {
      const [a, b] = [await participant(), await participant()];
      const roomId = await open(a);
      await open(b, { roomId });
      await send(roomId, b, 'before the leave: pineapple');
      await t.engine.leaveRoom({
        roomId,
        userId: a,
        now: now(),
        farewell: draft('bye', 'system'),
        endRoom: false,
      });
      await send(roomId, b, 'after the leave: pineapple');
      const hits = await search(a, 'pineapple');
      expect(hits.map((m) => m.text)).toEqual(['before the leave: pineapple']);
      expect(hits[0]).toMatchObject({ roomId, senderId: b, seq: expect.any(Number) });
    });

    it('reads query syntax as plain words, and a query without words finds nothing', async () => {
      const a = await participant();
      const roomId = await open(a);
      await send(roomId, a, 'OR AND NOT * NEAR');
      await send(roomId, a, 'something else');
      expect((await search(a, '" OR * NEAR( :')).map((m) => m.text)).toEqual(['OR AND NOT * NEAR']);
      expect((await search(a, 'body:else')).map((m) => m.text)).toEqual([]);
      expect(await search(a, '" * ( : - ^')).toEqual([]);
    });
  });

  describe('replies, mentions and read positions', () => {
    it('keeps reply and mention fields on every path that hands out messages', async () => {
      const [a, b] = [await participant(), await participant()];
      const roomId = await open(a);
      await open(b, { roomId });
      const extra = {
        replyTo: 1,
        replyPreview: { sender: 'System', text: '[System] joined' },
        mentions: [a],
      };
      const outcome = await t.engine.appendMessage({
        roomId,
        userId: b,
        draft: draft('@Ann yes', b, extra),
        idempotencyKey: 'k',
      });
      expect(outcome).toMatchObject({ kind: 'stored', message: extra });
      const again = await t.engine.appendMessage({
        roomId,
        userId: b,
        draft: draft('@Ann yes', b),
        idempotencyKey: 'k',
      });
      expect(again).toMatchObject({ kind: 'duplicate', message: extra });
      expect((await t.engine.readHistory({ roomId, limit: 5 })).messages.at(-1)).toMatchObject(extra);
      expect((await t.engine.takeUnread({ roomId, userId: a, limit: 5 })).messages.at(-1)).toMatchObject(
        extra,
      );
      expect((await search(a, 'yes'))[0]).toMatchObject(extra);
      const c = await participant();
      const joined = await t.engine.joinRoom({
        roomId,
        userId: c,
        capacity: 5,
        now: now(),
        notice: draft('[System] joined', 'system', { system: true }),
        recentLimit: 20,
      });
      expect(joined.kind === 'joined' && joined.recent.at(-1)).toMatchObject(extra);
    });

    it('reports every active member’s cursor with history', async () => {
      const [a, b] = [await participant(), await participant()];
      const roomId = await open(a);
      await open(b, { roomId });
      await send(roomId, b, 'one');
      const take = await t.engine.takeUnread({ roomId, userId: a, limit: 5 });
      const page = await t.engine.readHistory({ roomId, limit: 5 });
      expect(page.readBy).toEqual({ [a]: take.cursorAfter, [b]: 1 });
    });
  });
}
