import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from './support/clients.js';
import { until } from './support/poll.js';
import { spawnServer, stopServer } from './support/process.js';
import { type StdioChat, startStdio } from './support/stdio.js';

/**
 * `mcp-chat stdio` as MCP clients start it (the official SDK's stdio client transport), on one
 * SQLite file: processes that are one chat, woken by each other.
 */
describe('mcp-chat stdio on a shared SQLite file', { timeout: 120_000 }, () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function freshDb(): string {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-chat-stdio-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return join(dir, 'chat.db');
  }

  async function stdio(db: string, era: 'legacy' | 'modern' = 'legacy'): Promise<StdioChat> {
    const client = await startStdio([], { MCP_CHAT_DB: db }, era);
    cleanups.push(() => client.close());
    return client;
  }

  it('two processes queue, match, talk, and wake each other across processes', async () => {
    const db = freshDb();
    const [ada, bob] = await Promise.all([stdio(db), stdio(db)]);
    expect(ada.pid).not.toBe(bob.pid);
    expect(ada.capabilities()).toMatchObject({ tools: {} });

    const waiting = await ada.call('enter_queue', { display_name: 'Ada' });
    expect(waiting).toMatchObject({ status: 'waiting', position: 1 });
    const match = ada.call('wait_for_match', { client_id: waiting.client_id, timeout: 30 });
    const matched = await bob.call('enter_queue', { display_name: 'Bob' });
    expect(matched).toMatchObject({ status: 'matched', partner: { display_name: 'Ada' } });
    expect(await match).toMatchObject({ status: 'matched', room_id: matched.room_id });
    const roomId = matched.room_id as string;

    // A wait in Ada's process, woken by a send in Bob's.
    const wait = ada.call('wait_for_message', { room_id: roomId, client_id: waiting.client_id, timeout: 30 });
    await new Promise((resolve) => setImmediate(resolve));
    await until(
      async () => {
        const status = await bob.call('get_status', { client_id: matched.client_id });
        return status.state === 'in_room' ? true : undefined;
      },
      () => 'Bob in the room',
    );
    const sentAt = Date.now();
    await bob.call('send_message', { room_id: roomId, client_id: matched.client_id, message: 'Hi Ada' });
    const heard = await wait;
    expect(heard).toMatchObject({ message: 'Hi Ada', sender: 'Bob' });
    // The 30 s timeout shows a wait nobody woke; the benchmark measures the real figure (p99).
    expect(Date.now() - sentAt).toBeLessThan(3000);

    // And back, with Bob's push arriving on his own stdio connection.
    const reply = bob.call('wait_for_message', {
      room_id: roomId,
      client_id: matched.client_id,
      timeout: 30,
    });
    await ada.call('send_message', { room_id: roomId, client_id: waiting.client_id, message: 'Hi Bob' });
    expect(await reply).toMatchObject({ message: 'Hi Bob', sender: 'Ada' });
    await until(
      () => bob.notifications.find((n) => n.method === 'message.received' && n.params?.message === 'Hi Bob'),
      () => `message.received on Bob's connection: ${JSON.stringify(bob.notifications)}`,
    );
    // And as a Claude Code channel event, which the server offered at the handshake.
    expect(bob.capabilities()).toMatchObject({ experimental: { 'claude/channel': {} } });
    const channel = await until(
      () =>
        bob.notifications.find(
          (n) => n.method === 'notifications/claude/channel' && n.params?.content === 'Ada: Hi Bob',
        ),
      () => `a channel event on Bob's connection: ${JSON.stringify(bob.notifications)}`,
    );
    expect(channel.params?.meta).toMatchObject({ room_id: roomId, sender: 'Ada', kind: 'message', seq: '2' });

    // The history is the file's: both processes read the same log.
    const history = await ada.call('get_messages', { room_id: roomId, client_id: waiting.client_id });
    expect((history.messages as { message: string }[]).map((m) => m.message)).toEqual(['Hi Ada', 'Hi Bob']);

    await bob.call('leave_chat', { room_id: roomId, client_id: matched.client_id });
    expect(
      await ada.call('wait_for_message', { room_id: roomId, client_id: waiting.client_id, timeout: 30 }),
    ).toMatchObject({ system: true, disconnect: true });
  });

  it('a stdio process and a serve process on one file are one chat, in both eras', async () => {
    const db = freshDb();
    const server = await spawnServer(['--db', db], { MCP_CHAT_LOG_LEVEL: 'warn' });
    cleanups.push(() => stopServer(server));
    const web = await connect(server.mcpUrl, 'legacy');
    cleanups.push(() => web.close());
    const agent = await stdio(db, 'modern');

    const created = await web.call('join_room', { room_id: 'porch', display_name: 'Person' });
    const joined = await agent.call('join_room', { room_id: 'porch', display_name: 'Agent' });
    expect(joined).toMatchObject({ status: 'joined', partner: { display_name: 'Person' } });
    // The person hears of the join (written by the stdio process) through the serve process.
    expect(
      await web.call('wait_for_message', { room_id: 'porch', client_id: created.client_id, timeout: 30 }),
    ).toMatchObject({ message: '[System] Agent has joined the chat.', system: true });

    const wait = agent.call('wait_for_message', {
      room_id: 'porch',
      client_id: joined.client_id,
      timeout: 30,
    });
    // Give the wait a moment to park; if it has not, it finds the message at once anyway.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const sentAt = Date.now();
    await web.call('send_message', { room_id: 'porch', client_id: created.client_id, message: 'from HTTP' });
    expect(await wait).toMatchObject({ message: 'from HTTP' });
    expect(Date.now() - sentAt).toBeLessThan(3000);

    const back = web.call('wait_for_message', {
      room_id: 'porch',
      client_id: created.client_id,
      timeout: 30,
    });
    await agent.call('send_message', {
      room_id: 'porch',
      client_id: joined.client_id,
      message: 'from stdio',
    });
    expect(await back).toMatchObject({ message: 'from stdio' });
  });

  it('exits by itself when the client closes stdin, logging only to stderr', async () => {
    const db = freshDb();
    const client = await startStdio([], { MCP_CHAT_DB: db });
    await client.call('join_room', { room_id: 'lobby', display_name: 'Solo' });
    const closingAt = Date.now();
    await client.close();
    // The transport would SIGTERM after 2 s; the process's log says why it stopped.
    expect(Date.now() - closingAt).toBeLessThan(2000);
    await until(
      () => (client.stderr().includes('the client closed the connection') ? true : undefined),
      () => `the stop logged on stderr:\n${client.stderr()}`,
    );
  });

  it('refuses bad options with exit status 2 and a message on stderr', async () => {
    const failed = await startStdio(['--server', 'ftp://example'], {}).then(
      () => 'started',
      (error: Error) => error.message,
    );
    expect(failed).toContain('--server (MCP_CHAT_SERVER) must be an http:// or https:// URL');
  });
});
