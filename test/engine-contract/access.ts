import { describe, expect, it } from 'vitest';
import type { JoinRequest } from '../../src/chat/engine.js';
import type { ContractContext } from './context.js';

/** Owners of participants, private rooms and their invites, limits on creating and waiting. */
export function accessCases(t: ContractContext): void {
  const { now, unique, participant, draft } = t;

  function join(roomId: string, userId: string, extra: Partial<JoinRequest> = {}) {
    return t.engine.joinRoom({
      roomId,
      userId,
      capacity: 3,
      now: now(),
      notice: draft('[System] joined', 'system', { system: true }),
      recentLimit: 20,
      ...extra,
    });
  }

  describe('access', () => {
    it('stores the owner of a participant, and null without one', async () => {
      const owned = unique('u');
      await t.engine.createParticipant({
        userId: owned,
        credential: `cred-${owned}`,
        displayName: 'A',
        now: now(),
        owner: 'sub:ada',
      });
      expect((await t.engine.findParticipant(`cred-${owned}`))?.owner).toBe('sub:ada');
      const open = await participant();
      expect((await t.engine.findParticipant(`cred-${open}`))?.owner).toBeNull();
    });

    it('creates a private room with its invite; strangers without it find no room, even when it is full', async () => {
      const [ann, bo, cy] = [await participant(), await participant(), await participant()];
      const roomId = unique('secret');
      const created = await join(roomId, ann, { visibility: 'private', newInvite: 'inv-1', capacity: 2 });
      expect(created).toMatchObject({ kind: 'created', room: { visibility: 'private', invite: 'inv-1' } });
      await t.send(roomId, ann, 'the plan');
      expect(await join(roomId, bo)).toEqual({ kind: 'room_not_found' });
      expect(await join(roomId, bo, { invite: 'inv-2' })).toEqual({ kind: 'room_not_found' });
      const joined = await join(roomId, bo, { invite: 'inv-1', createIfMissing: false });
      expect(joined.kind).toBe('joined');
      expect(joined.kind === 'joined' && joined.recent.map((m) => m.text)).toEqual(['the plan']);
      // Full now: still room_not_found for a stranger, so capacity says nothing about the room.
      expect(await join(roomId, cy, { invite: 'wrong' })).toEqual({ kind: 'room_not_found' });
      expect((await join(roomId, cy, { invite: 'inv-1' })).kind).toBe('room_full');
      expect((await join(roomId, ann)).kind).toBe('already_member');
    });

    it('never creates a room when asked only for an existing one', async () => {
      const ann = await participant();
      const roomId = unique('nothing');
      expect(await join(roomId, ann, { createIfMissing: false, invite: 'x' })).toEqual({
        kind: 'room_not_found',
      });
      expect((await t.engine.roomAccess(roomId, ann)).room).toBeNull();
    });

    it('keeps public rooms public: an invite is ignored and none is stored', async () => {
      const [ann, bo] = [await participant(), await participant()];
      const roomId = unique('open');
      const created = await join(roomId, ann, { newInvite: 'unused' });
      expect(created).toMatchObject({ room: { visibility: 'public', invite: null } });
      expect((await join(roomId, bo, { invite: 'anything' })).kind).toBe('joined');
    });

    it('counts creations per key in buckets of their own', async () => {
      const rule = { now: now(), ratePerSecond: 1 / 60, burst: 2 };
      const key = unique('sub');
      expect(await t.engine.takeCreationToken(key, rule)).toBe(true);
      expect(await t.engine.takeCreationToken(key, rule)).toBe(true);
      expect(await t.engine.takeCreationToken(key, rule)).toBe(false);
      expect(await t.engine.takeCreationToken(unique('sub'), rule)).toBe(true);
      expect(await t.engine.takeSendToken(key, rule)).toBe(true);
    });

    it('holds up to max waits per participant and hands back the oldest beyond it', async () => {
      const userId = await participant();
      const hold = (waitId: string, at: number) =>
        t.engine.holdWait({ userId, waitId, now: at, max: 2, maxAgeMs: 60_000 });
      const start = now();
      expect(await hold('w1', start)).toEqual([]);
      expect(await hold('w2', start + 1)).toEqual([]);
      expect(await hold('w3', start + 2)).toEqual(['w1']);
      await t.engine.releaseWait(userId, 'w2');
      expect(await hold('w4', start + 3)).toEqual([]);
      expect(await hold('w5', start + 4)).toEqual(['w3']);
      // Waits older than the max age are forgotten, not superseded (their instance went away).
      expect(await hold('w6', start + 120_000)).toEqual([]);
      await t.engine.releaseWait(userId, 'never-held');
    });
  });
}
