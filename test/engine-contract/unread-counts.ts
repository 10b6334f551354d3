import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { ChatEngine } from '../../src/chat/engine.js';
import type { MessageDraft } from '../../src/chat/types.js';

/**
 * Drives one room through sends from both members, partial takes, marks and a rewind, and after
 * every step compares each count the engine keeps (unreadSummary, roomsOf, markRead's remaining)
 * with the log read in full: what engines count without reading the log must agree with it.
 */
export async function unreadCountsAgreeWithTheLog(engine: ChatEngine): Promise<void> {
  let clock = Date.now();
  const draft = (text: string, senderId: string): MessageDraft => ({
    messageId: randomUUID(),
    senderId,
    senderName: senderId,
    text,
    createdAt: ++clock,
    system: senderId === 'system',
    disconnect: false,
  });
  const [ann, bob] = [`u-${randomUUID().slice(0, 8)}`, `u-${randomUUID().slice(0, 8)}`];
  for (const userId of [ann, bob])
    await engine.createParticipant({
      userId,
      credential: `cred-${userId}`,
      displayName: userId,
      now: ++clock,
    });
  const roomId = `room-${randomUUID().slice(0, 8)}`;
  for (const userId of [ann, bob]) {
    await engine.joinRoom({
      roomId,
      userId,
      capacity: 2,
      now: ++clock,
      notice: draft('joined', 'system'),
      recentLimit: 5,
    });
  }
  const send = (userId: string, n: number) =>
    (async () => {
      for (let i = 0; i < n; i++)
        await engine.appendMessage({ roomId, userId, draft: draft(`${userId}-${i}`, userId) });
    })();

  async function check(step: string): Promise<void> {
    for (const userId of [ann, bob]) {
      const cursor = (await engine.roomAccess(roomId, userId)).membership?.cursor ?? 0;
      const log = (await engine.readHistory({ roomId, limit: 100 })).messages;
      const unread = log.filter((m) => m.seq > cursor && m.senderId !== userId);
      const summary = (await engine.unreadSummary(userId)).find((room) => room.roomId === roomId);
      expect(summary?.count ?? 0, `${step}: count for ${userId}`).toBe(unread.length);
      expect(summary?.latest.seq, `${step}: newest for ${userId}`).toBe(unread.at(-1)?.seq);
      const listed = (await engine.roomsOf(userId)).find((room) => room.roomId === roomId);
      expect(listed?.unread, `${step}: roomsOf for ${userId}`).toBe(unread.length);
    }
  }

  await check('after the joins');
  await send(bob, 3);
  await send(ann, 4);
  await check('after runs from both');
  const taken = await engine.takeUnread({ roomId, userId: ann, limit: 2 });
  await check('after a partial take');
  await engine.rewindCursor({ roomId, userId: ann, from: taken.cursorAfter, to: taken.cursorBefore });
  await check('after a rewind');
  await send(bob, 2);
  await send(ann, 1);
  const middle = (await engine.readHistory({ roomId, limit: 100 })).latestSeq - 2;
  const marked = await engine.markRead({ roomId, userId: ann, seq: middle });
  await check('after marking up to the middle');
  const cursor = (await engine.roomAccess(roomId, ann)).membership?.cursor ?? 0;
  const log = (await engine.readHistory({ roomId, limit: 100 })).messages;
  expect(marked).toEqual({
    kind: 'marked',
    cursor,
    remaining: log.filter((m) => m.seq > cursor && m.senderId !== ann).length,
  });
  await engine.takeUnread({ roomId, userId: bob, limit: 50 });
  await engine.takeUnread({ roomId, userId: ann, limit: 50 });
  await check('after taking everything');
  await send(ann, 3);
  await send(bob, 1);
  await send(ann, 2);
  await check('after more runs');
  const last = (await engine.readHistory({ roomId, limit: 1 })).latestSeq;
  await engine.markRead({ roomId, userId: bob, seq: last });
  await check('after marking all read');
}
