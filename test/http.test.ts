import { beforeAll, describe, expect, it } from 'vitest';
import { connect } from './support/clients.js';
import { until } from './support/poll.js';
import { sharedTestServer } from './support/server.js';

const server = sharedTestServer({ allowedOrigins: new Set(['https://chat.example.com']) });
let mcp: string;

beforeAll(() => {
  mcp = server.mcpUrl.href;
});

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

function initialize(id = 1) {
  return {
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  };
}

async function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(mcp, {
    method: 'POST',
    headers: { ...JSON_HEADERS, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** A 2025-era session opened by hand, for checks below the client library. */
async function openSession(): Promise<string> {
  const response = await post(initialize());
  expect(response.status).toBe(200);
  const sessionId = response.headers.get('mcp-session-id');
  expect(sessionId).toBeTruthy();
  await response.text();
  const ack = await post(
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { 'mcp-session-id': sessionId as string },
  );
  expect(ack.status).toBe(202);
  return sessionId as string;
}

/** Reads a JSON-RPC answer whether it came as JSON or as one SSE event. */
async function rpcBody(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  if ((response.headers.get('content-type') ?? '').includes('text/event-stream')) {
    const data = text
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => line.slice(6))
      .at(-1);
    return JSON.parse(data ?? 'null');
  }
  return JSON.parse(text);
}

async function assertServing(): Promise<void> {
  const c = await connect(server.mcpUrl, 'modern');
  expect(await c.call('enter_queue', { display_name: 'Probe' })).toMatchObject({
    status: expect.any(String),
  });
  await c.close();
}

describe('/healthz', () => {
  it('answers 200 ok', async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers 404 with a hint for other paths', async () => {
    const response = await fetch(`${server.url}/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: expect.stringContaining('/mcp') });
  });
});

describe('DNS-rebinding protection', () => {
  it('refuses a foreign browser Origin with 403 and accepts loopback and configured origins', async () => {
    const refused = await post(initialize(), { origin: 'https://evil.example' });
    expect(refused.status).toBe(403);
    for (const origin of ['http://localhost:3000', 'http://127.0.0.1:8000', 'https://chat.example.com']) {
      const accepted = await post(initialize(), { origin });
      expect(accepted.status, origin).toBe(200);
      await accepted.text();
    }
    const wrongScheme = await post(initialize(), { origin: 'http://chat.example.com' });
    expect(wrongScheme.status).toBe(403);
    const garbage = await post(initialize(), { origin: 'null' });
    expect(garbage.status).toBe(403);
    const metrics = await fetch(`${server.url}/metrics`, { headers: { origin: 'https://evil.example' } });
    expect(metrics.status).toBe(403);
  });

  it('refuses a Host that is not loopback while bound to loopback', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        mcp,
        { method: 'POST', headers: { ...JSON_HEADERS, host: 'attacker.example:8000' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(initialize()));
    });
    expect(status).toBe(403);
  });
});

describe('malformed traffic gets a clear answer and changes nothing', () => {
  it('answers invalid JSON with a JSON-RPC parse error', async () => {
    const response = await post('{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    await assertServing();
  });

  it('answers a body that is not JSON-RPC, and a wrong content type', async () => {
    const notRpc = await post({ hello: 'world' });
    expect(notRpc.status).toBeGreaterThanOrEqual(400);
    expect(notRpc.status).toBeLessThan(500);
    const wrongType = await fetch(mcp, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hi',
    });
    expect(wrongType.status).toBe(415);
    const put = await fetch(mcp, { method: 'PUT', headers: JSON_HEADERS, body: '{}' });
    expect(put.status).toBe(405);
    await assertServing();
  });

  it('refuses a huge body with 413 before parsing it', async () => {
    const huge = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { x: 'y'.repeat(3_000_000) },
    });
    const response = await post(huge).catch((error: Error) => error);
    if (response instanceof Response) expect(response.status).toBe(413);
    else expect(response.message).toMatch(/fetch failed|socket|reset/i); // the server may close before the upload ends
    await assertServing();
  });

  it('answers an unknown tool with a JSON-RPC error', async () => {
    const c = await connect(server.mcpUrl, 'modern');
    await expect(c.raw('no_such_tool', {})).rejects.toThrow(/no_such_tool/);
    await c.close();
    await assertServing();
  });
});

describe('2025-era sessions', () => {
  it('needs a session id after initialize, answers 404 for an unknown one, and ends one on DELETE', async () => {
    const noSession = await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    expect(noSession.status).toBe(400);
    const unknown = await post(
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      { 'mcp-session-id': 'not-a-session' },
    );
    expect(unknown.status).toBe(404);

    const sessionId = await openSession();
    const before = server.app.sessionCount;
    const list = await post({ jsonrpc: '2.0', id: 3, method: 'tools/list' }, { 'mcp-session-id': sessionId });
    expect(list.status).toBe(200);
    expect(((await rpcBody(list)).result as { tools: unknown[] }).tools).toHaveLength(15);

    const ended = await fetch(mcp, { method: 'DELETE', headers: { 'mcp-session-id': sessionId } });
    expect(ended.status).toBe(200);
    expect(server.app.sessionCount).toBe(before - 1);
    const after = await post(
      { jsonrpc: '2.0', id: 4, method: 'tools/list' },
      { 'mcp-session-id': sessionId },
    );
    expect(after.status).toBe(404);
  });

  it('keeps a client_id valid across sessions and eras', async () => {
    const first = await connect(server.mcpUrl, 'sdk1');
    const me = await first.call('join_room', { room_id: 'across', display_name: 'Wanderer' });
    await first.close();
    const second = await connect(server.mcpUrl, 'modern');
    expect(await second.call('get_status', { client_id: me.client_id })).toMatchObject({
      user_id: me.user_id,
      display_name: 'Wanderer',
      state: 'in_room',
    });
    await second.close();
  });
});

describe('tools/list', () => {
  it('lists the fifteen tools (the eleven of the contract, leave_queue, and block, unblock and report) with titles, annotations, input and output schemas', async () => {
    const c = await connect(server.mcpUrl, 'legacy');
    const response = await fetch(mcp, {
      method: 'POST',
      headers: {
        ...JSON_HEADERS,
        'mcp-session-id': c.sessionId() as string,
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    });
    const tools = ((await rpcBody(response)).result as { tools: Record<string, unknown>[] }).tools;
    await c.close();
    expect(tools.map((tool) => tool.name).sort()).toEqual(
      [
        'block_user',
        'enter_queue',
        'get_messages',
        'get_status',
        'join_room',
        'leave_chat',
        'leave_queue',
        'list_rooms',
        'search_messages',
        'mark_read',
        'report_user',
        'send_message',
        'unblock_user',
        'wait_for_match',
        'wait_for_message',
      ].sort(),
    );
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    for (const tool of tools) {
      expect(tool.title, String(tool.name)).toEqual(expect.any(String));
      expect(String(tool.description).length, String(tool.name)).toBeGreaterThan(80);
      expect(tool.outputSchema, String(tool.name)).toMatchObject({ type: 'object' });
      expect(tool.inputSchema, String(tool.name)).toMatchObject({
        type: 'object',
        additionalProperties: false,
      });
    }
    expect(byName.get_messages?.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.get_status?.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.send_message?.annotations).toMatchObject({ readOnlyHint: false });
    expect(byName.send_message?.description).toMatch(/wait_for_message/);
    expect(byName.wait_for_message?.description).toMatch(/call wait_for_message again/);
    expect(byName.send_message?.inputSchema).toMatchObject({
      required: ['room_id', 'message', 'client_id'],
      properties: { room_id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' } },
    });
  });
});

describe('/metrics', () => {
  it('exposes sessions, parked waits and tool calls by outcome in Prometheus format', async () => {
    const c = await connect(server.mcpUrl, 'legacy');
    await c.fail('get_status', { client_id: 'nobody' });
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/^mcp_chat_sessions [1-9]/m);
    expect(text).toMatch(/^mcp_chat_parked_waits \d+/m);
    expect(text).toMatch(/^mcp_chat_tool_calls_total\{tool="get_status",outcome="invalid_client"\} [1-9]/m);
    expect(text).toMatch(/^mcp_chat_process_resident_memory_bytes \d+/m);
    await c.close();
  });
  it('counts parked waits, not participants: two waits by one participant read 2', async () => {
    const c = await connect(server.mcpUrl, 'modern');
    const joined = await c.call('join_room', { room_id: 'gauge', display_name: 'Gauge' });
    const parkedWaits = async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      return Number(/^mcp_chat_parked_waits (\d+)/m.exec(text)?.[1]);
    };
    const stops = [new AbortController(), new AbortController()];
    const waits = stops.map((stop) =>
      c.call(
        'wait_for_message',
        { room_id: 'gauge', client_id: joined.client_id, timeout: 60 },
        { signal: stop.signal },
      ),
    );
    await until(
      async () => ((await parkedWaits()) === 2 ? true : undefined),
      () => 'the gauge to read two parked waits',
    );
    for (const stop of stops) stop.abort();
    await Promise.allSettled(waits);
    await until(
      async () => ((await parkedWaits()) === 0 ? true : undefined),
      () => 'the gauge to drop back to zero',
    );
    await c.close();
  });
});

describe('the lean lane for 2026-07-28 waits', () => {
  it('frames a wait exactly as the SDK frames every other call', async () => {
    const { modernToolCall } = await import('./support/raw.js');
    const joined = (await (
      await modernToolCall(server.mcpUrl, 'join_room', { room_id: 'frames', display_name: 'F' })
    ).json()) as {
      result: Record<string, unknown>;
    };
    const clientId = (joined.result.structuredContent as { client_id: string }).client_id;
    const viaSdk = await modernToolCall(server.mcpUrl, 'get_status', { client_id: clientId }, { id: 7 });
    const viaLane = await modernToolCall(
      server.mcpUrl,
      'wait_for_message',
      { room_id: 'frames', client_id: clientId, timeout: 1 },
      { id: 8 },
    );
    expect(viaLane.headers.get('content-type')).toBe(viaSdk.headers.get('content-type'));
    const sdkBody = (await viaSdk.json()) as { result: Record<string, unknown>; id: number; jsonrpc: string };
    const laneBody = (await viaLane.json()) as {
      result: Record<string, unknown>;
      id: number;
      jsonrpc: string;
    };
    expect(Object.keys(laneBody).sort()).toEqual(Object.keys(sdkBody).sort());
    expect(Object.keys(laneBody.result).sort()).toEqual(Object.keys(sdkBody.result).sort());
    expect(laneBody.result.resultType).toBe(sdkBody.result.resultType);
    expect(laneBody.result._meta).toEqual(sdkBody.result._meta);
    expect(laneBody).toMatchObject({
      jsonrpc: '2.0',
      id: 8,
      result: { structuredContent: { timeout: true } },
    });
  });

  it('refuses bad arguments to a wait with the same invalid_argument result', async () => {
    const { modernToolCall } = await import('./support/raw.js');
    const response = await modernToolCall(server.mcpUrl, 'wait_for_message', {
      room_id: 'frames',
      timeout: 'soon',
    });
    const body = (await response.json()) as {
      result: { isError: boolean; structuredContent: Record<string, unknown> };
    };
    expect(body.result.isError).toBe(true);
    expect(body.result.structuredContent).toMatchObject({ code: 'invalid_argument' });
  });
});
