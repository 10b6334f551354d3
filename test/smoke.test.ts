import { describe, expect, it } from 'vitest';
import { connect, type Era } from './support/clients.js';
import { sharedTestServer } from './support/server.js';

const server = sharedTestServer();

describe.each<Era>(['modern', 'legacy', 'sdk1'])('smoke (%s)', (era) => {
  it('queues two clients and lets them talk', async () => {
    const a = await connect(server.mcpUrl, era);
    const b = await connect(server.mcpUrl, era);
    // 2026-07-28 has no sessions; both 2025-era clients hold one.
    expect(a.sessionId() === undefined).toBe(era === 'modern');
    const first = await a.call('enter_queue', { display_name: 'Ann' });
    expect(first.status).toBe('waiting');
    const second = await b.call('enter_queue', { display_name: 'Bob' });
    expect(second.status).toBe('matched');
    const roomId = second.room_id as string;
    const match = await a.call('wait_for_match', { client_id: first.client_id, timeout: 5 });
    expect(match).toMatchObject({ status: 'matched', room_id: roomId, partner: { display_name: 'Bob' } });
    const waiting = a.call('wait_for_message', { room_id: roomId, client_id: first.client_id, timeout: 10 });
    await b.call('send_message', { room_id: roomId, client_id: second.client_id, message: 'hi Ann' });
    expect(await waiting).toMatchObject({ message: 'hi Ann', sender: 'Bob' });
    await a.close();
    await b.close();
  });
});
