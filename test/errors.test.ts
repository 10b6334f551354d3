import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatClient, connect, type Era } from './support/clients.js';
import { sharedTestServer, startTestServer, TEST_ENGINE } from './support/server.js';

const server = sharedTestServer();
let client: ChatClient;

beforeAll(async () => {
  client = await connect(server.mcpUrl, 'modern');
});
afterAll(async () => {
  await client.close();
});

/** After every refusal the server must still serve a whole exchange correctly. */
async function stillServes(c: ChatClient = client): Promise<void> {
  const room = `alive-${Math.random().toString(36).slice(2, 10)}`;
  const one = await c.call('join_room', { room_id: room, display_name: 'One' });
  const two = await c.call('join_room', { room_id: room, display_name: 'Two' });
  await c.call('send_message', { room_id: room, client_id: one.client_id, message: 'still alive' });
  expect(
    await c.call('wait_for_message', { room_id: room, client_id: two.client_id, timeout: 5 }),
  ).toMatchObject({
    message: 'still alive',
  });
}

describe('every error code, from a real call', () => {
  it('invalid_argument: wrong types, unknown keys and broken rules, without side effects', async () => {
    const me = await client.call('join_room', { room_id: 'args', display_name: 'Me' });
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['wait_for_message', { room_id: 'args', client_id: me.client_id, timeout: 'ten' }, /timeout/],
      ['send_message', { room_id: 'args', client_id: me.client_id }, /message/],
      ['send_message', { room_id: 'args', client_id: me.client_id, message: 42 }, /message/],
      [
        'send_message',
        { room_id: 'args', client_id: me.client_id, message: '' },
        /message must not be empty/,
      ],
      ['send_message', { room_id: 'args', client_id: me.client_id, message: 'x', roomId: 'args' }, /roomId/],
      ['join_room', { room_id: 'bad room!', display_name: 'X' }, /room_id/],
      ['join_room', { room_id: '', display_name: 'X' }, /room_id/],
      ['join_room', { room_id: 'x'.repeat(129), display_name: 'X' }, /room_id/],
      ['join_room', { room_id: 'cap', display_name: 'X', capacity: 1 }, /capacity/],
      ['join_room', { room_id: 'cap', display_name: 'X', capacity: 51 }, /capacity/],
      ['join_room', { room_id: 'cap', display_name: 'X', capacity: 2.5 }, /capacity/],
      ['join_room', { room_id: 'cap' }, /display_name/],
      ['enter_queue', { display_name: '   ' }, /display_name/],
      ['enter_queue', { display_name: 'x'.repeat(65) }, /display_name/],
      ['enter_queue', { display_name: 'bell\u0007' }, /control/],
      ['get_messages', { room_id: 'args', client_id: me.client_id, limit: 0 }, /limit/],
      ['get_messages', { room_id: 'args', client_id: me.client_id, limit: 101 }, /limit/],
      ['get_messages', { room_id: 'args', client_id: me.client_id, before: -1 }, /before/],
      ['wait_for_message', { room_id: 'args', client_id: me.client_id, after: 1.5 }, /after/],
      [
        'send_message',
        { room_id: 'args', client_id: me.client_id, message: 'x', idempotency_key: '' },
        /idempotency_key/,
      ],
    ];
    for (const [tool, args, mentions] of cases) {
      const error = await client.fail(tool, args);
      expect(error, `${tool} ${JSON.stringify(args)}`).toMatchObject({ code: 'invalid_argument' });
      expect(error.error).toMatch(mentions);
    }
    // Nothing was created or sent by any of them.
    expect(
      (await client.call('get_messages', { room_id: 'args', client_id: me.client_id })).messages,
    ).toEqual([]);
    await expect(
      client.fail('join_room', { room_id: 'cap', display_name: 'Y', client_id: 'c_nobody' }),
    ).resolves.toMatchObject({
      code: 'invalid_client',
    });
    await stillServes();
  });

  it('accepts null for optional arguments, as many models send it', async () => {
    const created = await client.call('enter_queue', { display_name: null, client_id: null });
    expect(created.display_name).toMatch(/^Anonymous-\d{4}$/);
    expect(await client.call('get_status', { client_id: created.client_id })).toMatchObject({
      state: 'waiting',
      position: 1,
    });
    const waiting = client.call('wait_for_match', { client_id: created.client_id, timeout: null });
    const partner = await client.call('enter_queue', { display_name: 'Partner' });
    expect(await waiting).toMatchObject({ status: 'matched', room_id: partner.room_id });
    await client.call('leave_chat', { room_id: partner.room_id, client_id: partner.client_id });
  });

  it('invalid_client: unknown and malformed client_ids, on every tool that takes one', async () => {
    const tools: [string, Record<string, unknown>][] = [
      ['enter_queue', {}],
      ['wait_for_match', { timeout: 1 }],
      ['join_room', { room_id: 'r', display_name: 'X' }],
      ['send_message', { room_id: 'r', message: 'x' }],
      ['wait_for_message', { room_id: 'r', timeout: 1 }],
      ['get_messages', { room_id: 'r' }],
      ['leave_chat', { room_id: 'r' }],
      ['get_status', {}],
      ['leave_queue', {}],
    ];
    for (const [tool, args] of tools) {
      for (const clientId of [`c_${'A'.repeat(32)}`, 'not even close', '']) {
        const error = await client.fail(tool, { ...args, client_id: clientId });
        expect(error, tool).toMatchObject({ code: 'invalid_client' });
        expect(error.error).toMatch(/^User not found\. Invalid client_id/);
      }
    }
    expect(
      await client.fail('send_message', { room_id: 'r', message: 'x', client_id: 'nope' }),
    ).toMatchObject({
      success: false,
      code: 'invalid_client',
    });
    await stillServes();
  });

  it('not_in_queue, room_not_found, room_full, not_in_room and chat_ended', async () => {
    const lone = await client.call('join_room', { room_id: 'solo', display_name: 'Lone' });
    expect(await client.fail('wait_for_match', { client_id: lone.client_id, timeout: 1 })).toMatchObject({
      code: 'not_in_queue',
    });
    expect(await client.fail('leave_queue', { client_id: lone.client_id })).toMatchObject({
      code: 'not_in_queue',
      success: false,
    });
    expect(
      await client.fail('send_message', { room_id: 'no-such-room', client_id: lone.client_id, message: 'x' }),
    ).toMatchObject({ code: 'room_not_found', success: false });
    expect(
      await client.fail('get_messages', { room_id: 'no-such-room', client_id: lone.client_id }),
    ).toMatchObject({
      code: 'room_not_found',
    });
    await client.call('join_room', { room_id: 'solo', display_name: 'Second' });
    const full = await client.fail('join_room', { room_id: 'solo', display_name: 'Third' });
    expect(full).toMatchObject({ code: 'room_full' });
    expect(full.error).toMatch(/^Room is full/);
    const outsider = await client.call('join_room', { room_id: 'elsewhere', display_name: 'Out' });
    for (const [tool, args] of [
      ['send_message', { message: 'x' }],
      ['wait_for_message', { timeout: 1 }],
      ['get_messages', {}],
      ['leave_chat', {}],
    ] as const) {
      expect(
        await client.fail(tool, { room_id: 'solo', client_id: outsider.client_id, ...args }),
        tool,
      ).toMatchObject({
        code: 'not_in_room',
      });
    }
    const a = await client.call('enter_queue', { display_name: 'A' });
    const b = await client.call('enter_queue', { display_name: 'B' });
    await client.call('leave_chat', { room_id: b.room_id, client_id: b.client_id });
    expect(await client.fail('join_room', { room_id: b.room_id, display_name: 'Late' })).toMatchObject({
      code: 'chat_ended',
    });
    await client.call('wait_for_message', { room_id: b.room_id, client_id: a.client_id, timeout: 1 });
    expect(
      await client.fail('wait_for_message', { room_id: b.room_id, client_id: a.client_id, timeout: 1 }),
    ).toMatchObject({
      code: 'chat_ended',
    });
    await stillServes();
  });

  it('message_too_large counts bytes of UTF-8, not characters', async () => {
    const a = await client.call('join_room', { room_id: 'big', display_name: 'A' });
    const fits = 'é'.repeat(8192); // 16,384 bytes
    expect(
      await client.call('send_message', { room_id: 'big', client_id: a.client_id, message: fits }),
    ).toMatchObject({
      success: true,
    });
    const error = await client.fail('send_message', {
      room_id: 'big',
      client_id: a.client_id,
      message: `${fits}x`,
    });
    expect(error).toMatchObject({ success: false, code: 'message_too_large' });
    expect(error.error).toMatch(/16385 bytes.*16384/);
    await stillServes();
  });
});

describe('rate_limited', () => {
  it('allows a burst of twice the rate, then refuses, per client', async () => {
    const limited = await startTestServer({ rateLimit: 1 });
    const c = await connect(limited.mcpUrl, 'legacy');
    try {
      const a = await c.call('join_room', { room_id: 'fast', display_name: 'A' });
      const b = await c.call('join_room', { room_id: 'fast', display_name: 'B' });
      const send = (who: Record<string, unknown>, n: number) =>
        c.raw('send_message', { room_id: 'fast', client_id: who.client_id, message: `m${n}` });
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await send(a, i));
      const refused = results.filter((r) => r.isError);
      expect(refused.length).toBeGreaterThanOrEqual(1);
      expect(refused[0]?.structuredContent).toMatchObject({ success: false, code: 'rate_limited' });
      // Another client has its own budget.
      expect((await send(b, 9)).isError).toBeFalsy();
      // Refused sends were not stored.
      const history = await c.call('get_messages', { room_id: 'fast', client_id: b.client_id });
      const texts = (history.messages as { message: string }[]).map((m) => m.message);
      expect(texts.filter((t) => t.startsWith('m') && t !== 'm9')).toHaveLength(4 - refused.length);
      await stillServes(c);
    } finally {
      await c.close();
      await limited.dispose();
    }
  });
});

// Locks the SQLite file; Redis outages have their own tests (test/redis-restart.test.ts).
describe.skipIf(TEST_ENGINE === 'redis')('unavailable (SQLite)', () => {
  it.each<Era>(['modern', 'sdk1'])(
    'answers unavailable while the database is locked, releases parked waits, and recovers (%s)',
    async (era) => {
      const local = await startTestServer();
      const c = await connect(local.mcpUrl, era);
      const blocker = new Database(local.dbPath);
      try {
        const a = await c.call('join_room', { room_id: 'locked', display_name: 'A' });
        const b = await c.call('join_room', { room_id: 'locked', display_name: 'B' });
        const parked = c.raw('wait_for_message', { room_id: 'locked', client_id: b.client_id, timeout: 60 });
        // Another connection holds the write lock, as a stuck maintenance job or a shell would.
        blocker.exec('BEGIN IMMEDIATE');
        const health = await fetch(`${local.url}/healthz`);
        expect(health.status).toBe(503);
        expect(await health.json()).toEqual({ status: 'unavailable' });
        const failed = await c.fail('send_message', {
          room_id: 'locked',
          client_id: a.client_id,
          message: 'lost?',
        });
        expect(failed).toMatchObject({ success: false, code: 'unavailable' });
        expect(failed.error).toMatch(/Try again/);
        const released = await parked;
        expect(released.structuredContent).toMatchObject({ code: 'unavailable' });

        blocker.exec('ROLLBACK');
        await expect
          .poll(async () => (await fetch(`${local.url}/healthz`)).status, { timeout: 5000 })
          .toBe(200);
        await c.call('send_message', { room_id: 'locked', client_id: a.client_id, message: 'back' });
        expect(
          await c.call('wait_for_message', { room_id: 'locked', client_id: b.client_id, timeout: 5 }),
        ).toMatchObject({
          message: 'back',
        });
      } finally {
        blocker.close();
        await c.close();
        await local.dispose();
      }
    },
  );
});
