import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatClient, connect, type Era } from './support/clients.js';
import { received } from './support/notifications.js';
import { randomPrefix, redisSkipReason, TEST_REDIS_URL, untilSubscribed } from './support/redis.js';
import { sharedTestServer, startTestServer, type TestServer } from './support/server.js';

/** Claude Code channels: `notifications/claude/channel` to every 2025-era session bound to a participant. */

const CHANNEL = 'notifications/claude/channel';
const server = sharedTestServer();
const open: ChatClient[] = [];
afterAll(async () => {
  await Promise.allSettled(open.map((c) => c.close()));
});

async function client(url: URL, era: Era): Promise<ChatClient> {
  const c = await connect(url, era);
  open.push(c);
  return c;
}

function metaOf(params: Record<string, unknown> | undefined): Record<string, string> {
  return (params?.meta ?? {}) as Record<string, string>;
}

/** Every meta value is a string, and the six names are there. */
function expectStringMeta(meta: unknown): void {
  expect(Object.keys(meta as object).sort()).toEqual(
    ['kind', 'message_id', 'room_id', 'sender', 'sender_id', 'seq'].sort(),
  );
  for (const value of Object.values(meta as object)) expect(typeof value).toBe('string');
}

describe('the channel capability', () => {
  it('is offered to a 2025-era session', async () => {
    const sdk1 = new Client({ name: 'capability-check', version: '1.0.0' });
    await sdk1.connect(new StreamableHTTPClientTransport(server.mcpUrl));
    expect(sdk1.getServerCapabilities()?.experimental).toEqual({ 'claude/channel': {} });
    // A model whose client shows channel events is told it need not wait.
    expect(sdk1.getInstructions()).toMatch(/channel events .*end your turn instead of waiting/);
    const { tools } = await sdk1.listTools();
    for (const name of ['wait_for_message', 'wait_for_match', 'join_room']) {
      expect(tools.find((tool) => tool.name === name)?.description, name).toMatch(
        /channel events .*end your turn instead of waiting/,
      );
    }
    await sdk1.close();
  });
});

describe.each<Era>(['legacy', 'sdk1'])(
  'channel events to a 2025-era session that declared nothing (%s)',
  (era) => {
    it('announces a match, each message and a leave, with string meta, and marks nothing read', async () => {
      const listener = await client(server.mcpUrl, era);
      const talker = await client(server.mcpUrl, 'modern');
      const me = await listener.call('enter_queue', { display_name: 'Listener' });
      const partner = await talker.call('enter_queue', { display_name: 'Talker' });
      const roomId = partner.room_id as string;
      const match = await received(listener, CHANNEL, (p) => metaOf(p).kind === 'match');
      expectStringMeta(match.params?.meta);
      expect(match.params?.meta).toMatchObject({
        room_id: roomId,
        sender: 'Talker',
        sender_id: partner.user_id,
      });

      const sent = await talker.call('send_message', {
        room_id: roomId,
        client_id: partner.client_id,
        message: 'ping',
      });
      const event = await received(listener, CHANNEL, (p) => metaOf(p).kind === 'message');
      expect(event.params).toEqual({
        content: 'Talker: ping',
        meta: {
          room_id: roomId,
          sender: 'Talker',
          sender_id: partner.user_id,
          seq: String(sent.seq),
          message_id: sent.message_id,
          kind: 'message',
        },
      });
      // A hint only: the message is still unread.
      const waited = await listener.call('wait_for_message', {
        room_id: roomId,
        client_id: me.client_id,
        timeout: 1,
      });
      expect(waited).toMatchObject({ message: 'ping', seq: sent.seq });

      await talker.call('leave_chat', { room_id: roomId, client_id: partner.client_id });
      const left = await received(listener, CHANNEL, (p) => metaOf(p).kind === 'left');
      expectStringMeta(left.params?.meta);
      expect(left.params?.meta).toMatchObject({ room_id: roomId, sender: 'Talker', kind: 'left' });
      expect(String(left.params?.content)).toMatch(/^Talker: /);
      // It carries the farewell system message's seq: marking that read leaves nothing to wait for.
      const farewellSeq = Number(metaOf(left.params).seq);
      expect(farewellSeq).toBe((sent.seq as number) + 1);
      expect(metaOf(left.params).message_id).not.toBe('');
      expect(
        await listener.call('mark_read', { room_id: roomId, client_id: me.client_id, seq: farewellSeq }),
      ).toMatchObject({ read_up_to: farewellSeq, remaining: 0 });
      const after = await listener.fail('wait_for_message', {
        room_id: roomId,
        client_id: me.client_id,
        timeout: 1,
      });
      expect(after.code).toBe('chat_ended');
      // The farewell system message is not announced twice.
      const channelled = listener.notifications.filter((n) => n.method === CHANNEL);
      expect(channelled.map((n) => metaOf(n.params).kind)).toEqual(['match', 'message', 'left']);
    });

    it('lets an agent answer what a channel event showed, so wait_for_message does not repeat it', async () => {
      const listener = await client(server.mcpUrl, era);
      const talker = await client(server.mcpUrl, 'modern');
      const room = `channel-read-${era}`;
      const me = await listener.call('join_room', { room_id: room, display_name: 'Agent' });
      const them = await talker.call('join_room', { room_id: room, display_name: 'Person' });
      await talker.call('send_message', { room_id: room, client_id: them.client_id, message: 'question?' });
      const event = await received(listener, CHANNEL, (p) => p.content === 'Person: question?');
      const seq = Number(metaOf(event.params).seq);
      await listener.call('send_message', {
        room_id: room,
        client_id: me.client_id,
        message: 'answer',
        read_up_to: seq,
      });
      await talker.call('send_message', { room_id: room, client_id: them.client_id, message: 'thanks' });
      const waited = await listener.call('wait_for_message', {
        room_id: room,
        client_id: me.client_id,
        timeout: 1,
      });
      expect((waited.messages as { message: string }[]).map((m) => m.message)).toEqual(['thanks']);
    });
  },
);

const skip = await redisSkipReason();

describe.skipIf(skip !== undefined)(
  `channel events across two instances on one Redis${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const keyPrefix = randomPrefix();
    let a: TestServer;
    let b: TestServer;
    beforeAll(async () => {
      const shared = { redisUrl: TEST_REDIS_URL, redisPrefix: keyPrefix };
      [a, b] = await Promise.all([startTestServer(shared), startTestServer(shared)]);
    });
    afterAll(async () => {
      await Promise.allSettled(open.map((c) => c.close()));
      // The second dispose removes the shared keys once both are stopped.
      await a?.dispose();
      await b?.dispose();
    });

    it('reaches a session on one instance from a message sent on the other', async () => {
      const listener = await client(a.mcpUrl, 'sdk1');
      const talker = await client(b.mcpUrl, 'modern');
      const me = await listener.call('join_room', { room_id: 'across', display_name: 'Agent' });
      await untilSubscribed(keyPrefix, `user:${me.user_id}`);
      const them = await talker.call('join_room', { room_id: 'across', display_name: 'Far' });
      const sent = await talker.call('send_message', {
        room_id: 'across',
        client_id: them.client_id,
        message: 'from b',
      });
      const event = await received(listener, CHANNEL, (p) => p.content === 'Far: from b');
      expect(event.params?.meta).toEqual({
        room_id: 'across',
        sender: 'Far',
        sender_id: them.user_id,
        seq: String(sent.seq),
        message_id: sent.message_id,
        kind: 'message',
      });
    });
  },
);
