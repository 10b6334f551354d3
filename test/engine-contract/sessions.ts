import { describe, expect, it } from 'vitest';
import type { SessionSignal } from '../../src/chat/session-records.js';
import { until } from '../support/poll.js';
import type { ContractContext } from './context.js';

const HOUR = 3_600_000;
const WINDOW = { maxAgeMs: HOUR, maxEvents: 3 };

/** 2025-era session records (chat/session-records.ts): what lets any instance serve any session. */
export function sessionsCases(t: ContractContext): void {
  const { unique } = t;
  const record = (ownerKey: string, now = Date.now()) => ({
    sessionId: unique('s'),
    ownerKey,
    subject: 'alice',
    initialize: JSON.stringify({ protocolVersion: '2025-06-18', clientInfo: { name: 'c', version: '1' } }),
    now,
  });
  const policy = { maxPerOwner: 2, ttlMs: HOUR };

  describe('session records', () => {
    it('keeps what a session needs to be rebuilt: initialize, owner, log level and bound participants', async () => {
      const opened = record(unique('owner'));
      expect(await t.engine.sessions.open(opened, policy)).toBe(true);
      await t.engine.sessions.bind(opened.sessionId, 'u1', 2);
      await t.engine.sessions.bind(opened.sessionId, 'u2', 2);
      await t.engine.sessions.bind(opened.sessionId, 'u1', 2);
      await t.engine.sessions.bind(opened.sessionId, 'u3', 2);
      await t.engine.sessions.setLogLevel(opened.sessionId, 'warning');
      const later = Date.now() + 1000;
      expect(await t.engine.sessions.touch(opened.sessionId, later, HOUR)).toMatchObject({
        sessionId: opened.sessionId,
        ownerKey: opened.ownerKey,
        subject: 'alice',
        initialize: opened.initialize,
        logLevel: 'warning',
        userIds: ['u1', 'u2'],
        lastActiveAt: later,
      });
      expect(await t.engine.sessions.touch(unique('s'), later, HOUR)).toBeNull();
    });

    it('caps the sessions one owner holds, counting only those not ended', async () => {
      const owner = unique('owner');
      const [a, b, c] = [record(owner), record(owner), record(owner)];
      expect(await t.engine.sessions.open(a, policy)).toBe(true);
      expect(await t.engine.sessions.open(b, policy)).toBe(true);
      expect(await t.engine.sessions.open(c, policy)).toBe(false);
      expect(await t.engine.sessions.touch(c.sessionId, Date.now(), HOUR)).toBeNull();
      expect(await t.engine.sessions.open(record(unique('other')), policy)).toBe(true);
      expect(await t.engine.sessions.end(a.sessionId)).toBe(true);
      expect(await t.engine.sessions.end(a.sessionId)).toBe(false);
      expect(await t.engine.sessions.touch(a.sessionId, Date.now(), HOUR)).toBeNull();
      expect(await t.engine.sessions.open(c, policy)).toBe(true);
    });

    it('forgets a session after its TTL without activity, and then counts a new one for its owner', async () => {
      const owner = unique('owner');
      const short = { maxPerOwner: 1, ttlMs: 300 };
      const first = record(owner);
      expect(await t.engine.sessions.open(first, short)).toBe(true);
      expect(await t.engine.sessions.count(Date.now())).toBe(1);
      await until(
        async () => ((await t.engine.sessions.count(Date.now())) === 0 ? true : undefined),
        () => 'the session to expire',
      );
      expect(await t.engine.sessions.touch(first.sessionId, Date.now(), 300)).toBeNull();
      expect(await t.engine.sessions.open(record(owner), short)).toBe(true);
    });

    it('numbers replay events per session, keeps the newest within bounds, and drops them with the session', async () => {
      const opened = record(unique('owner'));
      await t.engine.sessions.open(opened, policy);
      const at = Date.now();
      const seqs: number[] = [];
      for (const n of [1, 2, 3, 4, 5]) {
        const streamId = n === 3 ? 'other' : '_GET_stream';
        seqs.push(
          await t.engine.sessions.appendEvent(opened.sessionId, { streamId, message: `m${n}`, at }, WINDOW),
        );
      }
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect(new Set(seqs).size).toBe(5);
      const kept = await t.engine.sessions.eventsAfter(opened.sessionId, '_GET_stream', 0);
      expect(kept.map((event) => event.message)).toEqual(['m4', 'm5']);
      const after4 = await t.engine.sessions.eventsAfter(opened.sessionId, '_GET_stream', seqs[3] as number);
      expect(after4.map((event) => event.message)).toEqual(['m5']);
      await t.engine.sessions.appendEvent(
        opened.sessionId,
        { streamId: '_GET_stream', message: 'late', at: at + HOUR + 1 },
        WINDOW,
      );
      const aged = await t.engine.sessions.eventsAfter(opened.sessionId, '_GET_stream', 0);
      expect(aged.map((event) => event.message)).toEqual(['late']);
      await t.engine.sessions.end(opened.sessionId);
      expect(await t.engine.sessions.eventsAfter(opened.sessionId, '_GET_stream', 0)).toEqual([]);
    });

    it("delivers a session's signals to its listeners only", async () => {
      const heard: SessionSignal[] = [];
      const [mine, theirs] = [unique('s'), unique('s')];
      const stop = t.engine.sessions.onSignal(mine, (signal) => heard.push(signal));
      // The subscription may need a moment to go live (Redis): send until one arrives.
      await until(
        async () => {
          await t.engine.sessions.signal(theirs, { kind: 'ended' });
          await t.engine.sessions.signal(mine, { kind: 'cancel', requestId: 7, reason: 'no' });
          return heard.length > 0 ? true : undefined;
        },
        () => 'a signal',
      );
      expect(heard.every((signal) => signal.kind === 'cancel' && signal.requestId === 7)).toBe(true);
      stop();
    });
  });
}
