import { connect as connectTcp } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  answerOf,
  type Call,
  expectSameAnswers,
  leanAndSdkServers,
  normalizer,
} from './support/lean-script.js';
import { until } from './support/poll.js';
import { JSON_HEADERS, parseSse } from './support/raw.js';
import { type TestServer, untilParked } from './support/server.js';

/**
 * The lean lane in 2025-era sessions (http/session-lean.ts) must answer exactly as the SDK's
 * session transport does: the same script of calls (support/lean-script.ts) runs in a session on
 * a server with the lane and in one on a server without it, and the answers must be the same
 * bytes (SSE event ids included) and the same headers. Then what only sessions have: a
 * `notifications/cancelled` stops a lean call, and `Last-Event-ID` replays a lean POST stream.
 */

/** The response headers compared besides status and content type. */
const HEADERS = ['cache-control', 'x-accel-buffering', 'mcp-session-id'] as const;

interface Session {
  id: string;
  call: Call;
  /** POSTs one raw JSON-RPC body to the session. */
  post(body: unknown, init?: RequestInit): Promise<Response>;
}

/** A session opened with `initialize` at `version`; `header` sends MCP-Protocol-Version on every request after it. */
async function openSession(url: URL, version: string, header = true): Promise<Session> {
  const init = await fetch(url, {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'lean-test', version: '1' } },
    }),
  });
  expect(init.status).toBe(200);
  const id = init.headers.get('mcp-session-id') as string;
  await init.text();
  const headers = {
    ...JSON_HEADERS,
    'mcp-session-id': id,
    ...(header ? { 'mcp-protocol-version': version } : {}),
  };
  const post = (body: unknown, init: RequestInit = {}) =>
    fetch(url, { method: 'POST', headers, body: JSON.stringify(body), ...init });
  const initialized = await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  expect(initialized.status).toBe(202);
  let next = 1;
  const call: Call = async (method, params) => {
    const { _meta, ...rest } = params;
    const withMeta = _meta && Object.keys(_meta).length > 0 ? { ...rest, _meta } : rest;
    return answerOf(await post({ jsonrpc: '2.0', id: next++, method, params: withMeta }), HEADERS);
  };
  return { id, call, post };
}

/** Unusual forms that the SDK answers on both servers (the lane must leave them alone). */
async function oddOnes(session: Session): Promise<string[]> {
  const bodies = [
    { jsonrpc: '2.0', id: 1.5, method: 'ping' },
    { jsonrpc: '2.0', id: 'x', method: 'ping', extra: true },
    [{ jsonrpc: '2.0', id: 'b1', method: 'ping' }],
    { jsonrpc: '2.0', id: 'p', method: 'ping', params: { _meta: { progressToken: 0.5 } } },
  ];
  const text = normalizer();
  const answers: string[] = [];
  for (const body of bodies) {
    const answer = await answerOf(await session.post(body), HEADERS);
    answers.push(text(JSON.stringify(answer)));
  }
  return answers;
}

describe('the lean lane in 2025-era sessions', () => {
  const pair = leanAndSdkServers();

  it.each([
    ['2025-06-18', true],
    ['2025-11-25', true],
    ['2025-03-26', false],
  ] as const)('answers byte for byte as the SDK does at %s (header: %s)', async (version, header) => {
    const [viaLane, viaSdk] = await Promise.all([
      openSession(pair.lean.mcpUrl, version, header),
      openSession(pair.sdk.mcpUrl, version, header),
    ]);
    const answers = await expectSameAnswers(viaLane.call, viaSdk.call, `lean-${version}`);
    // Every answer of a session is an SSE stream with event ids; from 2025-11-25 on, primed.
    const ping = answers.find(([label]) => label === 'ping')?.[1];
    expect(ping?.type).toBe('text/event-stream');
    expect(ping?.body).toMatch(/^(id: .+\nretry: 5000\ndata: \n\n)?event: message\nid: .+_\d+\n/);
    expect(ping?.body.startsWith('id: ')).toBe(version === '2025-11-25');
    expect(await oddOnes(viaLane)).toEqual(await oddOnes(viaSdk));
  });

  const servers = () =>
    [
      ['with the lane', pair.lean],
      ['through the SDK', pair.sdk],
    ] as const;

  it('stops a call on notifications/cancelled and never answers it, as the SDK does', async () => {
    for (const [label, server] of servers()) {
      const room = 'cancel';
      const session = await openSession(server.mcpUrl, '2025-11-25');
      const ann = await joined(session, room, 'Ann');
      const bob = await joined(session, room, 'Bob');
      // Ann reads that Bob joined, so that her next wait parks.
      await session.call('tools/call', {
        name: 'wait_for_message',
        arguments: { room_id: room, client_id: ann, timeout: 1 },
      });
      const giveUp = new AbortController();
      const waiting = await session.post(waitFor('w1', room, ann), { signal: giveUp.signal });
      const primed = await firstEventId(waiting);
      await untilParked(server, 1).catch((error) => expect.fail(`${label}: ${error}`));
      const cancelled = await session.post({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: 'w1', reason: 'the test gave up' },
      });
      expect(cancelled.status).toBe(202);
      await untilNoneParked(server);
      if (server === pair.lean) {
        // No answer was stored for the cancelled call's stream (nor sent: the SDK drops it), so a
        // replay of it finds nothing. (Through the SDK, the stream the client still holds open
        // refuses a replay until the server notices it close, at its next keep-alive.)
        expect(await replayAfter(server, session, primed)).toBe('');
      }
      // The cancelled wait took nothing: what is said next reaches the next wait.
      await session.call('tools/call', {
        name: 'send_message',
        arguments: { room_id: room, client_id: bob, message: 'after the cancel' },
      });
      const next = await session.call('tools/call', {
        name: 'wait_for_message',
        arguments: { room_id: room, client_id: ann, timeout: 5 },
      });
      expect(next.body, label).toContain('after the cancel');
      // The client still holds the cancelled call's stream open; ending the session ends it, and
      // no answer ever came on it.
      const ended = await fetch(server.mcpUrl, {
        method: 'DELETE',
        headers: { 'mcp-session-id': session.id, 'mcp-protocol-version': '2025-11-25' },
      });
      expect(ended.status).toBe(200);
      expect(await restOf(waiting), label).not.toContain('"result"');
      giveUp.abort();
    }
  });

  it('puts back what a wait took when its answer never reached the client, as the SDK does', async () => {
    for (const [label, server] of servers()) {
      const session = await openSession(server.mcpUrl, '2025-11-25');
      const holder = await joined(session, 'held', 'Holder');
      const me = await joined(session, 'taken', 'Receiver');
      const them = await joined(session, 'taken', 'Sender');
      await session.call('tools/call', {
        name: 'wait_for_message',
        arguments: { room_id: 'taken', client_id: me, timeout: 1 },
      });
      // Two waits in one write on one connection: the second one's response is queued behind the
      // first (which holds the socket), so its answer cannot be written through before the drop.
      const socket = connectTcp(Number(server.mcpUrl.port), '127.0.0.1');
      socket.on('error', () => undefined);
      const before = server.chat.parkedWaits;
      socket.write(
        rawPost(server, session, waitFor('h', 'held', holder)) +
          rawPost(server, session, waitFor('r', 'taken', me)),
      );
      await untilParked(server, before + 2);
      await session.call('tools/call', {
        name: 'send_message',
        arguments: { room_id: 'taken', client_id: them, message: 'taken, then put back' },
      });
      await until(
        () => (server.chat.parkedWaits === before + 1 ? true : undefined),
        () => `the receiver's wait (${label}) to take the message`,
      );
      socket.destroy();
      await untilNoneParked(server);
      const again = await session.call('tools/call', {
        name: 'wait_for_message',
        arguments: { room_id: 'taken', client_id: me, timeout: 5 },
      });
      expect(again.body, label).toContain('taken, then put back');
    }
  });

  it('replays a POST stream with Last-Event-ID, finished or cut off, as the SDK does', async () => {
    const replays: string[][] = [];
    for (const [label, server] of servers()) {
      const room = 'replay';
      const session = await openSession(server.mcpUrl, '2025-11-25');
      const ann = await joined(session, room, 'Ann');
      // A finished stream: everything after the priming event comes again.
      const done = await session.call('tools/call', { name: 'get_status', arguments: { client_id: ann } });
      const doneId = /^id: (.+)$/m.exec(done.body)?.[1] as string;
      const again = (await replayAfter(server, session, doneId)) as string;
      expect(again, label).toBe(done.body.slice(done.body.indexOf('event: message')));
      // A stream the client dropped while its call was parked: the call ends, its answer is
      // stored, and the client's reconnection gets it.
      const drop = new AbortController();
      const waiting = await session.post(waitFor('w2', room, ann), { signal: drop.signal });
      const primed = await firstEventId(waiting);
      await untilParked(server, 1);
      drop.abort();
      await untilNoneParked(server);
      const missed = await until(
        async () => {
          const text = await replayAfter(server, session, primed);
          return text?.includes('"result"') ? text : undefined;
        },
        () => `the answer of the dropped call (${label}) to be stored`,
      );
      const text = normalizer();
      replays.push([text(again), text(missed)]);
    }
    expect(replays[0]).toEqual(replays[1]);
  });
});

/** A POST of the session as raw HTTP/1.1 bytes on a keep-alive connection. */
function rawPost(server: TestServer, session: Session, body: unknown): string {
  const text = JSON.stringify(body);
  return [
    'POST /mcp HTTP/1.1',
    `Host: ${server.mcpUrl.host}`,
    'Connection: keep-alive',
    'Content-Type: application/json',
    'Accept: application/json, text/event-stream',
    `Mcp-Session-Id: ${session.id}`,
    'MCP-Protocol-Version: 2025-11-25',
    `Content-Length: ${Buffer.byteLength(text)}`,
    '',
    text,
  ].join('\r\n');
}

/** Waits until no wait is parked on the server (the stopped call has let go). */
async function untilNoneParked(server: TestServer): Promise<void> {
  await until(
    () => (server.chat.parkedWaits === 0 ? true : undefined),
    () => `no parked waits, have ${server.chat.parkedWaits}`,
  );
}

/** A participant's client_id, joined to `room` through the session. */
async function joined(session: Session, room: string, name: string): Promise<string> {
  const answer = await session.call('tools/call', {
    name: 'join_room',
    arguments: { room_id: room, display_name: name },
  });
  const message = parseSse(answer.body).at(-1)?.data as {
    result: { structuredContent: { client_id: string } };
  };
  return message.result.structuredContent.client_id;
}

/** A wait that parks (nothing unread) for longer than any test. */
function waitFor(id: string, room: string, clientId: string) {
  return {
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: 'wait_for_message', arguments: { room_id: room, client_id: clientId, timeout: 60 } },
  };
}

/** The id of a live stream's first event (a 2025-11-25 POST stream's priming event); the stream stays open. */
async function firstEventId(response: Response): Promise<string> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes('\n\n')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  const id = /^id: (.+)$/m.exec(text)?.[1];
  if (!id) throw new Error(`the stream began without an event id: ${JSON.stringify(text)}`);
  return id;
}

/** The rest of a live stream's body, once it ends. */
async function restOf(response: Response): Promise<string> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return text;
    text += decoder.decode(value, { stream: true });
  }
}

/**
 * What a GET with `Last-Event-ID` replays (a POST stream's replay ends once replayed); undefined
 * while the SDK still holds the stream as open (409: it notices a dropped one at its next write).
 */
async function replayAfter(server: TestServer, session: Session, lastEventId: string) {
  const response = await fetch(server.mcpUrl, {
    headers: {
      accept: 'text/event-stream',
      'mcp-session-id': session.id,
      'mcp-protocol-version': '2025-11-25',
      'last-event-id': lastEventId,
    },
  });
  const text = await response.text();
  if (response.status === 409) return undefined;
  expect(response.status, text).toBe(200);
  return text;
}
