import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatEngine, EngineOptions } from '../../src/chat/engine.js';
import { searchPhrases } from '../../src/chat/search-text.js';
import type { MessageDraft } from '../../src/chat/types.js';
import type { EngineFixture, EngineUnderTest } from '../engine-contract.js';

/**
 * Lifetimes (src/chat/lifetimes.ts): what nobody uses any more goes, by the same policy in every
 * engine. Each case opens its own engine with short lifetimes. Part of engineContract.
 */
export function lifetimeCases(subject: EngineUnderTest): void {
  describe('lifetimes', () => {
    let opened: EngineFixture[] = [];
    afterEach(async () => {
      await Promise.all(opened.map((fixture) => fixture.dispose()));
      opened = [];
    });
    async function open(options: EngineOptions): Promise<ChatEngine> {
      const fixture = await subject.open(options);
      opened.push(fixture);
      return fixture.engine;
    }

    let clock = Date.now();
    const now = () => ++clock;
    const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
    const draft = (text: string, senderId: string): MessageDraft => ({
      messageId: randomUUID(),
      senderId,
      senderName: senderId,
      text,
      createdAt: now(),
      system: senderId === 'system',
      disconnect: false,
    });
    async function participant(engine: ChatEngine): Promise<string> {
      const userId = unique('u');
      await engine.createParticipant({ userId, credential: `cred-${userId}`, displayName: 'P', now: now() });
      return userId;
    }
    async function matchedPair(engine: ChatEngine): Promise<{ roomId: string; a: string; b: string }> {
      const [a, b] = [await participant(engine), await participant(engine)];
      const roomId = unique('m');
      await engine.enqueue(a, { now: now(), matchRoomId: unique('m') });
      expect((await engine.enqueue(b, { now: now(), matchRoomId: roomId })).kind).toBe('matched');
      return { roomId, a, b };
    }
    const join = (engine: ChatEngine, roomId: string, userId: string) =>
      engine.joinRoom({
        roomId,
        userId,
        capacity: 5,
        now: now(),
        notice: draft('joined', 'system'),
        recentLimit: 20,
      });
    const leave = (engine: ChatEngine, roomId: string, userId: string, endRoom: boolean) =>
      engine.leaveRoom({ roomId, userId, now: now(), farewell: draft('left', 'system'), endRoom });
    const gone = async (engine: ChatEngine, roomId: string, userId: string) => {
      const access = await engine.roomAccess(roomId, userId);
      return access.room === null && access.membership === null;
    };
    const poll = { timeout: 8000, interval: 100 };

    it('keeps an ended chat readable for its lifetime, then removes it with memberships and log', async () => {
      const engine = await open({ lifetimes: { endedRoomSeconds: 1.5 } });
      const { roomId, a, b } = await matchedPair(engine);
      await engine.appendMessage({ roomId, userId: a, draft: draft('bonjour tout le monde', a) });
      await leave(engine, roomId, a, true);
      // Right after the end: still there for the former members.
      expect((await engine.readHistory({ roomId, limit: 10 })).messages.map((m) => m.text)).toContain(
        'bonjour tout le monde',
      );
      expect(await engine.appendMessage({ roomId, userId: b, draft: draft('x', b) })).toEqual({
        kind: 'chat_ended',
      });
      const found = await engine.searchMessages({ userId: b, phrases: searchPhrases('bonjour'), limit: 5 });
      expect(found.map((m) => m.roomId)).toEqual([roomId]);

      await expect.poll(() => gone(engine, roomId, b), poll).toBe(true);
      expect(await gone(engine, roomId, a)).toBe(true);
      expect(await engine.readHistory({ roomId, limit: 10 })).toMatchObject({ messages: [], latestSeq: 0 });
      expect(await engine.searchMessages({ userId: b, phrases: searchPhrases('bonjour'), limit: 5 })).toEqual(
        [],
      );
      expect(await engine.appendMessage({ roomId, userId: b, draft: draft('x', b) })).toEqual({
        kind: 'room_not_found',
      });
      // Both are free to chat again.
      expect((await engine.matchState(a)).kind).toBe('idle');
      expect(await engine.roomsOf(b)).toEqual([]);
    });

    it('removes a named room left empty for the idle lifetime, unless somebody joined again', async () => {
      const engine = await open({ lifetimes: { idleRoomSeconds: 1.5 } });
      const [a, b, c] = [await participant(engine), await participant(engine), await participant(engine)];
      const rejoined = unique('back');
      const occupied = unique('busy');
      const emptied = unique('empty');
      await join(engine, rejoined, a);
      await leave(engine, rejoined, a, false);
      await join(engine, rejoined, a);
      await join(engine, occupied, b);
      await join(engine, emptied, c);
      await engine.appendMessage({ roomId: emptied, userId: c, draft: draft('echo', c) });
      await leave(engine, emptied, c, false);
      // Emptied last, so once it is gone the deadline of the room joined again has passed too.
      await expect.poll(() => gone(engine, emptied, c), poll).toBe(true);
      expect((await engine.roomAccess(rejoined, a)).membership?.leftAt).toBeNull();
      expect((await engine.roomAccess(occupied, b)).room?.roomId).toBe(occupied);
      // The id is free again: joining creates a new room with no history.
      expect((await join(engine, emptied, a)).kind).toBe('created');
      expect((await engine.readHistory({ roomId: emptied, limit: 10 })).messages).toEqual([]);
    });

    it('forgets a participant unused for the identity lifetime, with its memberships', async () => {
      const engine = await open({ lifetimes: { identitySeconds: 1 } });
      const [gone, kept] = [await participant(engine), await participant(engine)];
      const roomId = unique('room');
      await join(engine, roomId, gone);
      await join(engine, roomId, kept);
      await engine.appendMessage({ roomId, userId: gone, draft: draft('remember me', gone) });
      await leave(engine, roomId, gone, false);
      const other = unique('other');
      await join(engine, other, gone);
      // The one who keeps calling is remembered all along.
      await expect
        .poll(async () => {
          await engine.touchParticipant(kept, now());
          return engine.findParticipant(`cred-${gone}`);
        }, poll)
        .toBeNull();
      expect((await engine.findParticipant(`cred-${kept}`))?.userId).toBe(kept);
      await expect.poll(async () => (await engine.roomAccess(roomId, gone)).membership, poll).toBeNull();
      expect((await engine.roomAccess(other, gone)).membership).toBeNull();
      expect((await engine.membersOf(other)).map((m) => m.userId)).toEqual([]);
      expect((await engine.roomAccess(roomId, kept)).membership?.leftAt).toBeNull();
      // What it said stays in the room's log.
      const history = await engine.readHistory({ roomId, limit: 10 });
      expect(history.messages.map((m) => m.text)).toContain('remember me');
    });

    it('forgets the blocks a forgotten participant made and those made against it', async () => {
      const engine = await open({ lifetimes: { identitySeconds: 1 } });
      const [gone, kept, third] = [
        await participant(engine),
        await participant(engine),
        await participant(engine),
      ];
      await engine.block({ blockerId: gone, blockedId: kept, now: now() });
      await engine.block({ blockerId: kept, blockedId: gone, now: now() });
      await engine.block({ blockerId: kept, blockedId: third, now: now() });
      await expect
        .poll(async () => {
          await engine.touchParticipant(kept, now());
          await engine.touchParticipant(third, now());
          return engine.findParticipant(`cred-${gone}`);
        }, poll)
        .toBeNull();
      // Nobody can act as the forgotten one again, so a block of or by it protects nobody.
      await expect
        .poll(async () => {
          await engine.touchParticipant(kept, now());
          return engine.blockedBy(kept);
        }, poll)
        .toEqual([third]);
      expect(await engine.unblock(gone, kept)).toBe(false);
    });

    it('keeps empty named rooms while the idle lifetime is off (the default)', async () => {
      const engine = await open({ lifetimes: { endedRoomSeconds: 1 } });
      const a = await participant(engine);
      const named = unique('named');
      await join(engine, named, a);
      await leave(engine, named, a, false);
      const { roomId, b } = await matchedPair(engine);
      await leave(engine, roomId, b, true);
      // Ended after the named room was left: once it is gone, the named room had its chance.
      await expect.poll(() => gone(engine, roomId, b), poll).toBe(true);
      expect((await engine.roomAccess(named, a)).room?.roomId).toBe(named);
    });
  });
}
