import { describe, expect, it } from 'vitest';
import type { ChatEngine, EnqueueOutcome, MatchRequest } from '../../src/chat/engine.js';
import type { ContractContext } from './context.js';

const WAIT_MS = 10_000;
const TAGS = [
  'chess',
  'go',
  'rust',
  'jazz',
  'hiking',
  'poetry',
  'f1',
  'cooking',
  'llms',
  'birds',
  'cats',
  'tea',
];

/** A small deterministic generator (mulberry32), so a failing interest set can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const shares = (a: readonly string[], b: readonly string[]) => a.some((tag) => b.includes(tag));

/** Matching by interests, blocks and the last partner (chat/safety-port.ts, `MatchRequest`). */
export function matchingCases(t: ContractContext): void {
  const { unique, participant } = t;
  const request = (now: number, interests: string[] = []): MatchRequest => ({
    now,
    matchRoomId: unique('match'),
    interests,
    interestWaitMs: WAIT_MS,
  });
  /** Who is matched with whom, as each one's matchState tells it. */
  const partnerOf = async (engine: ChatEngine, userId: string) => {
    const state = await engine.matchState(userId);
    return state.kind === 'matched' ? { partner: state.partner.userId, room: state.room.roomId } : null;
  };

  describe('matching by interests', () => {
    it('matches 200 arrivals on two instances by a shared tag only, nobody twice, then anyone after the wait', async () => {
      const engines = [t.engine, await t.sibling()];
      const next = random(15);
      const users: { userId: string; tags: string[] }[] = [];
      for (let i = 0; i < 200; i++) {
        const count = Math.floor(next() * 4);
        const tags = [
          ...new Set(Array.from({ length: count }, () => TAGS[Math.floor(next() * TAGS.length)] as string)),
        ];
        users.push({ userId: await participant(`P${i}`), tags: tags.sort() });
      }
      const tagsOf = new Map(users.map((user) => [user.userId, user.tags]));
      const t0 = 1_800_000_000_000;
      const outcomes = await Promise.all(
        users.map((user, i) => (engines[i % 2] as ChatEngine).enqueue(user.userId, request(t0, user.tags))),
      );
      for (const [i, outcome] of outcomes.entries()) {
        if (outcome.kind !== 'matched') continue;
        const mine = users[i]?.tags ?? [];
        const theirs = tagsOf.get(outcome.partner.userId) ?? [];
        // Nobody has waited yet: a match is a shared tag, or two participants without interests.
        expect(outcome.sharedInterests).toEqual(mine.filter((tag) => theirs.includes(tag)));
        if (mine.length > 0 || theirs.length > 0) expect(outcome.sharedInterests.length).toBeGreaterThan(0);
      }
      const checkPairs = async () => {
        const pairs = new Map<string, { partner: string; room: string } | null>();
        for (const user of users) pairs.set(user.userId, await partnerOf(t.engine, user.userId));
        const rooms = new Map<string, string[]>();
        for (const [userId, pair] of pairs) {
          if (!pair) continue;
          expect(pair.partner).not.toBe(userId);
          expect(pairs.get(pair.partner)).toEqual({ partner: userId, room: pair.room });
          rooms.set(pair.room, [...(rooms.get(pair.room) ?? []), userId]);
        }
        // Each room holds exactly its two; nobody is in two rooms (matchState names one room each).
        for (const members of rooms.values()) expect(members).toHaveLength(2);
        return [...pairs].filter(([, pair]) => pair === null).map(([userId]) => userId);
      };
      const waiting = await checkPairs();
      // Nobody left waiting was passed over: no two of them could have been matched.
      for (const [i, a] of waiting.entries()) {
        for (const b of waiting.slice(i + 1)) {
          const [ta, tb] = [tagsOf.get(a) ?? [], tagsOf.get(b) ?? []];
          expect(shares(ta, tb) || (ta.length === 0 && tb.length === 0)).toBe(false);
        }
      }
      expect(waiting.length).toBeGreaterThan(1);
      // After the wait, anyone will do: the second look pairs all but one at most.
      const later = t0 + WAIT_MS;
      const overdue = await t.engine.overdueInQueue(later, 500);
      expect(overdue.sort()).toEqual([...waiting].sort());
      await Promise.all(
        overdue.map((userId, i) => (engines[i % 2] as ChatEngine).rematch(userId, request(later))),
      );
      const left = await checkPairs();
      expect(left.length).toBe(waiting.length % 2);
    });

    it('does not match the last partners again while someone else suitable waits; alone, after the wait', async () => {
      const [ann, bob, xia] = [await participant('Ann'), await participant('Bob'), await participant('Xia')];
      const first = await t.engine.enqueue(ann, request(1000));
      expect(first.kind).toBe('waiting');
      const pair = (await t.engine.enqueue(bob, request(1001))) as Extract<
        EnqueueOutcome,
        { kind: 'matched' }
      >;
      expect(pair.kind).toBe('matched');
      expect(pair.sharedInterests).toEqual([]);
      await t.engine.leaveRoom({
        roomId: pair.room.roomId,
        userId: bob,
        now: 1002,
        farewell: t.draft('[System] left', 'system', { system: true }),
        endRoom: true,
      });
      // Xia waits for chess; Bob and Ann come back.
      expect((await t.engine.enqueue(xia, request(2000, ['chess']))).kind).toBe('waiting');
      expect((await t.engine.enqueue(bob, request(2001))).kind).toBe('waiting');
      expect((await t.engine.enqueue(ann, request(2002))).kind).toBe('waiting');
      // After the wait Ann takes Xia, who now accepts anyone, rather than Bob.
      const second = await t.engine.rematch(ann, request(2002 + WAIT_MS));
      expect(second).toMatchObject({ kind: 'matched', partner: { userId: xia } });
      // Nobody else comes: Bob's next look finds nobody; with Ann back after the wait, they pair.
      expect((await t.engine.rematch(bob, request(2003 + WAIT_MS))).kind).toBe('already_waiting');
      const room = (second as Extract<EnqueueOutcome, { kind: 'matched' }>).room.roomId;
      await t.engine.leaveRoom({
        roomId: room,
        userId: xia,
        now: 20_000,
        farewell: t.draft('[System] left', 'system', { system: true }),
        endRoom: true,
      });
      // Ann's last partner is now Xia, but Bob's is still Ann: not at once, only after the wait.
      expect((await t.engine.enqueue(ann, request(20_001))).kind).toBe('waiting');
      expect(await t.engine.rematch(ann, request(20_001 + WAIT_MS))).toMatchObject({
        kind: 'matched',
        partner: { userId: bob },
      });
    });

    it('pairs last partners with each other once both waited, when nobody else is there', async () => {
      const [ann, bob] = [await participant('Ann'), await participant('Bob')];
      await t.engine.enqueue(ann, request(1000));
      const pair = (await t.engine.enqueue(bob, request(1001))) as Extract<
        EnqueueOutcome,
        { kind: 'matched' }
      >;
      await t.engine.leaveRoom({
        roomId: pair.room.roomId,
        userId: ann,
        now: 1002,
        farewell: t.draft('[System] left', 'system', { system: true }),
        endRoom: true,
      });
      expect((await t.engine.enqueue(ann, request(3000))).kind).toBe('waiting');
      expect((await t.engine.enqueue(bob, request(3001))).kind).toBe('waiting');
      expect((await t.engine.rematch(bob, request(3000 + WAIT_MS))).kind).toBe('already_waiting');
      expect(await t.engine.rematch(bob, request(3001 + WAIT_MS))).toMatchObject({
        kind: 'matched',
        partner: { userId: ann },
      });
    });

    it('never matches two participants of whom one blocked the other; rematch leaves the unqueued alone', async () => {
      const [ann, bob] = [await participant('Ann'), await participant('Bob')];
      await t.engine.block({ blockerId: bob, blockedId: ann, now: 1 });
      expect((await t.engine.enqueue(ann, request(1000, ['go']))).kind).toBe('waiting');
      expect((await t.engine.enqueue(bob, request(1001, ['go']))).kind).toBe('waiting');
      expect((await t.engine.rematch(ann, request(1000 + 5 * WAIT_MS))).kind).toBe('already_waiting');
      expect(await t.engine.unblock(bob, ann)).toBe(true);
      expect(await t.engine.rematch(ann, request(1002))).toMatchObject({
        kind: 'matched',
        partner: { userId: bob },
        sharedInterests: ['go'],
      });
      const cid = await participant('Cid');
      expect(await t.engine.rematch(cid, request(1003))).toEqual({ kind: 'not_queued' });
      expect(await t.engine.matchState(cid)).toEqual({ kind: 'idle' });
    });
  });
}

/** Blocks hide messages; bans and reports are kept for operators. */
export function safetyCases(t: ContractContext): void {
  const { participant, namedRoom, send } = t;
  describe('blocks, bans and reports', () => {
    it("hides the blocked one's messages from the blocker only, without losing what comes after", async () => {
      const [ann, bob, cid] = [await participant('Ann'), await participant('Bob'), await participant('Cid')];
      const roomId = await namedRoom(3, ann, bob, cid);
      for (const userId of [ann, bob, cid]) await t.engine.takeUnread({ roomId, userId, limit: 50 });
      await t.engine.block({ blockerId: ann, blockedId: bob, now: t.now() });
      await t.engine.block({ blockerId: ann, blockedId: bob, now: t.now() });
      expect(await t.engine.blockedBy(ann)).toEqual([bob]);
      const hidden = await send(roomId, bob, 'you will not see this');
      expect(hidden.kind === 'stored' && hidden.recipients).toEqual([cid]);
      expect(await t.engine.unreadSummary(ann)).toEqual([]);
      expect((await t.engine.roomsOf(ann))[0]?.unread).toBe(0);
      const seen = await send(roomId, cid, 'but this');
      expect((await t.engine.unreadSummary(ann))[0]).toMatchObject({
        count: 1,
        latest: { text: 'but this' },
      });
      const take = await t.engine.takeUnread({ roomId, userId: ann, limit: 50 });
      expect(take.messages.map((m) => m.text)).toEqual(['but this']);
      expect(take.cursorAfter).toBe(seen.message.seq);
      const third = await t.engine.takeUnread({ roomId, userId: cid, limit: 50 });
      expect(third.messages.map((m) => m.text)).toEqual(['you will not see this']);
      const bobs = await t.engine.takeUnread({ roomId, userId: bob, limit: 50 });
      expect(bobs.messages.map((m) => m.text)).toEqual(['but this']);
      await send(roomId, bob, 'hidden and counted nowhere');
      // Ann's own message while blocking: the O(1) count after the unblock must still leave it out.
      await send(roomId, ann, 'mine');
      expect(await t.engine.markRead({ roomId, userId: ann, seq: seen.message.seq })).toMatchObject({
        remaining: 0,
      });
      expect(await t.engine.unblock(ann, bob)).toBe(true);
      expect(await t.engine.unblock(ann, bob)).toBe(false);
      await send(roomId, bob, 'visible again');
      // Blocking nobody again, the count is O(1) (lastSeq - cursor - own) and agrees with the log.
      expect((await t.engine.unreadSummary(ann))[0]).toMatchObject({
        count: 2,
        latest: { text: 'visible again' },
      });
      expect((await t.engine.roomsOf(ann))[0]?.unread).toBe(2);
      const after = await t.engine.takeUnread({ roomId, userId: ann, limit: 50 });
      expect(after.messages.map((m) => m.text)).toEqual(['hidden and counted nowhere', 'visible again']);
    });

    it('bans: out of the queue, marked on the participant, once; unban lifts it', async () => {
      const ann = await participant('Ann');
      await t.engine.enqueue(ann, { now: 1, matchRoomId: t.unique('m'), interests: ['go'] });
      expect(await t.engine.ban({ userId: ann, reason: 'spam', now: 5 })).toBe(true);
      expect(await t.engine.ban({ userId: ann, reason: 'again', now: 6 })).toBe(false);
      expect(await t.engine.banOf(ann)).toEqual({ userId: ann, reason: 'spam', bannedAt: 5 });
      expect(await t.engine.matchState(ann)).toEqual({ kind: 'idle' });
      expect(await t.engine.overdueInQueue(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
      expect((await t.engine.findParticipant(`cred-${ann}`))?.banned).toBe(true);
      expect(await t.engine.unban(ann)).toBe(true);
      expect(await t.engine.unban(ann)).toBe(false);
      expect(await t.engine.banOf(ann)).toBeNull();
      expect((await t.engine.findParticipant(`cred-${ann}`))?.banned).toBeUndefined();
    });

    it('keeps reports, newest first', async () => {
      const [ann, bob] = [await participant('Ann'), await participant('Bob')];
      const base = { reporterId: ann, reportedId: bob, roomId: null, messageIds: [] as string[] };
      await t.engine.fileReport({ ...base, reportId: 'r1', reason: 'first', createdAt: 10 });
      await t.engine.fileReport({
        ...base,
        reportId: 'r2',
        reason: 'second',
        createdAt: 20,
        roomId: 'x',
        messageIds: ['m1'],
      });
      const reports = await t.engine.listReports(10);
      expect(reports.map((r) => r.reportId)).toEqual(['r2', 'r1']);
      expect(reports[0]).toEqual({
        ...base,
        reportId: 'r2',
        reason: 'second',
        createdAt: 20,
        roomId: 'x',
        messageIds: ['m1'],
      });
      expect(await t.engine.listReports(1)).toHaveLength(1);
    });
  });
}
