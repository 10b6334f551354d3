import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CliProcess, runCli } from './support/cli.js';
import { connect } from './support/clients.js';
import { until } from './support/poll.js';
import { freePort, type ServerProcess, spawnServer, stopServer } from './support/process.js';
import { type StdioChat, startStdio } from './support/stdio.js';

/**
 * `mcp-chat stdio --server URL`: the tools of a real MCP Chat server, relayed over HTTP, with the
 * server's push turned into Claude Code channel events on the stdio side, with a bearer token when
 * the server asks for one.
 */
/** `mcp-chat serve` on a given port (a restart keeps its URL), once /healthz answers; slow machines get a minute. */
async function startServerProcess(port: number, db: string): Promise<CliProcess> {
  const server = runCli(['serve', '--port', String(port), '--db', db, '--log-level', 'warn']);
  await until(
    async () => {
      if (server.child.exitCode !== null)
        throw new Error(`mcp-chat serve exited: ${server.stderr().join('\n')}`);
      const response = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
      return response?.ok ? true : undefined;
    },
    () => `mcp-chat serve to answer on port ${port}`,
    60_000,
  );
  return server;
}

/** SIGTERM to a `mcp-chat serve` started by runCli, and its exit. */
async function stopCli(server: CliProcess): Promise<void> {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGTERM');
  await server.exited;
}

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
    expect(left.params).toMatchObject({ content: 'Person: (left the chat, room porch)' });
  });

  it('answers unavailable while the server is away, and goes on in a new session once it is back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-chat-relay-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const db = join(dir, 'chat.db');
    const port = await freePort();
    const first = await startServerProcess(port, db);
    cleanups.push(() => stopCli(first));
    const relay = await startStdio(['--server', `http://127.0.0.1:${port}`], {});
    cleanups.push(() => relay.close());
    const agent = await relay.call('join_room', { room_id: 'porch', display_name: 'Agent' });

    await stopCli(first);
    const refused = await relay.fail('send_message', {
      room_id: 'porch',
      client_id: agent.client_id,
      message: 'x',
    });
    expect(refused).toMatchObject({ success: false, code: 'unavailable' });

    // The restarted server knows nothing of the relay's session (404): the relay opens a new one.
    const second = await startServerProcess(port, db);
    cleanups.push(() => stopCli(second));
    const sent = await relay.call('send_message', {
      room_id: 'porch',
      client_id: agent.client_id,
      message: 'back',
    });
    expect(sent).toMatchObject({ success: true, seq: 1 });
  });

  it('sends its token to a server with tokens auth, and cannot start without one', async () => {
    const token = 'relay-token-0123456789';
    const server = await spawnServer(['--db', ':memory:'], {
      MCP_CHAT_LOG_LEVEL: 'warn',
      MCP_CHAT_AUTH: 'tokens',
      MCP_CHAT_TOKENS: `agent:${token}`,
    });
    cleanups.push(() => stopServer(server));
    const relay = await startStdio(['--server', server.url, '--token', token], {});
    cleanups.push(() => relay.close());
    expect(await relay.call('join_room', { room_id: 'guarded', display_name: 'Agent' })).toMatchObject({
      status: 'room_created',
    });

    const refused = await startStdio(['--server', server.url], {}).then(
      () => 'started',
      (error: Error) => error.message,
    );
    expect(refused).toContain(`Could not connect to the MCP Chat server at ${server.url}/mcp`);
  });

  it('refuses to start when the server cannot be reached, saying so on stderr', async () => {
    const failed = await startStdio(['--server', 'http://127.0.0.1:9/'], {}).then(
      () => 'started',
      (error: Error) => error.message,
    );
    expect(failed).toContain('Could not connect to the MCP Chat server at http://127.0.0.1:9/mcp');
  });
});
