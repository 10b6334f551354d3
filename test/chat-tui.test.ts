import { describe, expect, it } from 'vitest';
import { CLI, ROOT } from './support/cli.js';
import { connect } from './support/clients.js';
import { sharedTestServer } from './support/server.js';
import { haveTmux, TmuxScreen } from './support/tmux.js';

// The full-screen interface in a real pseudo-terminal (tmux), against the real server, with an
// official-SDK client as the partner.

const server = sharedTestServer();

const SGR_GREEN = '\u001b[32m';
const SGR_CYAN = '\u001b[36m';

describe.runIf(await haveTmux())('mcp-chat chat in a terminal', () => {
  it('joins a room, shows and sends messages, shows the partner leaving, and quits cleanly', async () => {
    const chat = `node ${CLI.join(' ')} chat --url ${server.mcpUrl.href} --room tui-room --name Ann`;
    // The shell line after the client prints its exit status and keeps the pane open to read it.
    const screen = await TmuxScreen.start(`${chat}; echo "exit status $?"; sleep 60`, { cwd: ROOT });
    const bob = await connect(server.mcpUrl, 'modern', 'bob');
    try {
      const header = await screen.shows(/in room tui-room, waiting for someone to join/);
      expect(header).toContain(`MCP Chat · ${server.mcpUrl.href} · room tui-room · Ann`);

      const joined = await bob.call('join_room', { room_id: 'tui-room', display_name: 'Bob' });
      const bobId = joined.client_id as string;
      await bob.call('send_message', { room_id: 'tui-room', client_id: bobId, message: 'hello from Bob' });
      await screen.shows(/Bob: hello from Bob/);
      await screen.shows(/● in room tui-room with Bob/);

      const heard = bob.call('wait_for_message', { room_id: 'tui-room', client_id: bobId, timeout: 20 });
      await screen.type('hi Bob, this is Ann');
      await screen.press('Enter');
      expect(await heard).toMatchObject({ message: 'hi Bob, this is Ann', sender: 'Ann' });
      await screen.shows(/Ann: hi Bob, this is Ann/);

      // Own messages and the partner's are told apart by colour.
      const coloured = await screen.coloured();
      expect(lineWith(coloured, 'hello from Bob')).toContain(SGR_GREEN);
      expect(lineWith(coloured, 'hi Bob, this is Ann')).toContain(SGR_CYAN);

      // Up recalls what was typed; Ctrl+U clears the line again.
      await screen.press('Up');
      await screen.shows(/^> hi Bob, this is Ann/m);
      await screen.press('C-u');
      await screen.shows(/^> +Type a message, or \/help/m);

      await screen.type('/frobnicate');
      await screen.press('Enter');
      await screen.shows(/! Unknown command \/frobnicate\. Type \/help for the list\./);

      await bob.call('leave_chat', { room_id: 'tui-room', client_id: bobId });
      await screen.shows(/\* Your chat partner has left the conversation\./);
      await screen.shows(/● partner left; you are alone in room tui-room/);

      await screen.type('/quit');
      await screen.press('Enter');
      const after = await screen.shows(/exit status \d+/);
      expect(after).toMatch(/exit status 0/);
      // The alternate screen is gone: the shell's screen is back, without the chat drawn over it.
      expect(after).not.toContain('Type a message');
    } finally {
      await bob.close();
      await screen.dispose();
    }
  });
});

function lineWith(screen: string, text: string): string {
  return screen.split('\n').find((line) => line.includes(text)) ?? '';
}
