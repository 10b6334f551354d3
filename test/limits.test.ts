import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatClient, connect, type Era } from './support/clients.js';
import { until } from './support/poll.js';
import { deleteKeys, randomPrefix, redisSkipReason, TEST_REDIS_URL } from './support/redis.js';
import { startTestServer, type TestServer } from './support/server.js';

const ERAS: Era[] = ['modern', 'legacy', 'sdk1'];

describe('MCP_CHAT_MAX_WAITS', () => {
  let server: TestServer;
  const clients: ChatClient[] = [];
  beforeAll(async () => {
    server = await startTestServer({ maxWaits: 4 });
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

  /** Resolves once this server holds `count` parked waits. */
  const parked = (count: number) =>
    until(
      () => (server.chat.parkedWaits === count ? true : undefined),
      () => `${count} parked waits (now ${server.chat.parkedWaits})`,
    );

  for (const era of ERAS) {
    it(`answers the oldest of five waits at once, marked superseded, and the other four go on (${era})`, async () => {
      const ada = await client(era);
      const bo = await client('modern');
      const room = `waits-${era}`;
      // Bo first: Ada's cursor starts after her own arrival, so her waits park.
      const partner = await bo.call('join_room', { room_id: room, display_name: 'Bo' });
      const me = await ada.call('join_room', { room_id: room, display_name: 'Ada' });
      const wait = (timeout: number) =>
        ada.call('wait_for_message', { room_id: room, client_id: me.client_id, timeout });
      const first = wait(120);
      await parked(1);
      const others = [wait(3), wait(3), wait(3)];
      await parked(4);
      const started = Date.now();
      others.push(wait(3));
      expect(await first).toEqual({
        timeout: true,
        superseded: true,
        message: expect.stringContaining('Superseded'),
      });
      // At once: long before the other waits' own timeouts.
      expect(Date.now() - started).toBeLessThan(2500);
      // Nothing else changed: one of the four still open receives the next message.
      await parked(4);
      await bo.call('send_message', { room_id: room, client_id: partner.client_id, message: 'hello' });
      const results = await Promise.all(others);
      expect(results.filter((result) => result.message === 'hello')).toHaveLength(1);
      expect(results.filter((result) => result.timeout === true && !result.superseded)).toHaveLength(3);
    });
  }

  it('supersedes a wait_for_match the same way', async () => {
    const ada = await client('legacy');
    const queued = await ada.call('enter_queue', { display_name: 'Ada' });
    const first = ada.call('wait_for_match', { client_id: queued.client_id, timeout: 120 });
    await parked(1);
    const rest = [1, 2, 3, 4].map(() =>
      ada.call('wait_for_match', { client_id: queued.client_id, timeout: 2 }),
    );
    expect(await first).toMatchObject({ status: 'waiting', timeout: true, superseded: true, position: 1 });
    for (const result of await Promise.all(rest)) expect(result.superseded).toBeUndefined();
    await ada.call('leave_queue', { client_id: queued.client_id });
  });
});

describe('MCP_CHAT_NEW_PARTICIPANTS_PER_MINUTE', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ newParticipantsPerMinute: 3 });
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it('refuses the fourth new participant from one address with rate_limited, and changes nothing else', async () => {
    const ada = await connect(server.mcpUrl, 'modern');
    const made = [
      await ada.call('enter_queue', { display_name: 'One' }),
      await ada.call('join_room', { room_id: 'cap', display_name: 'Two' }),
      await ada.call('join_room', { room_id: 'cap', display_name: 'Three', capacity: 3 }),
    ];
    for (const era of ERAS) {
      const other = await connect(server.mcpUrl, era);
      const refused = await other.fail('enter_queue', { display_name: 'Four' });
      expect(refused).toEqual({
        code: 'rate_limited',
        error: expect.stringMatching(/Too many new participants: at most 3 a minute/),
      });
      expect((await other.fail('join_room', { room_id: 'cap', display_name: 'Four' })).code).toBe(
        'rate_limited',
      );
      await other.close();
    }
    // Existing identities go on as before: they queue, join and talk.
    const [one, two] = made as [Record<string, unknown>, Record<string, unknown>];
    expect((await ada.call('get_status', { client_id: one.client_id })).state).toBe('waiting');
    expect(
      (await ada.call('join_room', { room_id: 'cap', display_name: 'Two', client_id: two.client_id })).status,
    ).toBe('joined');
    expect(
      (await ada.call('send_message', { room_id: 'cap', client_id: two.client_id, message: 'still here' }))
        .success,
    ).toBe(true);
    await ada.call('leave_queue', { client_id: one.client_id });
    await ada.close();
  });
});

const skip = await redisSkipReason();

describe.skipIf(skip !== undefined)(
  `limits across instances on Redis${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const redisPrefix = randomPrefix();
    let a: TestServer;
    let b: TestServer;
    beforeAll(async () => {
      const shared = { redisUrl: TEST_REDIS_URL, redisPrefix, maxWaits: 2, newParticipantsPerMinute: 2 };
      [a, b] = await Promise.all([startTestServer(shared), startTestServer(shared)]);
    });
    afterAll(async () => {
      await Promise.all([a?.dispose(), b?.dispose()]);
      await deleteKeys(redisPrefix);
    });

    it('counts waits and new participants across instances', async () => {
      const onA = await connect(a.mcpUrl, 'modern');
      const onB = await connect(b.mcpUrl, 'legacy');
      const me = await onA.call('join_room', { room_id: 'shared', display_name: 'Ada' });
      const first = onA.call('wait_for_message', {
        room_id: 'shared',
        client_id: me.client_id,
        timeout: 120,
      });
      await until(
        () => (a.chat.parkedWaits === 1 ? true : undefined),
        () => 'a wait parked on a',
      );
      const second = onB.call('wait_for_message', { room_id: 'shared', client_id: me.client_id, timeout: 2 });
      await until(
        () => (b.chat.parkedWaits === 1 ? true : undefined),
        () => 'a wait parked on b',
      );
      const third = onB.call('wait_for_message', { room_id: 'shared', client_id: me.client_id, timeout: 2 });
      expect(await first).toMatchObject({ timeout: true, superseded: true });
      for (const result of await Promise.all([second, third])) expect(result.superseded).toBeUndefined();

      // Ada was the first of two from this address; one more anywhere, then none.
      await onB.call('enter_queue', { display_name: 'Bo' });
      expect((await onA.fail('enter_queue', { display_name: 'Cy' })).code).toBe('rate_limited');
      expect((await onB.fail('enter_queue', { display_name: 'Cy' })).code).toBe('rate_limited');
      await Promise.all([onA.close(), onB.close()]);
    });
  },
);
