import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatClient, connect, type Era } from './support/clients.js';
import { received } from './support/notifications.js';
import { type ServerProcess, spawnServer, stopServer } from './support/process.js';
import {
  deleteKeys,
  randomPrefix,
  redisSkipReason,
  TEST_REDIS_URL,
  untilSubscribed,
} from './support/redis.js';

const skip = await redisSkipReason();

describe.skipIf(skip !== undefined)(
  `two instances sharing one Redis${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const keyPrefix = randomPrefix();
    let a: ServerProcess;
    let b: ServerProcess;
    const clients: ChatClient[] = [];

    beforeAll(async () => {
      const flags = [
        '--redis-url',
        TEST_REDIS_URL,
        '--redis-prefix',
        keyPrefix,
        '--rate-limit',
        '0',
        // 100 participants from one loopback address in a second: the creation limit would refuse most.
        '--new-participants-per-minute',
        '0',
      ];
      [a, b] = await Promise.all([spawnServer(flags), spawnServer(flags)]);
    }, 60_000);
    afterAll(async () => {
      await Promise.all(clients.map((client) => client.close()));
      await Promise.all([a, b].flatMap((server) => (server ? [stopServer(server)] : [])));
      await deleteKeys(keyPrefix);
    }, 30_000);

    async function client(server: ServerProcess, era: Era): Promise<ChatClient> {
      const connected = await connect(server.mcpUrl, era);
      clients.push(connected);
      return connected;
    }

    it('lets clients on different instances queue, match, talk, wait and leave', async () => {
      const ann = await client(a, 'modern');
      const bob = await client(b, 'legacy');
      const annIn = await ann.call('enter_queue', { display_name: 'Ann' });
      expect(annIn.status).toBe('waiting');
      // Waits run with timeouts far beyond the test's: only a wake-up from the other instance ends them in time.
      const annMatch = ann.call('wait_for_match', { client_id: annIn.client_id, timeout: 60 });
      await untilSubscribed(keyPrefix, `user:${annIn.user_id}`);
      const bobIn = await bob.call('enter_queue', { display_name: 'Bob' });
      expect(bobIn).toMatchObject({ status: 'matched', partner: { display_name: 'Ann' } });
      const roomId = bobIn.room_id as string;
      expect(await annMatch).toMatchObject({
        status: 'matched',
        room_id: roomId,
        partner: { display_name: 'Bob' },
      });

      const annWait = ann.call('wait_for_message', {
        room_id: roomId,
        client_id: annIn.client_id,
        timeout: 60,
      });
      await bob.call('send_message', {
        room_id: roomId,
        client_id: bobIn.client_id,
        message: 'hello from B',
      });
      expect(await annWait).toMatchObject({ message: 'hello from B', sender: 'Bob', seq: 1 });

      const bobWait = bob.call('wait_for_message', {
        room_id: roomId,
        client_id: bobIn.client_id,
        timeout: 60,
      });
      await ann.call('send_message', {
        room_id: roomId,
        client_id: annIn.client_id,
        message: 'hello from A',
      });
      expect(await bobWait).toMatchObject({ message: 'hello from A', sender: 'Ann', seq: 2 });

      // A client_id works on any instance.
      const annOnB = await client(b, 'sdk1');
      expect(await annOnB.call('get_status', { client_id: annIn.client_id })).toMatchObject({
        state: 'in_room',
        rooms: [{ room_id: roomId, unread: 0 }],
      });

      const bobLast = bob.call('wait_for_message', {
        room_id: roomId,
        client_id: bobIn.client_id,
        timeout: 60,
      });
      await ann.call('leave_chat', { room_id: roomId, client_id: annIn.client_id });
      expect(await bobLast).toMatchObject({
        message: '[System] Your chat partner has left the conversation.',
        system: true,
        disconnect: true,
      });
      expect(
        await bob.fail('send_message', {
          room_id: roomId,
          client_id: bobIn.client_id,
          message: 'still there?',
        }),
      ).toMatchObject({ success: false, code: 'chat_ended' });
    });

    it.each<Era>(['legacy', 'sdk1'])(
      'pushes to a 2025-era session (%s) on one instance what happens on the other',
      async (era) => {
        const listener = await client(a, era);
        const talker = await client(b, 'modern');
        const me = await listener.call('enter_queue', { display_name: 'Listener' });
        // The session on A listens for its participant once bound; act on B after that.
        await untilSubscribed(keyPrefix, `user:${me.user_id}`);
        const partner = await talker.call('enter_queue', { display_name: 'Talker' });
        const roomId = partner.room_id as string;
        const talkerAsMember = { user_id: partner.user_id, display_name: 'Talker' };
        const found = await received(listener, 'chatroom.found', () => true, 5000);
        expect(found.params).toEqual({ room_id: roomId, partner: talkerAsMember, shared_interests: [] });

        const sent = await talker.call('send_message', {
          room_id: roomId,
          client_id: partner.client_id,
          message: 'from the other instance',
        });
        const message = await received(listener, 'message.received', (p) => p.room_id === roomId, 5000);
        expect(message.params).toEqual({
          room_id: roomId,
          message: 'from the other instance',
          sender: talkerAsMember,
          timestamp: sent.timestamp,
          message_id: sent.message_id,
          seq: sent.seq,
        });

        await talker.call('leave_chat', { room_id: roomId, client_id: partner.client_id });
        const gone = await received(listener, 'partner.disconnected', (p) => p.room_id === roomId, 5000);
        expect(gone.params).toMatchObject({ room_id: roomId, reason: 'left' });
      },
    );

    it('pairs 100 clients entering the queue at once on two instances into 50 rooms, nobody twice', async () => {
      const people = await Promise.all(
        Array.from({ length: 100 }, (_, i) => client(i % 2 === 0 ? a : b, 'modern')),
      );
      const entered = await Promise.all(
        people.map((person, i) => person.call('enter_queue', { display_name: `P${i}` })),
      );
      // Each arrival either waits in an empty queue or takes the one waiting: half and half.
      expect(entered.filter((r) => r.status === 'matched')).toHaveLength(50);
      const matches = await Promise.all(
        entered.map(async (result, i) => {
          const match =
            result.status === 'matched'
              ? result
              : await people[i]?.call('wait_for_match', { client_id: result.client_id, timeout: 20 });
          expect(match?.status).toBe('matched');
          const partner = match?.partner as { user_id: string };
          return {
            roomId: match?.room_id as string,
            userId: result.user_id as string,
            partnerId: partner.user_id,
          };
        }),
      );
      const rooms = new Map<string, string[]>();
      for (const { roomId, userId, partnerId } of matches) {
        expect(partnerId).not.toBe(userId);
        rooms.set(roomId, [...(rooms.get(roomId) ?? []), userId]);
      }
      expect(rooms.size).toBe(50);
      for (const [roomId, members] of rooms) {
        expect(members, roomId).toHaveLength(2);
        const [first, second] = members;
        expect(matches.find((m) => m.userId === first)?.partnerId).toBe(second);
      }
      expect(new Set(matches.map((m) => m.userId)).size).toBe(100);
    });
  },
);
