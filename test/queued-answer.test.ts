import { connect as connectTcp, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { connect } from './support/clients.js';
import { until } from './support/poll.js';
import { sharedTestServer, untilParked } from './support/server.js';

// Found by `npm run torture` (disconnect storms): a client sent its next wait on a keep-alive
// connection before the server had finished the previous answer there, then dropped the
// connection. Node queues the response of such a request without a socket and never tells it that
// the connection closed, so the wait stayed parked, took the next message, and moved the cursor
// past an answer that could never arrive. The request's own connection is watched now.

const server = sharedTestServer();

/** A 2026-07-28 `tools/call` as raw HTTP/1.1 bytes, as the official client frames one. */
function rawCall(id: number, name: string, args: Record<string, unknown>, progressToken?: string): string {
  const meta: Record<string, unknown> = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
    'io.modelcontextprotocol/clientCapabilities': {},
  };
  if (progressToken) meta.progressToken = progressToken;
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name, arguments: args, _meta: meta },
  });
  return [
    'POST /mcp HTTP/1.1',
    `Host: ${server.mcpUrl.host}`,
    'Connection: keep-alive',
    'Content-Type: application/json',
    'Accept: application/json, text/event-stream',
    'MCP-Protocol-Version: 2026-07-28',
    'Mcp-Method: tools/call',
    `Mcp-Name: ${name}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

describe('a wait queued behind another answer on its connection', () => {
  for (const progress of [false, true]) {
    it(`${progress ? 'with progress ' : ''}ends when the connection drops, and takes nothing`, async () => {
      const holder = await connect(server.mcpUrl, 'modern', 'holder');
      const receiver = await connect(server.mcpUrl, 'modern', 'receiver');
      const sender = await connect(server.mcpUrl, 'modern', 'sender');
      const room = `queued-${progress ? 'p' : 'plain'}`;
      let socket: Socket | undefined;
      try {
        const held = await holder.call('join_room', { room_id: `${room}-other`, display_name: 'Holder' });
        const me = await receiver.call('join_room', { room_id: room, display_name: 'Receiver' });
        const them = await sender.call('join_room', { room_id: room, display_name: 'Sender' });
        // Read the join notice, so that the next message is the one the test is about.
        await receiver.call('wait_for_message', { room_id: room, client_id: me.client_id, timeout: 5 });

        const before = server.chat.parkedWaits;
        socket = connectTcp(Number(server.mcpUrl.port), '127.0.0.1');
        socket.on('error', () => undefined);
        // Two calls in one write: the second is read while the first is still parked.
        socket.write(
          rawCall(1, 'wait_for_message', {
            room_id: `${room}-other`,
            client_id: held.client_id,
            timeout: 30,
          }) +
            rawCall(
              2,
              'wait_for_message',
              { room_id: room, client_id: me.client_id, timeout: 30 },
              progress ? 'queued' : undefined,
            ),
        );
        await untilParked(server, before + 2);
        socket.destroy();
        await until(
          () => (server.chat.parkedWaits === before ? true : undefined),
          () => `both waits of the dropped connection to end; ${server.chat.parkedWaits} parked`,
        );

        const sent = await sender.call('send_message', {
          room_id: room,
          client_id: them.client_id,
          message: 'after the drop',
        });
        const next = await receiver.call('wait_for_message', {
          room_id: room,
          client_id: me.client_id,
          timeout: 5,
        });
        expect(next).toMatchObject({ message: 'after the drop', seq: sent.seq });
      } finally {
        socket?.destroy();
        await Promise.all([holder.close(), receiver.close(), sender.close()]);
      }
    });
  }
});
