import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Era } from './support/clients.js';
import { type InspectorEra, inspectorCall, inspectorVersion, runInspector } from './support/inspector.js';
import { sharedTestServer, untilParked } from './support/server.js';

const server = sharedTestServer();
let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'mcp-chat-inspector-'));
});
afterAll(() => {
  rmSync(home, { recursive: true, force: true });
});

// Each pairing crosses eras: the Inspector in one, the official SDK client parked in the other.
const pairings: { inspector: InspectorEra; sdk: Era }[] = [
  { inspector: 'legacy', sdk: 'modern' },
  { inspector: 'modern', sdk: 'sdk1' },
];

describe.each(pairings)(
  `MCP Inspector ${inspectorVersion} CLI ($inspector era) with an SDK client ($sdk)`,
  ({ inspector, sdk }) => {
    it('sends a message that a parked wait_for_message receives, and reads the history', async () => {
      const call = (tool: string, args: Record<string, unknown>) =>
        inspectorCall(server.mcpUrl, inspector, tool, args, home);
      const roomId = `inspector-${inspector}`;

      const created = await call('join_room', { room_id: roomId, display_name: 'Inspector' });
      expect(created).toMatchObject({ status: 'room_created', room_id: roomId });
      const inspectorId = created.client_id as string;

      const ann = await connect(server.mcpUrl, sdk, 'ann');
      const joined = await ann.call('join_room', { room_id: roomId, display_name: 'Ann' });
      expect(joined).toMatchObject({ status: 'joined', partner: { display_name: 'Inspector' } });
      const annId = joined.client_id as string;
      // Bounded below the test's own timeout, so a lost message shows as a timeout result.
      const parked = ann.call('wait_for_message', { room_id: roomId, client_id: annId, timeout: 20 });
      await untilParked(server, 1);

      const sent = await call('send_message', {
        room_id: roomId,
        client_id: inspectorId,
        message: 'Hello from the Inspector',
      });
      expect(sent).toMatchObject({ success: true, seq: 2 });
      expect(await parked).toMatchObject({
        message: 'Hello from the Inspector',
        sender: 'Inspector',
        seq: 2,
        messages: [{ message: 'Hello from the Inspector' }],
      });

      await ann.call('send_message', {
        room_id: roomId,
        client_id: annId,
        message: 'Hi Inspector, Ann here',
      });
      const history = await call('get_messages', { room_id: roomId, client_id: inspectorId });
      const lines = (history.messages as { sender: string; message: string; seq: number }[]).map((m) => [
        m.seq,
        m.sender,
        m.message,
      ]);
      expect(lines).toEqual([
        [1, 'System', '[System] Ann has joined the chat.'],
        [2, 'Inspector', 'Hello from the Inspector'],
        [3, 'Ann', 'Hi Inspector, Ann here'],
      ]);
      expect(history).toMatchObject({ room_id: roomId, has_more: false, latest_seq: 3 });
      await ann.close();
    });

    it('gets our error objects, which it checks against the outputSchema', async () => {
      const run = await runInspector(
        server.mcpUrl,
        [
          '--protocol-era',
          inspector,
          '--format',
          'json',
          '--method',
          'tools/call',
          '--tool-name',
          'get_messages',
          '--tool-args-json',
          JSON.stringify({ room_id: 'nowhere', client_id: 'c_unknown' }),
        ],
        home,
      );
      // Exit status 5 is the Inspector's "the tool returned isError"; a schema violation is 1.
      expect(run.code, run.stderr).toBe(5);
      const output = JSON.parse(run.stdout) as { result: { isError: boolean; structuredContent: unknown } };
      expect(output.result).toMatchObject({ isError: true, structuredContent: { code: 'invalid_client' } });
    });
  },
);

it('finds no portability errors in our tool schemas (tools/list --strict)', async () => {
  const run = await runInspector(
    server.mcpUrl,
    ['--format', 'json', '--method', 'tools/list', '--strict'],
    home,
  );
  // --strict exits 6 when any tool schema has an error-severity portability problem.
  expect(run.code, run.stderr).toBe(0);
  const { result } = JSON.parse(run.stdout) as { result: { tools: { name: string }[] } };
  expect(result.tools.map((tool) => tool.name)).toContain('wait_for_message');
});
