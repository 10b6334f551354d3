import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatClient, connect } from './support/clients.js';
import { startTestServer, type TestServer } from './support/server.js';

// From a shrunk counterexample of `npm run torture` (the fuzzer's model expected not_in_room):
// join, send with a key, leave, send again with the same key. Both engines answer the retry with
// the first result, storing nothing; the README documents that a retry gets the original answer.

let server: TestServer;
let client: ChatClient;

beforeAll(async () => {
  server = await startTestServer();
  client = await connect(server.mcpUrl, 'modern');
});
afterAll(async () => {
  await client.close();
  await server.dispose();
});

describe('a keyed send retried after leaving the room', () => {
  it('gets the first answer again and stores nothing', async () => {
    const joined = await client.call('join_room', { room_id: 'replay', display_name: 'Ann' });
    const clientId = joined.client_id as string;
    const send = { room_id: 'replay', client_id: clientId, message: 'a', idempotency_key: 'k1' };
    const first = await client.call('send_message', send);
    await client.call('leave_chat', { room_id: 'replay', client_id: clientId });

    expect(await client.call('send_message', send)).toEqual(first);

    // A new message, with a new key or none, is refused: the sender is no longer in the room.
    const fresh = await client.fail('send_message', { ...send, idempotency_key: 'k2' });
    expect(fresh.code).toBe('not_in_room');
    await client.call('join_room', { room_id: 'replay', display_name: 'Ann', client_id: clientId });
    const history = await client.call('get_messages', { room_id: 'replay', client_id: clientId });
    const texts = (history.messages as { message: string }[]).filter((m) => m.message === 'a');
    expect(texts).toHaveLength(1);
  });
});
