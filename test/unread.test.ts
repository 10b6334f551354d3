import { afterAll, describe, expect, it } from 'vitest';
import { type ChatClient, connect, type Era } from './support/clients.js';
import { sharedTestServer, untilParked } from './support/server.js';

/** `unread` on every answer, and the read position (mark_read, send_message read_up_to), over real HTTP. */

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

let rooms = 0;
const roomName = (label: string) => `${label}-${++rooms}-${Date.now().toString(36)}`;

/** An agent in rooms A and B, and a partner in both; everything the joins said is already read. */
async function twoRooms(agentEra: Era, partnerEra: Era) {
  const agent = await client(agentEra);
  const partner = await client(partnerEra);
  const [roomA, roomB] = [roomName('a'), roomName('b')];
  const me = await agent.call('join_room', { room_id: roomA, display_name: 'Agent' });
  const cid = me.client_id as string;
  await agent.call('join_room', { room_id: roomB, display_name: 'Agent', client_id: cid });
  const other = await partner.call('join_room', { room_id: roomA, display_name: 'Pat' });
  const pid = other.client_id as string;
  await partner.call('join_room', { room_id: roomB, display_name: 'Pat', client_id: pid });
  for (const room of [roomA, roomB])
    await agent.call('wait_for_message', { room_id: room, client_id: cid, timeout: 1 });
  return { agent, partner, roomA, roomB, cid, pid };
}

describe.each<[Era, Era]>([
  ['modern', 'legacy'],
  ['legacy', 'sdk1'],
  ['sdk1', 'modern'],
])('unread on every answer (agent %s, partner %s)', (agentEra, partnerEra) => {
  it('names room B, with the count and the newest message, in whatever the agent busy in room A calls', async () => {
    const { agent, partner, roomA, roomB, cid, pid } = await twoRooms(agentEra, partnerEra);
    // Waiting in room A when room B comes alive.
    const parked = agent.call('wait_for_message', { room_id: roomA, client_id: cid, timeout: 30 });
    await untilParked(server, 1);
    await partner.call('send_message', { room_id: roomB, client_id: pid, message: 'over here' });
    // The agent's own message in B does not count.
    await agent.call('send_message', { room_id: roomB, client_id: cid, message: 'mine' });
    const long = `${'x'.repeat(199)}é${'y'.repeat(100)}`;
    const newest = await partner.call('send_message', { room_id: roomB, client_id: pid, message: long });
    const expected = [
      { room_id: roomB, count: 2, latest: { sender: 'Pat', message: long.slice(0, 200), seq: newest.seq } },
    ];
    await partner.call('send_message', { room_id: roomA, client_id: pid, message: 'and here' });
    expect(await parked).toMatchObject({ message: 'and here', unread: expected });

    expect((await agent.call('get_status', { client_id: cid })).unread).toEqual(expected);
    expect(
      (await agent.call('send_message', { room_id: roomA, client_id: cid, message: 'busy here' })).unread,
    ).toEqual(expected);
    expect((await agent.call('get_messages', { room_id: roomA, client_id: cid })).unread).toEqual(expected);
    // A result about room B does not repeat room B; nothing is marked read by being told.
    expect((await agent.call('get_messages', { room_id: roomB, client_id: cid })).unread).toBeUndefined();
    expect((await agent.call('get_status', { client_id: cid })).unread).toEqual(expected);

    // Once read, room B is no longer named: the field is left out when nothing waits.
    const read = await agent.call('wait_for_message', { room_id: roomB, client_id: cid, timeout: 1 });
    expect((read.messages as { message: string }[]).map((m) => m.message)).toEqual(['over here', long]);
    const status = await agent.call('get_status', { client_id: cid });
    expect(status).not.toHaveProperty('unread');
  });
});

describe.each<Era>(['modern', 'legacy', 'sdk1'])('read position (%s)', (era) => {
  it('mark_read, then wait_for_message: nothing repeated, nothing skipped', async () => {
    const { agent, partner, roomA, cid, pid } = await twoRooms(era, 'modern');
    const sent = [];
    for (const text of ['one', 'two', 'three']) {
      sent.push(await partner.call('send_message', { room_id: roomA, client_id: pid, message: text }));
    }
    const two = sent[1]?.seq as number;
    expect(await agent.call('mark_read', { room_id: roomA, client_id: cid, seq: two })).toMatchObject({
      room_id: roomA,
      read_up_to: two,
      remaining: 1,
    });
    // Never back.
    expect(await agent.call('mark_read', { room_id: roomA, client_id: cid, seq: 0 })).toMatchObject({
      read_up_to: two,
    });
    // Never past the end: refused, nothing changed.
    const beyond = await agent.fail('mark_read', { room_id: roomA, client_id: cid, seq: two + 50 });
    expect(beyond.code).toBe('invalid_argument');
    expect(beyond.error).toContain(`seq ${sent[2]?.seq}`);
    const waited = await agent.call('wait_for_message', { room_id: roomA, client_id: cid, timeout: 1 });
    expect((waited.messages as { message: string }[]).map((m) => m.message)).toEqual(['three']);
  });

  it('send_message with read_up_to answers what was seen and marks it read in one call', async () => {
    const { agent, partner, roomA, cid, pid } = await twoRooms(era, 'legacy');
    const seen = await partner.call('send_message', {
      room_id: roomA,
      client_id: pid,
      message: 'seen elsewhere',
    });
    const beyond = await agent.fail('send_message', {
      room_id: roomA,
      client_id: cid,
      message: 'never sent',
      read_up_to: (seen.seq as number) + 5,
    });
    expect(beyond).toMatchObject({ success: false, code: 'invalid_argument' });
    await agent.call('send_message', {
      room_id: roomA,
      client_id: cid,
      message: 'answering',
      read_up_to: seen.seq,
    });
    await partner.call('send_message', { room_id: roomA, client_id: pid, message: 'later' });
    const waited = await agent.call('wait_for_message', { room_id: roomA, client_id: cid, timeout: 1 });
    expect((waited.messages as { message: string }[]).map((m) => m.message)).toEqual(['later']);
    const history = await partner.call('get_messages', { room_id: roomA, client_id: pid });
    expect((history.messages as { message: string }[]).map((m) => m.message)).not.toContain('never sent');
  });

  it('refuses mark_read by a stranger and in an unknown room with the usual codes', async () => {
    const { roomA } = await twoRooms(era, 'modern');
    const stranger = await client(era);
    const who = await stranger.call('join_room', { room_id: roomName('elsewhere'), display_name: 'Sam' });
    const args = { client_id: who.client_id, seq: 0 };
    expect((await stranger.fail('mark_read', { room_id: roomA, ...args })).code).toBe('not_in_room');
    expect((await stranger.fail('mark_read', { room_id: roomName('none'), ...args })).code).toBe(
      'room_not_found',
    );
    expect(
      (await stranger.fail('mark_read', { room_id: roomA, client_id: who.client_id, seq: -1 })).code,
    ).toBe('invalid_argument');
  });
});
