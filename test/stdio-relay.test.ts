import { afterEach, describe, expect, it } from 'vitest';
import { connect } from './support/clients.js';
import { until } from './support/poll.js';
import { type ServerProcess, spawnServer, stopServer } from './support/process.js';
import { type StdioChat, startStdio } from './support/stdio.js';

/**
 * `mcp-chat stdio --server URL`: the tools of a real MCP Chat server, relayed over HTTP, with the
 * server's push turned into Claude Code channel events on the stdio side. (Without a token: the
 * server runs with no access control here.)
 */
describe('mcp-chat stdio --server (relay)', { timeout: 120_000 }, () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setUp(): Promise<{ server: ServerProcess; relay: StdioChat }> {
    const server = await spawnServer(['--db', ':memory:'], { MCP_CHAT_LOG_LEVEL: 'warn' });
    cleanups.push(() => stopServer(server));
    const relay = await startStdio(['--server', server.url], {});
    cleanups.push(() => relay.close());
    return { server, relay };
  }

  it('relays the tools and turns push into channel notifications', async () => {
    const { server, relay } = await setUp();
    expect(relay.capabilities()).toMatchObject({ tools: {}, experimental: { 'claude/channel': {} } });

    const person = await connect(server.mcpUrl, 'modern');
    cleanups.push(() => person.close());
    const room = await person.call('join_room', { room_id: 'porch', display_name: 'Person' });
    const agent = await relay.call('join_room', { room_id: 'porch', display_name: 'Agent' });
    expect(agent).toMatchObject({ status: 'joined', partner: { display_name: 'Person' } });

    // A wait through the relay, woken by a send on the server.
    const wait = relay.call('wait_for_message', {
      room_id: 'porch',
      client_id: agent.client_id,
      timeout: 30,
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await person.call('send_message', {
      room_id: 'porch',
      client_id: room.client_id,
      message: 'hello agent',
    });
    expect(await wait).toMatchObject({ message: 'hello agent', sender: 'Person' });

    // The server's push reached the stdio client as it came, and as a channel event.
    const channel = await until(
      () => relay.notifications.find((n) => n.method === 'notifications/claude/channel'),
      () => `a channel notification: ${JSON.stringify(relay.notifications)}`,
    );
    expect(channel.params).toEqual({
      content: 'Person: hello agent',
      meta: {
        room_id: 'porch',
        sender: 'Person',
        sender_id: room.user_id,
        seq: expect.any(String),
        message_id: expect.any(String),
        kind: 'message',
      },
    });
    expect(relay.notifications.some((n) => n.method === 'message.received')).toBe(true);

    // Refusals come through unchanged.
    const refused = await relay.fail('send_message', {
      room_id: 'nowhere',
      client_id: agent.client_id,
      message: 'x',
    });
    expect(refused).toMatchObject({ success: false, code: 'room_not_found' });

    // A departure is a `left` channel event.
    await person.call('leave_chat', { room_id: 'porch', client_id: room.client_id });
    const left = await until(
      () =>
        relay.notifications.find(
          (n) =>
            n.method === 'notifications/claude/channel' &&
            (n.params?.meta as { kind?: string })?.kind === 'left',
        ),
      () => `a left channel notification: ${JSON.stringify(relay.notifications)}`,
    );
    expect(left.params).toMatchObject({ content: expect.stringContaining('Person left room porch') });
  });

  it('answers unavailable while the server is out of reach', async () => {
    const { server, relay } = await setUp();
    const agent = await relay.call('join_room', { room_id: 'porch', display_name: 'Agent' });
    await stopServer(server);
    const refused = await relay.fail('send_message', {
      room_id: 'porch',
      client_id: agent.client_id,
      message: 'x',
    });
    expect(refused).toMatchObject({ success: false, code: 'unavailable' });
  });

  it('refuses to start when the server cannot be reached, saying so on stderr', async () => {
    const failed = await startStdio(['--server', 'http://127.0.0.1:9/'], {}).then(
      () => 'started',
      (error: Error) => error.message,
    );
    expect(failed).toContain('Could not connect to the MCP Chat server at http://127.0.0.1:9/mcp');
  });
});
