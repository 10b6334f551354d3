import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { type ChatClient, connect } from './support/clients.js';
import { randomPrefix, redisSkipReason, TEST_REDIS_URL } from './support/redis.js';
import { startTestServer, type TestServer, untilParked } from './support/server.js';

/**
 * Matching and safety over real HTTP on both engines: interests and shared_interests, no
 * instant rematch, block_user in a named room of three, report_user, and a ban given by
 * `mcp-chat admin ban` from another process.
 */

const skip = await redisSkipReason();
const engines = [
  { engine: 'sqlite', redis: false },
  ...(skip === undefined ? [{ engine: 'redis', redis: true }] : []),
];

describe.each(engines)('matching and safety ($engine)', ({ redis }) => {
  let server: TestServer;
  const open: ChatClient[] = [];
  const redisPrefix = randomPrefix();
  beforeAll(async () => {
    server = await startTestServer(
      redis ? { redisUrl: TEST_REDIS_URL, redisPrefix } : { redisUrl: undefined },
    );
  });
  afterAll(async () => {
    await Promise.allSettled(open.map((c) => c.close()));
    await server.dispose();
  });
  const client = async () => {
    const c = await connect(server.mcpUrl, 'modern');
    open.push(c);
    return c;
  };
  /** `mcp-chat admin ...` in its own process, on this server's storage. */
  const admin = async (...args: string[]) => {
    const storage = redis
      ? ['--redis-url', TEST_REDIS_URL, '--redis-prefix', redisPrefix]
      : ['--db', server.dbPath];
    const cli = runCli(['admin', ...args, ...storage], { ...process.env, MCP_CHAT_REDIS_URL: '' });
    const code = await cli.exited;
    expect(code, cli.stderr().join('\n')).toBe(0);
    return cli.stdout();
  };

  it('matches by a shared interest, says which, and passes over someone who shares none', async () => {
    const [ann, bob, cid] = [await client(), await client(), await client()];
    const a = await ann.call('enter_queue', { display_name: 'Ann', interests: ['Chess', 'jazz'] });
    expect(a.status).toBe('waiting');
    const b = await bob.call('enter_queue', { display_name: 'Bob', interests: ['rust'] });
    expect(b.status).toBe('waiting');
    const parked = ann.call('wait_for_match', { client_id: a.client_id, timeout: 30 });
    await untilParked(server, 1);
    const c = await cid.call('enter_queue', { display_name: 'Cid', interests: ['JAZZ', 'go'] });
    expect(c).toMatchObject({
      status: 'matched',
      partner: { user_id: a.user_id },
      shared_interests: ['jazz'],
    });
    expect(await parked).toMatchObject({
      status: 'matched',
      partner: { user_id: c.user_id },
      shared_interests: ['jazz'],
    });
    const refused = await bob.fail('enter_queue', { interests: ['a,b'] });
    expect(refused.code).toBe('invalid_argument');
    await bob.call('leave_queue', { client_id: b.client_id });
  });

  it('does not rematch a pair at once while two others wait', async () => {
    const [ann, bob, x, y] = [await client(), await client(), await client(), await client()];
    const a = await ann.call('enter_queue', { display_name: 'Ann', interests: ['tea'] });
    const b = await bob.call('enter_queue', { display_name: 'Bob', interests: ['tea'] });
    expect(b).toMatchObject({ status: 'matched', partner: { user_id: a.user_id } });
    await ann.call('leave_chat', { room_id: b.room_id, client_id: a.client_id });
    // Two others wait for tea; Bob comes back first, then Ann.
    await x.call('enter_queue', { display_name: 'Xia', interests: ['tea'] });
    const again = await bob.call('enter_queue', { client_id: b.client_id, interests: ['tea'] });
    expect(again.status).toBe('matched');
    await y.call('enter_queue', { display_name: 'Yan', interests: ['tea'] });
    const annAgain = await ann.call('enter_queue', { client_id: a.client_id, interests: ['tea'] });
    expect(annAgain.status).toBe('matched');
    expect((annAgain.partner as { user_id: string }).user_id).not.toBe(b.user_id);
    expect((again.partner as { user_id: string }).user_id).not.toBe(a.user_id);
  });

  it("hides a blocked member's messages from the blocker in waits, history, search and unread; the third sees all", async () => {
    const [ann, bob, cid] = [await client(), await client(), await client()];
    const room = `three-${Date.now().toString(36)}`;
    const a = await ann.call('join_room', { room_id: room, display_name: 'Ann', capacity: 3 });
    const b = await bob.call('join_room', { room_id: room, display_name: 'Bob' });
    const c = await cid.call('join_room', { room_id: room, display_name: 'Cid' });
    const [aid, bid, cidId] = [a.client_id, b.client_id, c.client_id] as string[];
    await ann.call('wait_for_message', { room_id: room, client_id: aid, timeout: 1 });
    await cid.call('wait_for_message', { room_id: room, client_id: cidId, timeout: 1 });
    expect(await ann.call('block_user', { client_id: aid, user_id: b.user_id })).toMatchObject({
      success: true,
    });
    const other = `other-${Date.now().toString(36)}`;
    await ann.call('join_room', { room_id: other, display_name: 'Ann', client_id: aid });
    await bob.call('send_message', { room_id: room, client_id: bid, message: 'zebra insult' });
    // Unread, seen from another room: nothing from Bob.
    const status = await ann.call('join_room', { room_id: other, display_name: 'Ann', client_id: aid });
    expect(status.unread).toBeUndefined();
    const parked = ann.call('wait_for_message', { room_id: room, client_id: aid, timeout: 30 });
    await untilParked(server, 1);
    await cid.call('send_message', { room_id: room, client_id: cidId, message: 'zebra hello' });
    const got = (await parked).messages as { message: string }[];
    expect(got.map((m) => m.message)).toEqual(['zebra hello']);
    const history = (await ann.call('get_messages', { room_id: room, client_id: aid })).messages as {
      sender_id: string;
    }[];
    expect(history.some((m) => m.sender_id === b.user_id)).toBe(false);
    const found = (await ann.call('search_messages', { client_id: aid, query: 'zebra' })).messages as {
      message: string;
    }[];
    expect(found.map((m) => m.message)).toEqual(['zebra hello']);
    // The third member sees everything.
    const third = (await cid.call('wait_for_message', { room_id: room, client_id: cidId, timeout: 1 }))
      .messages as { message: string }[];
    expect(third.map((m) => m.message)).toEqual(['zebra insult']);
    const theirSearch = (await cid.call('search_messages', { client_id: cidId, query: 'zebra' }))
      .messages as {
      message: string;
    }[];
    expect(theirSearch.map((m) => m.message).sort()).toEqual(['zebra hello', 'zebra insult']);
    // No push of Bob's messages reached Ann either.
    expect(ann.notifications.some((n) => JSON.stringify(n.params ?? {}).includes('zebra insult'))).toBe(
      false,
    );
    expect(await ann.call('unblock_user', { client_id: aid, user_id: b.user_id })).toMatchObject({
      was_blocked: true,
    });
    expect((await ann.fail('block_user', { client_id: aid, user_id: a.user_id })).code).toBe(
      'invalid_argument',
    );
  });

  it('reports, then a ban from another process ends the parked wait, answers banned, and tells the partner', async () => {
    const [ann, bob] = [await client(), await client()];
    const a = await ann.call('enter_queue', { display_name: 'Ann', interests: ['birds'] });
    const b = await bob.call('enter_queue', { display_name: 'Bob', interests: ['birds'] });
    expect(b.status).toBe('matched');
    const room = b.room_id as string;
    const [aid, bid] = [a.client_id, b.client_id] as string[];
    const abuse = await bob.call('send_message', { room_id: room, client_id: bid, message: 'abuse' });
    await ann.call('wait_for_message', { room_id: room, client_id: aid, timeout: 1 });
    const report = await ann.call('report_user', {
      client_id: aid,
      user_id: b.user_id,
      reason: 'insults',
      room_id: room,
    });
    expect(report.message_ids).toEqual([abuse.message_id]);
    const listed = await admin('reports', '--json');
    expect(listed.map((line) => JSON.parse(line).reportId)).toContain(report.report_id);

    const parked = bob.raw('wait_for_message', { room_id: room, client_id: bid, timeout: 60 });
    await untilParked(server, 1);
    expect((await admin('ban', b.user_id as string, '--reason', 'insults'))[0]).toMatch(/^Banned /);
    const ended = await parked;
    expect(ended.isError).toBe(true);
    expect(ended.structuredContent).toMatchObject({ code: 'banned' });
    expect((await bob.fail('get_status', { client_id: bid })).code).toBe('banned');
    const told = await ann.call('wait_for_message', { room_id: room, client_id: aid, timeout: 10 });
    expect(told).toMatchObject({ disconnect: true, system: true });
    expect((await admin('unban', b.user_id as string))[0]).toMatch(/^Unbanned /);
    expect((await bob.call('get_status', { client_id: bid })).state).toBe('idle');
    // Three CLI processes: slow to start on a loaded machine.
  }, 180_000);
});

describe.each(engines)('the interest wait ($engine)', ({ redis }) => {
  let server: TestServer;
  const open: ChatClient[] = [];
  beforeAll(async () => {
    const storage = redis
      ? { redisUrl: TEST_REDIS_URL, redisPrefix: randomPrefix() }
      : { redisUrl: undefined };
    server = await startTestServer({ ...storage, interestWaitSeconds: 1 });
  });
  afterAll(async () => {
    await Promise.allSettled(open.map((c) => c.close()));
    await server.dispose();
  });

  it('matches two who share nothing once they waited, with nobody else arriving', async () => {
    const [ann, bob] = [await connect(server.mcpUrl, 'modern'), await connect(server.mcpUrl, 'legacy')];
    open.push(ann, bob);
    const a = await ann.call('enter_queue', { display_name: 'Ann', interests: ['chess'] });
    const b = await bob.call('enter_queue', { display_name: 'Bob', interests: ['jazz'] });
    expect([a.status, b.status]).toEqual(['waiting', 'waiting']);
    // Nobody calls enter_queue again: the sweep's second look pairs them.
    const matched = await ann.call('wait_for_match', { client_id: a.client_id, timeout: 30 });
    expect(matched).toMatchObject({
      status: 'matched',
      partner: { user_id: b.user_id },
      shared_interests: [],
    });
    expect(await bob.call('wait_for_match', { client_id: b.client_id, timeout: 5 })).toMatchObject({
      status: 'matched',
      room_id: matched.room_id,
    });
  });
});
