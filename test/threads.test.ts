import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { type ChatClient, connect, type Era } from './support/clients.js';
import { received } from './support/notifications.js';
import { sharedTestServer } from './support/server.js';

/**
 * Replies, mentions, read_by, the directory and search through the real server, in every
 * protocol era (and on Redis with MCP_CHAT_TEST_ENGINE=redis).
 */
const server = sharedTestServer();
const open: ChatClient[] = [];
afterAll(async () => {
  await Promise.allSettled(open.map((c) => c.close()));
});

async function client(era: Era): Promise<ChatClient> {
  const c = await connect(server.mcpUrl, era);
  open.push(c);
  return c;
}

type Message = Record<string, unknown>;

describe.each<Era>(['modern', 'legacy', 'sdk1'])('replies, mentions and read_by (%s)', (era) => {
  it('show on send, wait_for_message, get_messages, recent_messages and the message.received push', async () => {
    const c = await client(era);
    // The listener's 2025-era session carries push; the others speak the era under test.
    const listener = await client(era === 'sdk1' ? 'sdk1' : 'legacy');
    const roomId = `thread-${era}-${randomUUID().slice(0, 6)}`;
    const ann = await listener.call('join_room', {
      room_id: roomId,
      display_name: 'Ann Lee',
      capacity: 3,
      topic: 'Threads',
    });
    expect(ann).toMatchObject({ status: 'room_created', topic: 'Threads' });
    const bob = await c.call('join_room', { room_id: roomId, display_name: 'Bob' });
    expect(bob).toMatchObject({ topic: 'Threads' });
    const question = await listener.call('send_message', {
      room_id: roomId,
      client_id: ann.client_id,
      message: 'Where shall we meet?',
    });

    const answer = await c.call('send_message', {
      room_id: roomId,
      client_id: bob.client_id,
      message: '@ann lee at the station, ok? (cc @nobody)',
      reply_to: question.seq,
    });
    const threading = {
      reply_to: question.seq,
      reply_preview: { sender: 'Ann Lee', message: 'Where shall we meet?' },
      mentions: [ann.user_id],
    };
    expect(answer).toMatchObject({ success: true, ...threading });

    const pushed = await received(listener, 'message.received', (p) => p.seq === answer.seq);
    expect(pushed.params).toMatchObject({ room_id: roomId, seq: answer.seq, ...threading });

    const waited = await listener.call('wait_for_message', {
      room_id: roomId,
      client_id: ann.client_id,
      timeout: 5,
    });
    const last = (waited.messages as Message[]).at(-1);
    expect(last).toMatchObject({ seq: answer.seq, ...threading });

    const history = await c.call('get_messages', { room_id: roomId, client_id: bob.client_id });
    expect((history.messages as Message[]).at(-1)).toMatchObject({ seq: answer.seq, ...threading });
    // Ann has read up to Bob's answer; Bob's own place is not listed to him.
    expect(history.read_by).toEqual({ [ann.user_id as string]: answer.seq });

    const byId = await listener.call('send_message', {
      room_id: roomId,
      client_id: ann.client_id,
      message: `thanks @${bob.user_id}! and e-mail me at ann@example.com`,
    });
    expect(byId).toMatchObject({ mentions: [bob.user_id] });
    expect(byId).not.toHaveProperty('reply_to');

    const carol = await c.call('join_room', { room_id: roomId, display_name: 'Carol' });
    const recent = carol.recent_messages as Message[];
    expect(recent.find((m) => m.seq === answer.seq)).toMatchObject(threading);
    expect(carol.topic).toBe('Threads');
  });

  it('refuses a reply to a seq the room does not have, and stores nothing', async () => {
    const c = await client(era);
    const roomId = `thread-bad-${era}-${randomUUID().slice(0, 6)}`;
    const ann = await c.call('join_room', { room_id: roomId, display_name: 'Ann' });
    await c.call('send_message', { room_id: roomId, client_id: ann.client_id, message: 'one' });
    for (const replyTo of [2, 99, 0, -1, 1.5]) {
      const refused = await c.fail('send_message', {
        room_id: roomId,
        client_id: ann.client_id,
        message: 'orphan',
        reply_to: replyTo,
      });
      expect(refused, String(replyTo)).toMatchObject({ code: 'invalid_argument', success: false });
    }
    const history = await c.call('get_messages', { room_id: roomId, client_id: ann.client_id });
    expect(history.latest_seq).toBe(1);
    // Outsiders learn nothing about a room's seqs: they are not in it.
    const stranger = await c.call('enter_queue', { display_name: 'Stranger' });
    await c.call('leave_queue', { client_id: stranger.client_id });
    expect(
      await c.fail('send_message', {
        room_id: roomId,
        client_id: stranger.client_id,
        message: 'x',
        reply_to: 99,
      }),
    ).toMatchObject({ code: 'not_in_room' });
  });
});

describe.each<Era>(['modern', 'legacy', 'sdk1'])('list_rooms (%s)', (era) => {
  it('lists rooms with people, newest first, filters by id and topic, and pages', async () => {
    const c = await client(era);
    const tag = `dir${era}${randomUUID().slice(0, 6)}`;
    const first = await c.call('join_room', { room_id: `${tag}-a`, display_name: 'A', topic: 'Échecs' });
    await c.call('join_room', { room_id: `${tag}-b`, display_name: 'B', topic: 'Go and chess' });
    await c.call('join_room', { room_id: `${tag}-c`, display_name: 'C' });
    const hidden = await c.call('join_room', {
      room_id: `${tag}-private`,
      display_name: 'P',
      visibility: 'private',
      topic: 'secret',
    });
    expect(hidden).toMatchObject({ visibility: 'private', topic: 'secret', invite: expect.any(String) });
    const left = await c.call('join_room', { room_id: `${tag}-empty`, display_name: 'D' });
    await c.call('leave_chat', { room_id: `${tag}-empty`, client_id: left.client_id });

    const all = await c.call('list_rooms', { client_id: first.client_id, query: tag });
    expect(all.rooms).toEqual([
      { room_id: `${tag}-c`, topic: '', members: 1, capacity: 2, last_activity: expect.any(String) },
      {
        room_id: `${tag}-b`,
        topic: 'Go and chess',
        members: 1,
        capacity: 2,
        last_activity: expect.any(String),
      },
      { room_id: `${tag}-a`, topic: 'Échecs', members: 1, capacity: 2, last_activity: expect.any(String) },
    ]);
    expect(all).not.toHaveProperty('next_cursor');

    const pages: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await c.call('list_rooms', { client_id: first.client_id, query: tag, limit: 2, cursor });
      pages.push(...(page.rooms as Message[]).map((room) => room.room_id as string));
      cursor = page.next_cursor as string | undefined;
    } while (cursor);
    expect(pages).toEqual([`${tag}-c`, `${tag}-b`, `${tag}-a`]);

    const secret = await c.call('list_rooms', { client_id: hidden.client_id, query: 'secret' });
    expect((secret.rooms as Message[]).map((room) => room.room_id)).not.toContain(`${tag}-private`);
    const chess = await c.call('list_rooms', { client_id: first.client_id, query: 'CHESS' });
    expect((chess.rooms as Message[]).map((room) => room.room_id)).toContain(`${tag}-b`);
    const echecs = await c.call('list_rooms', { client_id: first.client_id, query: 'echecs' });
    expect((echecs.rooms as Message[]).map((room) => room.room_id)).toContain(`${tag}-a`);
  });

  it('refuses bad arguments and unknown callers', async () => {
    const c = await client(era);
    const me = await c.call('join_room', { room_id: `dir-bad-${era}`, display_name: 'A' });
    for (const args of [
      { limit: 0 },
      { limit: 101 },
      { cursor: 'not-a-cursor' },
      { query: 'x'.repeat(201) },
    ]) {
      expect(
        await c.fail('list_rooms', { client_id: me.client_id, ...args }),
        JSON.stringify(args),
      ).toMatchObject({
        code: 'invalid_argument',
      });
    }
    expect(await c.fail('list_rooms', { client_id: 'c_nobody' })).toMatchObject({ code: 'invalid_client' });
    expect(
      await c.fail('join_room', { room_id: `dir-topic-${era}`, display_name: 'A', topic: 'x'.repeat(201) }),
    ).toMatchObject({ code: 'invalid_argument' });
  });
});

describe.each<Era>(['modern', 'legacy', 'sdk1'])('search_messages (%s)', (era) => {
  it('finds what was said in the caller’s rooms, also after leaving, and never elsewhere', async () => {
    const c = await client(era);
    const word = `zebra${randomUUID().slice(0, 6)}`;
    const mine = `search-${era}-${randomUUID().slice(0, 6)}`;
    const theirs = `search-other-${era}-${randomUUID().slice(0, 6)}`;
    const ann = await c.call('join_room', { room_id: mine, display_name: 'Ann' });
    const bob = await c.call('join_room', { room_id: mine, display_name: 'Bob' });
    const eve = await c.call('join_room', { room_id: theirs, display_name: 'Eve' });
    await c.call('send_message', { room_id: mine, client_id: bob.client_id, message: `the ${word} crossed` });
    await c.call('send_message', { room_id: theirs, client_id: eve.client_id, message: `a secret ${word}` });
    await c.call('send_message', {
      room_id: mine,
      client_id: ann.client_id,
      message: `${word}s? no, one ${word}`,
    });

    const found = await c.call('search_messages', { client_id: ann.client_id, query: word.toUpperCase() });
    expect(found.messages).toMatchObject([
      { room_id: mine, message: `${word}s? no, one ${word}`, sender: 'Ann' },
      { room_id: mine, message: `the ${word} crossed`, sender: 'Bob', sender_id: bob.user_id },
    ]);

    await c.call('leave_chat', { room_id: mine, client_id: ann.client_id });
    await c.call('send_message', { room_id: mine, client_id: bob.client_id, message: `after ${word}` });
    const afterLeaving = await c.call('search_messages', {
      client_id: ann.client_id,
      query: word,
      room_id: mine,
    });
    expect((afterLeaving.messages as Message[]).map((m) => m.message)).toEqual([
      `${word}s? no, one ${word}`,
      `the ${word} crossed`,
    ]);
    const phrase = await c.call('search_messages', { client_id: ann.client_id, query: `"${word} crossed"` });
    expect((phrase.messages as Message[]).map((m) => m.message)).toEqual([`the ${word} crossed`]);
    const elsewhere = await c.call('search_messages', {
      client_id: ann.client_id,
      query: word,
      room_id: theirs,
    });
    expect(elsewhere.messages).toEqual([]);
    const eveSees = await c.call('search_messages', { client_id: eve.client_id, query: word });
    expect((eveSees.messages as Message[]).map((m) => m.room_id)).toEqual([theirs]);
  });

  it('answers hostile queries normally, as plain words', async () => {
    const c = await client(era);
    const roomId = `search-hostile-${era}-${randomUUID().slice(0, 6)}`;
    const ann = await c.call('join_room', { room_id: roomId, display_name: 'Ann' });
    await c.call('send_message', { room_id: roomId, client_id: ann.client_id, message: 'near the OR gate' });
    const hostile = [
      '" OR *',
      'NEAR(a b)',
      '*',
      'message:near',
      "'; DROP TABLE messages; --",
      '"unbalanced',
      '^near',
      '\\',
      '-gate',
      'a AND',
      '()',
    ];
    for (const query of hostile) {
      const result = await c.call('search_messages', { client_id: ann.client_id, query });
      expect(Array.isArray(result.messages), query).toBe(true);
      for (const hit of result.messages as Message[]) expect(hit.room_id, query).toBe(roomId);
    }
    const plain = await c.call('search_messages', { client_id: ann.client_id, query: '" OR gate' });
    expect((plain.messages as Message[]).map((m) => m.message)).toEqual(['near the OR gate']);
    for (const args of [
      { query: '' },
      { query: '   ' },
      { query: 'x', limit: 0 },
      { query: 'x', room_id: 'bad id!' },
    ]) {
      expect(
        await c.fail('search_messages', { client_id: ann.client_id, ...args }),
        JSON.stringify(args),
      ).toMatchObject({
        code: 'invalid_argument',
      });
    }
  });
});
