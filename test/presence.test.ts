import { afterAll, describe, expect, it } from 'vitest';
import { type ChatClient, connect } from './support/clients.js';
import { received } from './support/notifications.js';
import { sharedTestServer } from './support/server.js';

const server = sharedTestServer({ idleTimeoutSeconds: 2 });
const open: ChatClient[] = [];
afterAll(async () => {
  await Promise.allSettled(open.map((c) => c.close()));
});

async function client(era: 'modern' | 'legacy' | 'sdk1'): Promise<ChatClient> {
  const c = await connect(server.mcpUrl, era);
  open.push(c);
  return c;
}

describe('the idle timeout', () => {
  it('takes a silent participant out of its chat, tells the partner, and keeps its client_id valid', async () => {
    const silent = await client('modern');
    const waiter = await client('legacy');
    const gone = await silent.call('enter_queue', { display_name: 'Silent' });
    const stays = await waiter.call('enter_queue', { display_name: 'Stays' });
    const roomId = stays.room_id as string;
    // The waiter holds a wait far longer than the idle timeout: a parked wait is presence.
    const heard = await waiter.call('wait_for_message', {
      room_id: roomId,
      client_id: stays.client_id,
      timeout: 30,
    });
    expect(heard).toMatchObject({
      message: '[System] Your chat partner has left the conversation.',
      system: true,
      disconnect: true,
    });
    const notice = await received(waiter, 'partner.disconnected');
    expect(notice.params).toMatchObject({
      room_id: roomId,
      reason: 'timeout',
      partner: { user_id: gone.user_id },
    });
    expect(
      await waiter.fail('send_message', { room_id: roomId, client_id: stays.client_id, message: 'x' }),
    ).toMatchObject({
      code: 'chat_ended',
    });
    // Back from a break: the same identity, out of every room, free to queue again.
    expect(await silent.call('get_status', { client_id: gone.client_id })).toMatchObject({
      user_id: gone.user_id,
      state: 'idle',
      rooms: [],
    });
    expect(await silent.call('enter_queue', { client_id: gone.client_id })).toMatchObject({
      status: 'waiting',
    });
  });

  it('takes a silent participant out of the queue, so nobody is matched with an absentee', async () => {
    const c = await client('modern');
    // Queue someone who never calls again (after pairing off whoever an earlier test left queued).
    let absentee = await c.call('enter_queue', { display_name: 'Absentee' });
    if (absentee.status === 'matched') {
      await c.call('leave_chat', { room_id: absentee.room_id, client_id: absentee.client_id });
      absentee = await c.call('enter_queue', { display_name: 'Absentee' });
    }
    expect(absentee.status).toBe('waiting');
    await new Promise((resolve) => setTimeout(resolve, 4500));
    const late = await c.call('enter_queue', { display_name: 'Late' });
    expect(late).toMatchObject({ status: 'waiting', position: 1, queue_length: 1 });
  });

  it('leaves a participant that holds a wait in its room, and a larger room goes on without the silent one', async () => {
    const [a, b, c] = [await client('modern'), await client('sdk1'), await client('modern')];
    const room = 'presence-three';
    const holder = await a.call('join_room', { room_id: room, display_name: 'Holder', capacity: 3 });
    await b.call('join_room', { room_id: room, display_name: 'Quiet' });
    const talker = await c.call('join_room', { room_id: room, display_name: 'Talker' });
    await a.call('wait_for_message', { room_id: room, client_id: holder.client_id, timeout: 1 });
    // Holder waits 6 s (three timeouts) without another call; Talker keeps talking; Quiet is silent.
    const holding = a.call('wait_for_message', {
      room_id: room,
      client_id: holder.client_id,
      timeout: 6,
      after: 1000,
    });
    const talking = (async () => {
      for (let i = 0; i < 6; i++) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        await c.call('get_status', { client_id: talker.client_id });
      }
    })();
    expect(await holding).toMatchObject({ timeout: true });
    await talking;
    const status = await a.call('get_status', { client_id: holder.client_id });
    expect(status.state).toBe('in_room');
    const members = ((status.rooms as { members: { display_name: string }[] }[])[0]?.members ?? []).map(
      (m) => m.display_name,
    );
    expect(members).toEqual(['Holder', 'Talker']);
    const history = await a.call('get_messages', { room_id: room, client_id: holder.client_id });
    expect((history.messages as { message: string }[]).map((m) => m.message)).toContain(
      '[System] Quiet has left the chat.',
    );
  });
});
