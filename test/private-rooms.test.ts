import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatClient, connect, type Era } from './support/clients.js';
import { startTestServer, type TestServer } from './support/server.js';

let server: TestServer;
const clients: ChatClient[] = [];

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await server?.dispose();
});

async function client(era: Era): Promise<ChatClient> {
  const connected = await connect(server.mcpUrl, era);
  clients.push(connected);
  return connected;
}

/** A refusal with the room's id taken out, to compare it with the refusal for another room. */
function anonymised(refusal: Record<string, unknown>, roomId: string): Record<string, unknown> {
  return { ...refusal, error: String(refusal.error).replaceAll(roomId, 'ROOM') };
}

describe('private rooms', () => {
  for (const era of ['modern', 'legacy', 'sdk1'] as const) {
    it(`hide from strangers everything but a taken name, and open to the invite (${era})`, async () => {
      const ada = await client('modern');
      const stranger = await client(era);
      const room = `secret-${era}`;
      const missing = `missing-${era}`;
      const created = await ada.call('join_room', {
        room_id: room,
        display_name: 'Ada',
        visibility: 'private',
      });
      expect(created).toMatchObject({ status: 'room_created', visibility: 'private' });
      const invite = created.invite as string;
      expect(invite).toMatch(/^inv_[A-Za-z0-9_-]{24,}$/);
      await ada.call('send_message', {
        room_id: room,
        client_id: created.client_id,
        message: 'the launch code is 42',
      });

      // Without the invite, or with a wrong one: room_not_found, worded as for a room that does not exist.
      const noInvite = await stranger.fail('join_room', { room_id: room, display_name: 'Eve' });
      const wrongInvite = await stranger.fail('join_room', {
        room_id: room,
        display_name: 'Eve',
        invite: `${invite}x`,
      });
      const nowhere = await stranger.fail('join_room', { room_id: missing, display_name: 'Eve', invite });
      expect(noInvite.code).toBe('room_not_found');
      expect(anonymised(noInvite, room)).toEqual(anonymised(nowhere, missing));
      expect(anonymised(wrongInvite, room)).toEqual(anonymised(nowhere, missing));
      expect(JSON.stringify([noInvite, wrongInvite])).not.toContain('launch code');

      // A stranger with an identity of its own learns nothing through the other tools either.
      const eve = await stranger.call('join_room', { room_id: `eve-${era}`, display_name: 'Eve' });
      const probes: [string, Record<string, unknown>][] = [
        ['get_messages', { client_id: eve.client_id }],
        ['send_message', { client_id: eve.client_id, message: 'hi?' }],
        ['wait_for_message', { client_id: eve.client_id, timeout: 1 }],
        ['leave_chat', { client_id: eve.client_id }],
        ['join_room', { client_id: eve.client_id, display_name: 'Eve' }],
      ];
      for (const [tool, args] of probes) {
        const hidden = await stranger.fail(tool, { ...args, room_id: room });
        const absent = await stranger.fail(tool, {
          ...args,
          room_id: missing,
          ...(tool === 'join_room' ? { invite } : {}),
        });
        expect(hidden.code, tool).toBe('room_not_found');
        expect(anonymised(hidden, room), tool).toEqual(anonymised(absent, missing));
      }
      // The name stays taken: joining without an invite did not make a public room of it.
      expect(
        (await ada.call('get_messages', { room_id: room, client_id: created.client_id })).messages,
      ).toHaveLength(1);

      // With the invite: in, with the history, and the invite to pass on.
      const bo = await stranger.call('join_room', { room_id: room, display_name: 'Bo', invite });
      expect(bo).toMatchObject({ status: 'joined', visibility: 'private', invite });
      expect((bo.recent_messages as { message: string }[]).map((m) => m.message)).toEqual([
        'the launch code is 42',
      ]);
      const history = await stranger.call('get_messages', { room_id: room, client_id: bo.client_id });
      expect((history.messages as unknown[]).length).toBe(2);
      // Members see the invite on every later join_room.
      const again = await ada.call('join_room', {
        room_id: room,
        display_name: 'Ada',
        client_id: created.client_id,
      });
      expect(again).toMatchObject({ status: 'joined', invite });
    });
  }

  it('keeps public rooms as they were: no invite, and an invite argument needs the room to exist', async () => {
    const ada = await client('modern');
    const created = await ada.call('join_room', { room_id: 'open-square', display_name: 'Ada' });
    expect(created.visibility).toBe('public');
    expect(created.invite).toBeUndefined();
    const bo = await ada.call('join_room', {
      room_id: 'open-square',
      display_name: 'Bo',
      invite: 'whatever',
    });
    expect(bo).toMatchObject({ status: 'joined', visibility: 'public' });
    expect(bo.invite).toBeUndefined();
  });

  it('refuses a visibility that is neither public nor private, changing nothing', async () => {
    const ada = await client('legacy');
    const refused = await ada.fail('join_room', {
      room_id: 'odd',
      display_name: 'Ada',
      visibility: 'secret',
    });
    expect(refused.code).toBe('invalid_argument');
    expect((await ada.call('join_room', { room_id: 'odd', display_name: 'Ada' })).status).toBe(
      'room_created',
    );
  });
});
