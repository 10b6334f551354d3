import { afterAll, describe, expect, it } from 'vitest';
import { type ChatClient, connect, type Era } from './support/clients.js';
import { sharedTestServer, untilParked } from './support/server.js';

const server = sharedTestServer();
const open: ChatClient[] = [];
afterAll(async () => {
  await Promise.allSettled(open.map((client) => client.close()));
});

async function client(era: Era): Promise<ChatClient> {
  const c = await connect(server.mcpUrl, era);
  open.push(c);
  return c;
}

/** Two clients matched through the queue, as the contract's main path does it. */
async function matchedPair(era: Era) {
  const a = await client(era);
  const b = await client(era);
  // The queue is shared by every test in this file; each test leaves it empty.
  const ann = await a.call('enter_queue', { display_name: 'Ann' });
  if (ann.status === 'matched') throw new Error('queue was not empty');
  const bob = await b.call('enter_queue', { display_name: 'Bob' });
  expect(bob.status).toBe('matched');
  const roomId = bob.room_id as string;
  return { a, b, ann, bob, roomId, annId: ann.client_id as string, bobId: bob.client_id as string };
}

const ERAS: Era[] = ['modern', 'legacy', 'sdk1'];

describe.each<Era>(ERAS)('a conversation (%s era)', (era) => {
  it('queues, matches, talks and leaves; the partner hears the leave and the room is over', async () => {
    const { a, b, ann, bob, roomId, annId, bobId } = await matchedPair(era);
    expect(ann).toMatchObject({ status: 'waiting', position: 1, queue_length: 1, display_name: 'Ann' });
    expect(ann.client_id).toMatch(/^c_[A-Za-z0-9_-]{32}$/);
    expect(bob).toMatchObject({ status: 'matched', partner: { user_id: ann.user_id, display_name: 'Ann' } });
    expect(JSON.stringify(bob)).not.toContain(annId);

    const match = await a.call('wait_for_match', { client_id: annId, timeout: 5 });
    expect(match).toMatchObject({ status: 'matched', room_id: roomId, partner: { user_id: bob.user_id } });

    const sent = await a.call('send_message', { room_id: roomId, client_id: annId, message: 'Hello Bob' });
    expect(sent).toMatchObject({ success: true, seq: 1 });
    expect(Date.parse(sent.timestamp as string)).not.toBeNaN();
    const got = await b.call('wait_for_message', { room_id: roomId, client_id: bobId, timeout: 5 });
    expect(got).toMatchObject({
      message: 'Hello Bob',
      sender: 'Ann',
      sender_id: ann.user_id,
      message_id: sent.message_id,
      seq: 1,
      timestamp: sent.timestamp,
    });
    expect(got.messages).toEqual([
      {
        message: 'Hello Bob',
        sender: 'Ann',
        sender_id: ann.user_id,
        timestamp: sent.timestamp,
        message_id: sent.message_id,
        seq: 1,
      },
    ]);

    // Ann parks; Bob leaves; Ann's wait returns the leave notice.
    const parked = a.call('wait_for_message', { room_id: roomId, client_id: annId, timeout: 10 });
    await b.call('leave_chat', { room_id: roomId, client_id: bobId });
    expect(await parked).toMatchObject({
      message: '[System] Your chat partner has left the conversation.',
      sender: 'System',
      system: true,
      disconnect: true,
      seq: 2,
    });
    for (const [who, id] of [
      [a, annId],
      [b, bobId],
    ] as const) {
      expect(
        await who.fail('send_message', { room_id: roomId, client_id: id, message: 'anyone?' }),
      ).toMatchObject({
        success: false,
        code: 'chat_ended',
      });
      expect(
        await who.fail('wait_for_message', { room_id: roomId, client_id: id, timeout: 1 }),
      ).toMatchObject({
        code: 'chat_ended',
      });
      expect(await who.fail('leave_chat', { room_id: roomId, client_id: id })).toMatchObject({
        code: 'chat_ended',
      });
    }
    // The transcript stays readable to both, and both can queue again.
    const history = await a.call('get_messages', { room_id: roomId, client_id: annId });
    expect((history.messages as { message: string }[]).map((m) => m.message)).toEqual([
      'Hello Bob',
      '[System] Your chat partner has left the conversation.',
    ]);
    expect(await a.call('enter_queue', { client_id: annId })).toMatchObject({
      status: 'waiting',
      user_id: ann.user_id,
    });
    // No instant rematch: the two of them are not paired again while the interest wait lasts.
    expect(await b.call('enter_queue', { client_id: bobId })).toMatchObject({ status: 'waiting' });
    await a.call('leave_queue', { client_id: annId });
    await b.call('leave_queue', { client_id: bobId });
  });

  it('hands every message sent while nobody waited to the next wait, in order, once', async () => {
    const { a, b, roomId, annId, bobId } = await matchedPair(era);
    const texts = Array.from({ length: 7 }, (_, i) => `message ${i + 1}`);
    for (const text of texts)
      await a.call('send_message', { room_id: roomId, client_id: annId, message: text });
    const got = await b.call('wait_for_message', { room_id: roomId, client_id: bobId, timeout: 5 });
    expect((got.messages as { message: string }[]).map((m) => m.message)).toEqual(texts);
    expect(got.message).toBe('message 1');
    expect(await b.call('wait_for_message', { room_id: roomId, client_id: bobId, timeout: 1 })).toEqual({
      timeout: true,
      message: 'No message received within timeout period',
    });
    // Own messages never come back to their sender.
    expect(await a.call('wait_for_message', { room_id: roomId, client_id: annId, timeout: 1 })).toMatchObject(
      {
        timeout: true,
      },
    );
    await a.call('leave_chat', { room_id: roomId, client_id: annId });
  });

  it('wakes a wait parked before the send, and a cancelled wait takes nothing', async () => {
    const { a, b, roomId, annId, bobId } = await matchedPair(era);
    const parked = b.call('wait_for_message', { room_id: roomId, client_id: bobId, timeout: 30 });
    await untilParked(server, 1);
    await a.call('send_message', { room_id: roomId, client_id: annId, message: 'wake up' });
    expect(await parked).toMatchObject({ message: 'wake up', seq: 1 });

    // Bob parks, then gives up (AbortSignal: the client cancels); Ann speaks after the cancel.
    const controller = new AbortController();
    const cancelled = b.raw(
      'wait_for_message',
      { room_id: roomId, client_id: bobId, timeout: 30 },
      {
        signal: controller.signal,
      },
    );
    await untilParked(server, 1);
    controller.abort();
    await expect(cancelled).rejects.toThrow();
    await a.call('send_message', { room_id: roomId, client_id: annId, message: 'after the cancel' });
    const next = await b.call('wait_for_message', { room_id: roomId, client_id: bobId, timeout: 5 });
    expect((next.messages as { message: string }[]).map((m) => m.message)).toEqual(['after the cancel']);
    await a.call('leave_chat', { room_id: roomId, client_id: annId });
  });
});

describe('named rooms', () => {
  it('lets a 2026-07-28 client and a 2025-era client talk in the same room', async () => {
    const modern = await client('modern');
    const legacy = await client('sdk1');
    const created = await modern.call('join_room', { room_id: 'mixed-eras', display_name: 'Nova' });
    expect(created).toMatchObject({
      status: 'room_created',
      room_id: 'mixed-eras',
      capacity: 2,
      members: [{ display_name: 'Nova' }],
      message: 'New room created, waiting for another user to join',
    });
    await modern.call('send_message', {
      room_id: 'mixed-eras',
      client_id: created.client_id,
      message: 'anyone from 2025?',
    });
    const joined = await legacy.call('join_room', { room_id: 'mixed-eras', display_name: 'Lex' });
    expect(joined).toMatchObject({
      status: 'joined',
      partner: { user_id: created.user_id, display_name: 'Nova' },
      members: [{ display_name: 'Nova' }, { display_name: 'Lex' }],
      recent_messages: [{ message: 'anyone from 2025?', sender: 'Nova', seq: 1 }],
    });
    // Nova hears the join notice; Lex does not receive what was said before joining twice.
    const notice = await modern.call('wait_for_message', {
      room_id: 'mixed-eras',
      client_id: created.client_id,
      timeout: 5,
    });
    expect(notice).toMatchObject({ message: '[System] Lex has joined the chat.', system: true, seq: 2 });
    expect(notice.disconnect).toBeUndefined();
    const parked = legacy.call('wait_for_message', {
      room_id: 'mixed-eras',
      client_id: joined.client_id,
      timeout: 10,
    });
    await modern.call('send_message', {
      room_id: 'mixed-eras',
      client_id: created.client_id,
      message: 'hello Lex',
    });
    expect(await parked).toMatchObject({ message: 'hello Lex', sender: 'Nova', seq: 3 });
    await legacy.call('send_message', {
      room_id: 'mixed-eras',
      client_id: joined.client_id,
      message: 'hello Nova',
    });
    expect(
      await modern.call('wait_for_message', {
        room_id: 'mixed-eras',
        client_id: created.client_id,
        timeout: 5,
      }),
    ).toMatchObject({ message: 'hello Nova', sender: 'Lex', seq: 4 });
  });

  it('keeps a larger room going when one member leaves, and reopens an emptied room with its history', async () => {
    const [x, y, z] = [await client('modern'), await client('legacy'), await client('modern')];
    const room = 'three-of-us';
    const xs = await x.call('join_room', { room_id: room, display_name: 'Xena', capacity: 3 });
    const ys = await y.call('join_room', { room_id: room, display_name: 'Yuri' });
    const zs = await z.call('join_room', { room_id: room, display_name: 'Zoe' });
    expect(zs).toMatchObject({ status: 'joined', capacity: 3, partner: null });
    expect(zs.members).toHaveLength(3);
    const again = await z.call('join_room', { room_id: room, display_name: 'Zoe', client_id: zs.client_id });
    expect(again).toMatchObject({ status: 'joined', client_id: zs.client_id, user_id: zs.user_id });
    expect(again.members).toHaveLength(3);

    await z.call('leave_chat', { room_id: room, client_id: zs.client_id });
    const heard = await x.call('wait_for_message', { room_id: room, client_id: xs.client_id, timeout: 5 });
    expect((heard.messages as { message: string; disconnect?: boolean }[]).map((m) => m.message)).toEqual([
      '[System] Yuri has joined the chat.',
      '[System] Zoe has joined the chat.',
      '[System] Zoe has left the chat.',
    ]);
    expect(
      await z.fail('send_message', { room_id: room, client_id: zs.client_id, message: 'x' }),
    ).toMatchObject({
      code: 'not_in_room',
    });
    await x.call('send_message', { room_id: room, client_id: xs.client_id, message: 'still here' });
    expect(
      await y.call('wait_for_message', { room_id: room, client_id: ys.client_id, timeout: 5 }),
    ).toMatchObject({
      messages: [
        { message: '[System] Zoe has joined the chat.' },
        { message: '[System] Zoe has left the chat.' },
        { message: 'still here', sender: 'Xena' },
      ],
    });
    await x.call('leave_chat', { room_id: room, client_id: xs.client_id });
    await y.call('leave_chat', { room_id: room, client_id: ys.client_id });
    const back = await z.call('join_room', { room_id: room, display_name: 'Zoe', client_id: zs.client_id });
    expect(back).toMatchObject({ status: 'joined', partner: null, members: [{ display_name: 'Zoe' }] });
    expect((back.recent_messages as { message: string }[]).map((m) => m.message)).toContain('still here');
  });

  it('returns messages again after `after` without moving the cursor back', async () => {
    const [p, q] = [await client('modern'), await client('modern')];
    const ps = await p.call('join_room', { room_id: 'replay', display_name: 'P' });
    const qs = await q.call('join_room', { room_id: 'replay', display_name: 'Q' });
    for (const text of ['one', 'two', 'three']) {
      await p.call('send_message', { room_id: 'replay', client_id: ps.client_id, message: text });
    }
    const first = await q.call('wait_for_message', {
      room_id: 'replay',
      client_id: qs.client_id,
      timeout: 5,
    });
    expect((first.messages as unknown[]).length).toBe(3);
    const replay = await q.call('wait_for_message', {
      room_id: 'replay',
      client_id: qs.client_id,
      after: 2,
      timeout: 5,
    });
    expect((replay.messages as { message: string }[]).map((m) => m.message)).toEqual(['two', 'three']);
    expect(
      await q.call('wait_for_message', { room_id: 'replay', client_id: qs.client_id, timeout: 1 }),
    ).toMatchObject({
      timeout: true,
    });
  });

  it('stores a retried send once under the same idempotency key', async () => {
    const [p, q] = [await client('legacy'), await client('modern')];
    const ps = await p.call('join_room', { room_id: 'retry', display_name: 'P' });
    const qs = await q.call('join_room', { room_id: 'retry', display_name: 'Q' });
    const args = {
      room_id: 'retry',
      client_id: ps.client_id,
      message: 'exactly once',
      idempotency_key: 'k-1',
    };
    const first = await p.call('send_message', args);
    const second = await p.call('send_message', args);
    expect(second).toEqual(first);
    const got = await q.call('wait_for_message', { room_id: 'retry', client_id: qs.client_id, timeout: 5 });
    expect((got.messages as { message: string }[]).map((m) => m.message)).toEqual(['exactly once']);
  });

  it('pages history and reports status with unread counts', async () => {
    const [p, q] = [await client('modern'), await client('sdk1')];
    const ps = await p.call('join_room', { room_id: 'pages', display_name: 'Pia' });
    const qs = await q.call('join_room', { room_id: 'pages', display_name: 'Quinn' });
    for (let i = 1; i <= 12; i++)
      await p.call('send_message', { room_id: 'pages', client_id: ps.client_id, message: `m${i}` });
    const latest = await q.call('get_messages', { room_id: 'pages', client_id: qs.client_id, limit: 5 });
    expect(latest).toMatchObject({ room_id: 'pages', has_more: true, latest_seq: 13 });
    expect((latest.messages as { seq: number }[]).map((m) => m.seq)).toEqual([9, 10, 11, 12, 13]);
    const older = await q.call('get_messages', {
      room_id: 'pages',
      client_id: qs.client_id,
      limit: 5,
      before: 9,
    });
    expect((older.messages as { seq: number }[]).map((m) => m.seq)).toEqual([4, 5, 6, 7, 8]);
    const forward = await q.call('get_messages', { room_id: 'pages', client_id: qs.client_id, after: 11 });
    expect(forward).toMatchObject({ has_more: false });
    expect((forward.messages as { seq: number }[]).map((m) => m.seq)).toEqual([12, 13]);
    // Reading history marks nothing as read.
    const status = await q.call('get_status', { client_id: qs.client_id });
    expect(status).toEqual({
      user_id: qs.user_id,
      display_name: 'Quinn',
      state: 'in_room',
      rooms: [
        {
          room_id: 'pages',
          unread: 12,
          members: [
            { user_id: ps.user_id, display_name: 'Pia' },
            { user_id: qs.user_id, display_name: 'Quinn' },
          ],
        },
      ],
      // get_status is about no room in particular: every room with something unread is named.
      unread: [{ room_id: 'pages', count: 12, latest: { sender: 'Pia', message: 'm12', seq: 13 } }],
    });
  });
});

describe('the queue under load', () => {
  it('pairs 50 clients entering at once into 25 rooms, nobody twice and nobody with itself', async () => {
    const clients = await Promise.all(
      Array.from({ length: 50 }, (_, i) => client(ERAS[i % ERAS.length] as Era)),
    );
    const entered = await Promise.all(
      clients.map((c, i) => c.call('enter_queue', { display_name: `P${i}` })),
    );
    const settled = await Promise.all(
      entered.map((e, i) =>
        e.status === 'matched'
          ? e
          : (clients[i] as ChatClient).call('wait_for_match', { client_id: e.client_id, timeout: 10 }),
      ),
    );
    const roomOf = new Map<string, string>();
    const members = new Map<string, string[]>();
    settled.forEach((s, i) => {
      expect(s.status).toBe('matched');
      const userId = entered[i]?.user_id as string;
      const partner = (s.partner as { user_id: string }).user_id;
      expect(partner).not.toBe(userId);
      roomOf.set(userId, s.room_id as string);
      members.set(s.room_id as string, [...(members.get(s.room_id as string) ?? []), userId]);
    });
    expect(roomOf.size).toBe(50);
    expect(members.size).toBe(25);
    for (const pair of members.values()) expect(pair).toHaveLength(2);
    // Each one's partner names the other member of its own room.
    settled.forEach((s, i) => {
      const pair = members.get(s.room_id as string) ?? [];
      expect(pair).toContain((s.partner as { user_id: string }).user_id);
      expect(pair).toContain(entered[i]?.user_id);
    });
  });
});

describe('leaving the queue', () => {
  it('takes a waiting participant out, so the next arrival waits instead of meeting an absentee', async () => {
    const [a, b] = [await client('modern'), await client('sdk1')];
    const gone = await a.call('enter_queue', { display_name: 'Changed my mind' });
    expect(gone.status).toBe('waiting');
    // Handled from the start: it fails while the test is still awaiting leave_queue.
    const parked = a
      .call('wait_for_match', { client_id: gone.client_id, timeout: 10 })
      .catch((error: Error) => error.message);
    expect(await a.call('leave_queue', { client_id: gone.client_id })).toEqual({
      success: true,
      message: 'Left the queue. Call enter_queue to queue again.',
    });
    // The parked wait learns that it is no longer queued.
    expect(await parked).toMatch(/not_in_queue/);
    const next = await b.call('enter_queue', { display_name: 'Next' });
    expect(next).toMatchObject({ status: 'waiting', position: 1 });
    expect(await a.call('get_status', { client_id: gone.client_id })).toMatchObject({ state: 'idle' });
    await b.call('leave_queue', { client_id: next.client_id });
  });
});
