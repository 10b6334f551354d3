import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { connect } from './support/clients.js';
import { sharedTestServer } from './support/server.js';

// Line mode: `mcp-chat chat` with its standard streams piped, as a script would run it.

const server = sharedTestServer();

const STAMP = String.raw`\[\d\d:\d\d:\d\d\]`;

describe('mcp-chat chat in line mode', () => {
  it('prints each incoming message as a line, sends each input line, and exits on end of input', async () => {
    const chat = runCli(['chat', '--url', server.mcpUrl.href, '--room', 'pipe-room', '--name', 'Script']);
    const bob = await connect(server.mcpUrl, 'modern', 'bob');
    try {
      await chat.line(/^-- in room pipe-room, waiting for someone to join$/);
      const joined = await bob.call('join_room', { room_id: 'pipe-room', display_name: 'Bob' });
      const bobId = joined.client_id as string;
      await chat.line(new RegExp(`^${STAMP} \\* Bob has joined the chat\\.$`));

      await bob.call('send_message', {
        room_id: 'pipe-room',
        client_id: bobId,
        message: 'two\nlines and a \u001b[31mcolour escape',
      });
      // One message, one line: the newline is written as \n and the escape sequence is dropped.
      await chat.line(new RegExp(`^${STAMP} #\\d+ Bob: two\\\\nlines and a \\[31mcolour escape$`));

      const heard = bob.call('wait_for_message', { room_id: 'pipe-room', client_id: bobId, timeout: 20 });
      chat.child.stdin.write('hello from a pipe\n');
      expect(await heard).toMatchObject({ message: 'hello from a pipe', sender: 'Script' });

      chat.child.stdin.write('/frobnicate\n');
      await chat.errorLine(/^error: Unknown command \/frobnicate\. Type \/help for the list\.$/);

      await bob.call('leave_chat', { room_id: 'pipe-room', client_id: bobId });
      await chat.line(new RegExp(`^${STAMP} \\* Your chat partner has left the conversation\\.$`));
      await chat.line(/^-- partner left; you are alone in room pipe-room$/);

      chat.child.stdin.end();
      expect(await chat.exited).toBe(0);
      // Own messages are not echoed: the script wrote them.
      expect(chat.stdout().join('\n')).not.toContain('hello from a pipe');
    } finally {
      chat.child.kill();
      await bob.close();
    }
  });

  it('sends every line read before end of input, then leaves the room', async () => {
    const bob = await connect(server.mcpUrl, 'modern', 'bob');
    try {
      const joined = await bob.call('join_room', { room_id: 'batch-room', display_name: 'Bob' });
      const bobId = joined.client_id as string;
      const chat = runCli(['chat', '--url', server.mcpUrl.href, '--room', 'batch-room', '--name', 'Batch']);
      chat.child.stdin.end('one\ntwo\nthree\n');
      expect(await chat.exited).toBe(0);
      const said = await bob.call('get_messages', { room_id: 'batch-room', client_id: bobId });
      const texts = (said.messages as { message: string }[]).map((m) => m.message);
      expect(texts).toEqual([
        '[System] Batch has joined the chat.',
        'one',
        'two',
        'three',
        '[System] Your chat partner has left the conversation.',
      ]);
    } finally {
      await bob.close();
    }
  });

  it('exits with an error when the URL is not an MCP Chat endpoint', async () => {
    const wrong = new URL('/not-mcp', server.mcpUrl);
    const chat = runCli(['chat', '--url', wrong.href, '--room', 'nowhere']);
    chat.child.stdin.end();
    expect(await chat.exited).toBe(1);
    expect(chat.stderr()).toEqual([
      expect.stringMatching(/^error: Cannot chat through http:\S+\/not-mcp: \S/),
    ]);
  });

  it('explains a bad flag and lists the options', async () => {
    const help = runCli(['chat', '--help']);
    expect(await help.exited).toBe(0);
    expect(help.stdout().join('\n')).toMatch(/--url URL.*\n.*--name NAME.*\n.*--room ROOM.*\n.*--capacity N/);
    const bad = runCli(['chat', '--room', 'x', '--capacity', 'lots']);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()[0]).toBe(
      'mcp-chat chat: The capacity must be a whole number of at least 2; got "lots".',
    );
  });
});
