import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../src/cli/serve.js';
import { connect } from './support/clients.js';
import { testConfig } from './support/server.js';

const dir = mkdtempSync(join(tmpdir(), 'mcp-chat-restart-'));
const db = join(dir, 'chat.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function boot() {
  const server = await startServer(testConfig({ db }), pino({ level: 'silent' }));
  return { server, url: new URL(`${server.url}/mcp`) };
}

describe('a restart on the same database file', () => {
  it('keeps client_ids, rooms, membership, history and read positions', async () => {
    const first = await boot();
    const ann = await connect(first.url, 'modern');
    const bob = await connect(first.url, 'sdk1');
    const a = await ann.call('join_room', { room_id: 'persist', display_name: 'Ann', capacity: 3 });
    const b = await bob.call('join_room', { room_id: 'persist', display_name: 'Bob' });
    await ann.call('send_message', {
      room_id: 'persist',
      client_id: a.client_id,
      message: 'read before the restart',
    });
    await bob.call('wait_for_message', { room_id: 'persist', client_id: b.client_id, timeout: 5 });
    await ann.call('send_message', {
      room_id: 'persist',
      client_id: a.client_id,
      message: 'unread at the restart',
    });
    const queued = await ann.call('enter_queue', { display_name: 'Queued' });
    await ann.close();
    await bob.close();
    await first.server.stop();

    const second = await boot();
    const again = await connect(second.url, 'legacy');
    try {
      expect(await again.call('get_status', { client_id: b.client_id })).toMatchObject({
        user_id: b.user_id,
        display_name: 'Bob',
        state: 'in_room',
        rooms: [
          { room_id: 'persist', unread: 1, members: [{ display_name: 'Ann' }, { display_name: 'Bob' }] },
        ],
      });
      expect(await again.call('get_status', { client_id: queued.client_id })).toMatchObject({
        state: 'waiting',
      });
      // Bob's cursor survived: only what he had not read comes back.
      const unread = await again.call('wait_for_message', {
        room_id: 'persist',
        client_id: b.client_id,
        timeout: 5,
      });
      expect((unread.messages as { message: string }[]).map((m) => m.message)).toEqual([
        'unread at the restart',
      ]);
      const history = await again.call('get_messages', { room_id: 'persist', client_id: a.client_id });
      expect((history.messages as { message: string; seq: number }[]).map((m) => [m.seq, m.message])).toEqual(
        [
          [1, '[System] Bob has joined the chat.'],
          [2, 'read before the restart'],
          [3, 'unread at the restart'],
        ],
      );
      // The room still knows its capacity and members; the log continues at the next seq.
      const sent = await again.call('send_message', {
        room_id: 'persist',
        client_id: b.client_id,
        message: 'after',
      });
      expect(sent.seq).toBe(4);
      const third = await again.call('join_room', { room_id: 'persist', display_name: 'Cy' });
      expect(third).toMatchObject({ status: 'joined', capacity: 3 });
    } finally {
      await again.close();
      await second.server.stop();
    }
  });
});
