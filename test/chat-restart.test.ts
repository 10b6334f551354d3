import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CliProcess, runCli } from './support/cli.js';
import { type ChatClient, connect } from './support/clients.js';
import { freePort } from './support/process.js';
import { startServerProcess } from './support/server-process.js';

// A server restart, and a crash, in the middle of a conversation: `mcp-chat chat` (line mode)
// says so, reconnects by itself with the same identity, and nothing is lost either way.

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function stop(process: CliProcess, signal: NodeJS.Signals) {
  process.child.kill(signal);
  return process.exited;
}

describe('mcp-chat chat across server restarts', () => {
  it('reconnects and carries on where it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-chat-restart-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const db = join(dir, 'chat.db');
    const port = await freePort();
    const url = new URL(`http://127.0.0.1:${port}/mcp`);
    let server = await startServerProcess(port, db);
    cleanups.push(() => stop(server, 'SIGKILL'));

    const chat = runCli(['chat', '--url', url.href, '--room', 'restart-room', '--name', 'Ann']);
    cleanups.push(() => stop(chat, 'SIGKILL'));
    await chat.line(/^-- in room restart-room, waiting for someone to join$/);

    // Bob is an official-SDK client; a fresh one after each restart, as a person's client would do.
    let bob: ChatClient = await connect(url, 'modern', 'bob');
    const joined = await bob.call('join_room', { room_id: 'restart-room', display_name: 'Bob' });
    const bobId = joined.client_id as string;
    const say = (message: string) =>
      bob.call('send_message', { room_id: 'restart-room', client_id: bobId, message });
    await say('before the restart');
    await chat.line(/^\[[\d:]+\] #\d+ Bob: before the restart$/);

    // A graceful restart (SIGTERM): the parked wait is answered, the client says it lost the server.
    await bob.close();
    expect(await stop(server, 'SIGTERM')).toBe(0);
    await chat.line(/^-- connection lost \(.+\); reconnecting…$/);
    // Typed while the server is away: sent once it is back, and stored once.
    chat.child.stdin.write('typed while the server was down\n');
    server = await startServerProcess(port, db);
    bob = await connect(url, 'modern', 'bob');
    await chat.line(/^-- in room restart-room with Bob$/);
    await say('after the restart');
    await chat.line(/^\[[\d:]+\] #\d+ Bob: after the restart$/);

    // A crash (SIGKILL): no goodbye at all, the connection just drops.
    await bob.close();
    await stop(server, 'SIGKILL');
    await chat.line(/^-- connection lost \(.+\); reconnecting…$/);
    server = await startServerProcess(port, db);
    bob = await connect(url, 'modern', 'bob');
    await chat.line(/^-- in room restart-room with Bob$/);
    await say('after the crash');
    await chat.line(/^\[[\d:]+\] #\d+ Bob: after the crash$/);

    const history = await bob.call('get_messages', { room_id: 'restart-room', client_id: bobId });
    const texts = (history.messages as { message: string }[]).map((m) => m.message);
    expect(texts.filter((text) => text === 'typed while the server was down')).toHaveLength(1);

    chat.child.stdin.end();
    expect(await chat.exited).toBe(0);
    await bob.close();
    // Three server starts and a client process, each a separate Node: slow on a busy machine.
  }, 90_000);
});
