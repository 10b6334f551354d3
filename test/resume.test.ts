import { describe, expect, it } from 'vitest';
import { connect } from './support/clients.js';
import { JSON_HEADERS, parseSse, readEvents } from './support/raw.js';
import { sharedTestServer } from './support/server.js';

const server = sharedTestServer();

async function rpc(sessionId: string | undefined, body: unknown): Promise<Response> {
  return fetch(server.mcpUrl, {
    method: 'POST',
    headers: {
      ...JSON_HEADERS,
      ...(sessionId ? { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' } : {}),
    },
    body: JSON.stringify(body),
  });
}

/** Opens the session's GET stream; the previous one may take a moment to be noticed as closed. */
async function openStream(sessionId: string, lastEventId?: string, signal?: AbortSignal): Promise<Response> {
  for (;;) {
    const response = await fetch(server.mcpUrl, {
      headers: {
        accept: 'text/event-stream',
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-06-18',
        ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
      },
      signal,
    });
    if (response.status !== 409) return response;
    await response.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const messagesIn = (events: { data: Record<string, unknown> }[]) =>
  events
    .filter((e) => e.data.method === 'message.received')
    .map((e) => (e.data.params as { message: string }).message);

describe('resuming the GET stream', () => {
  it('replays what a client missed when it reconnects with Last-Event-ID', async () => {
    const init = await rpc(undefined, {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    const sessionId = init.headers.get('mcp-session-id') as string;
    await init.text();
    await (await rpc(sessionId, { jsonrpc: '2.0', method: 'notifications/initialized' })).text();
    const joined = await rpc(sessionId, {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'join_room', arguments: { room_id: 'resume', display_name: 'Listener' } },
    });
    const me = parseSse(await joined.text()).at(-1)?.data as {
      result: { structuredContent: { client_id: string } };
    };
    expect(me.result.structuredContent.client_id).toBeTruthy();

    const talker = await connect(server.mcpUrl, 'modern');
    const them = await talker.call('join_room', { room_id: 'resume', display_name: 'Talker' });
    const send = (message: string) =>
      talker.call('send_message', { room_id: 'resume', client_id: them.client_id, message });

    const first = new AbortController();
    const stream = await openStream(sessionId, undefined, first.signal);
    expect(stream.status).toBe(200);
    await send('one');
    const seen = await readEvents(stream, (events) => messagesIn(events).includes('one'));
    const lastSeen = seen.find((e) => messagesIn([e]).includes('one'));
    expect(lastSeen?.id).toBeTruthy();
    first.abort();

    await send('two');
    await send('three');

    const second = new AbortController();
    const resumed = await openStream(sessionId, lastSeen?.id, second.signal);
    expect(resumed.status).toBe(200);
    const replayed = await readEvents(resumed, (events) => messagesIn(events).length >= 2);
    second.abort();
    expect(messagesIn(replayed)).toEqual(['two', 'three']);
    await talker.close();
  });
});
