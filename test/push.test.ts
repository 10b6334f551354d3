import { afterAll, describe, expect, it } from 'vitest';
import { type ChatClient, connect, type Era } from './support/clients.js';
import { received } from './support/notifications.js';
import { sharedTestServer, untilParked } from './support/server.js';

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

describe.each<Era>(['legacy', 'sdk1'])('push to a 2025-era session (%s)', (era) => {
  it('sends chatroom.found, message.received and partner.disconnected within a second of the event', async () => {
    const listener = await client(era);
    const other = await client('modern');
    const me = await listener.call('enter_queue', { display_name: 'Listener' });
    // The GET stream is opened by the client after initialize; give the match something to reach.
    const partner = await other.call('enter_queue', { display_name: 'Talker' });
    const roomId = partner.room_id as string;
    const found = await received(listener, 'chatroom.found');
    expect(found.params).toEqual({
      room_id: roomId,
      partner: { user_id: partner.user_id, display_name: 'Talker' },
      shared_interests: [],
    });

    const sent = await other.call('send_message', {
      room_id: roomId,
      client_id: partner.client_id,
      message: 'pushed',
    });
    const message = await received(listener, 'message.received', (p) => p.message === 'pushed');
    expect(message.params).toEqual({
      room_id: roomId,
      message: 'pushed',
      sender: { user_id: partner.user_id, display_name: 'Talker' },
      timestamp: sent.timestamp,
      message_id: sent.message_id,
      seq: sent.seq,
    });

    await other.call('leave_chat', { room_id: roomId, client_id: partner.client_id });
    const gone = await received(listener, 'partner.disconnected');
    expect(gone.params).toMatchObject({
      room_id: roomId,
      reason: 'left',
      partner: { user_id: partner.user_id },
    });
    // Push is a convenience: the same things are still there for the tools.
    const waited = await listener.call('wait_for_message', {
      room_id: roomId,
      client_id: me.client_id,
      timeout: 2,
    });
    expect((waited.messages as { message: string }[]).map((m) => m.message)).toEqual([
      'pushed',
      '[System] Your chat partner has left the conversation.',
    ]);
  });

  it('sends MCP logging messages for joins and leaves, honouring logging/setLevel', async () => {
    const listener = await client(era);
    const other = await client('modern');
    const room = `log-${era}`;
    await listener.call('join_room', { room_id: room, display_name: 'Host', capacity: 3 });
    await listener.setLoggingLevel('error');
    const quiet = await other.call('join_room', { room_id: room, display_name: 'Quiet' });
    // At level error an info line is not sent: prove it by sending something that is pushed after it.
    await other.call('send_message', { room_id: room, client_id: quiet.client_id, message: 'marker' });
    await received(listener, 'message.received', (p) => p.message === 'marker');
    expect(listener.notifications.filter((n) => n.method === 'notifications/message')).toEqual([]);

    await listener.setLoggingLevel('info');
    const loud = await client('modern');
    await loud.call('join_room', { room_id: room, display_name: 'Loud' });
    const log = await received(listener, 'notifications/message', (p) => String(p.data).includes('Loud'));
    expect(log.params).toMatchObject({
      level: 'info',
      logger: 'mcp-chat',
      data: `Loud joined room ${room}.`,
    });
    await other.call('leave_chat', { room_id: room, client_id: quiet.client_id });
    const left = await received(listener, 'notifications/message', (p) =>
      String(p.data).includes('Quiet left'),
    );
    expect(left.params).toMatchObject({ level: 'info', data: `Quiet left room ${room} (left the chat).` });
  });
});

describe('push in the 2026-07-28 era', () => {
  it('rides the response stream of an open wait_for_message', async () => {
    const listener = await client('modern');
    const talker = await client('legacy');
    const me = await listener.call('join_room', { room_id: 'side', display_name: 'Listener' });
    const elsewhere = await listener.call('join_room', {
      room_id: 'main',
      display_name: 'Listener',
      client_id: me.client_id,
    });
    const partner = await talker.call('join_room', { room_id: 'main', display_name: 'Talker' });
    const side = await talker.call('join_room', {
      room_id: 'side',
      display_name: 'Talker',
      client_id: partner.client_id,
    });
    expect(elsewhere.status).toBe('room_created');
    expect(side.status).toBe('joined');
    await listener.call('wait_for_message', { room_id: 'side', client_id: me.client_id, timeout: 1 });
    // Parked in "side"; a message in "main" is pushed on this wait's stream, before its result.
    const parked = listener.call('wait_for_message', {
      room_id: 'side',
      client_id: me.client_id,
      timeout: 10,
    });
    await untilParked(server, 1);
    await talker.call('send_message', {
      room_id: 'main',
      client_id: partner.client_id,
      message: 'over here',
    });
    const pushed = await received(listener, 'message.received', (p) => p.message === 'over here');
    expect(pushed.params).toMatchObject({ room_id: 'main', sender: { display_name: 'Talker' } });
    await talker.call('send_message', { room_id: 'side', client_id: partner.client_id, message: 'and here' });
    expect(await parked).toMatchObject({ message: 'and here' });
    // What the wait itself returns is not pushed twice on its stream.
    expect(listener.notifications.filter((n) => n.params?.message === 'and here')).toEqual([]);
  });
});
