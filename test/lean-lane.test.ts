import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSON_HEADERS } from './support/raw.js';
import { startTestServer, type TestServer } from './support/server.js';

/**
 * The lean lane (mcp/lean-calls.ts) must answer exactly as the SDK does. The same script of
 * calls, every tool with good and bad arguments plus tools/list, runs against a server with the
 * lane and one without it (the SDK answers everything there); the answers must be the same bytes
 * once the values that differ between any two runs (random ids, secrets, clock times) are
 * replaced by placeholders in order of appearance.
 */

const MODERN = '2026-07-28';

interface Answer {
  status: number;
  type: string;
  body: string;
}

type Call = (method: string, params: Record<string, unknown>) => Promise<Answer>;

function modernCaller(url: URL): Call {
  let id = 1;
  return async (method, params) => {
    const meta = {
      'io.modelcontextprotocol/protocolVersion': MODERN,
      'io.modelcontextprotocol/clientInfo': { name: 'lean-test', version: '1' },
      'io.modelcontextprotocol/clientCapabilities': {},
    };
    const name: Record<string, string> = typeof params.name === 'string' ? { 'mcp-name': params.name } : {};
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...JSON_HEADERS, 'mcp-method': method, 'mcp-protocol-version': MODERN, ...name },
      body: JSON.stringify({ jsonrpc: '2.0', id: id++, method, params: { ...params, _meta: meta } }),
    });
    return {
      status: response.status,
      type: response.headers.get('content-type') ?? '',
      body: await response.text(),
    };
  };
}

/** Values that differ between two runs of the same script, each kind with its placeholder. */
const VOLATILE: [RegExp, string][] = [
  [/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, 'time'],
  [/\b(?:c|u|inv)_[A-Za-z0-9_-]{10,}/g, 'id'],
  [/match-[A-Za-z0-9_-]{12}/g, 'room'],
  [/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'uuid'],
  [/Anonymous-\d{4}/g, 'name'],
];

function normalizer(): (text: string) => string {
  const seen = new Map<string, string>();
  return (text) => {
    let out = text;
    for (const [pattern, kind] of VOLATILE) {
      out = out.replace(pattern, (value) => {
        if (!seen.has(value)) seen.set(value, `<${kind}${seen.size}>`);
        return seen.get(value) as string;
      });
    }
    return out;
  };
}

const structured = (answer: Answer): Record<string, unknown> => {
  const text = answer.type.includes('event-stream')
    ? (
        answer.body
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .at(-1) ?? 'data:{}'
      ).slice(5)
    : answer.body;
  const message = JSON.parse(text) as { result?: { structuredContent?: Record<string, unknown> } };
  return message.result?.structuredContent ?? {};
};

/** Every tool, with arguments good and bad, in an order that makes each good call succeed. */
async function script(call: Call): Promise<[string, Answer][]> {
  const answers: [string, Answer][] = [];
  const tool = async (label: string, name: string, args: Record<string, unknown>) => {
    const answer = await call('tools/call', { name, arguments: args });
    answers.push([label, answer]);
    return structured(answer);
  };
  answers.push(['tools/list', await call('tools/list', {})]);
  // The SDK refuses ping in this era (Method not found, 404): the lane must leave it to the SDK.
  answers.push(['ping', await call('ping', {})]);
  const ann = (await tool('join new', 'join_room', { room_id: 'lean', display_name: 'Ann', topic: 'tests' }))
    .client_id as string;
  const bob = (await tool('join second', 'join_room', { room_id: 'lean', display_name: 'Bob' }))
    .client_id as string;
  await tool('join again', 'join_room', { room_id: 'lean', display_name: 'Ann', client_id: ann });
  await tool('join bad', 'join_room', { room_id: 'no spaces allowed', display_name: 'X' });
  await tool('send', 'send_message', { room_id: 'lean', client_id: ann, message: 'hello @Bob' });
  await tool('send reply', 'send_message', {
    room_id: 'lean',
    client_id: bob,
    message: 'hi',
    reply_to: 2,
    idempotency_key: 'k1',
  });
  await tool('send duplicate', 'send_message', {
    room_id: 'lean',
    client_id: bob,
    message: 'hi',
    reply_to: 2,
    idempotency_key: 'k1',
  });
  await tool('send bad', 'send_message', { room_id: 'lean', client_id: ann });
  await tool('send unknown client', 'send_message', { room_id: 'lean', client_id: 'c_x', message: 'x' });
  await tool('wait', 'wait_for_message', { room_id: 'lean', client_id: ann, timeout: 1 });
  await tool('wait bad', 'wait_for_message', { room_id: 'lean', client_id: ann, timeout: 'soon' });
  await tool('history', 'get_messages', { room_id: 'lean', client_id: bob, limit: 5 });
  await tool('history bad', 'get_messages', { room_id: 'lean', client_id: bob, limit: -1 });
  await tool('mark read', 'mark_read', { room_id: 'lean', client_id: bob, seq: 3 });
  await tool('mark read bad', 'mark_read', { room_id: 'lean', client_id: bob });
  await tool('search', 'search_messages', { client_id: ann, query: 'hello' });
  await tool('search bad', 'search_messages', { client_id: ann });
  await tool('rooms', 'list_rooms', { client_id: ann });
  await tool('rooms query', 'list_rooms', { query: 'tests' });
  await tool('rooms bad', 'list_rooms', { limit: 'many' });
  await tool('status', 'get_status', { client_id: ann });
  await tool('status bad', 'get_status', { client_id: 7 });
  const cid = (await tool('queue first', 'enter_queue', { display_name: 'Cid' })).client_id as string;
  await tool('queue again', 'enter_queue', { client_id: cid });
  await tool('queue bad', 'enter_queue', { display_name: 42 });
  await tool('match wait', 'wait_for_match', { client_id: cid, timeout: 1 });
  await tool('match wait bad', 'wait_for_match', {});
  await tool('leave queue', 'leave_queue', { client_id: cid });
  await tool('leave queue bad', 'leave_queue', {});
  await tool('queue pair a', 'enter_queue', { client_id: cid });
  await tool('queue pair b', 'enter_queue', { display_name: 'Dee' });
  await tool('match found', 'wait_for_match', { client_id: cid, timeout: 1 });
  await tool('leave', 'leave_chat', { room_id: 'lean', client_id: bob });
  await tool('leave bad', 'leave_chat', { room_id: 'lean' });
  await tool('leave again', 'leave_chat', { room_id: 'lean', client_id: bob });
  await tool('no arguments', 'get_status', {});
  answers.push(['unknown tool', await call('tools/call', { name: 'no_such_tool', arguments: {} })]);
  return answers;
}

describe('the lean lane answers byte for byte as the SDK does', () => {
  let lean: TestServer;
  let sdk: TestServer;
  beforeAll(async () => {
    [lean, sdk] = await Promise.all([startTestServer(), startTestServer({ leanLane: false })]);
  });
  afterAll(async () => {
    await Promise.all([lean?.dispose(), sdk?.dispose()]);
  });

  it('in the 2026-07-28 era, for every tool, tools/list and ping (refused)', async () => {
    const [viaLane, viaSdk] = await Promise.all([
      script(modernCaller(lean.mcpUrl)),
      script(modernCaller(sdk.mcpUrl)),
    ]);
    const [laneText, sdkText] = [normalizer(), normalizer()];
    expect(viaLane.length).toBe(viaSdk.length);
    viaLane.forEach(([label, answer], i) => {
      const other = (viaSdk[i] as [string, Answer])[1];
      expect({ label, status: answer.status, type: answer.type, body: laneText(answer.body) }).toEqual({
        label,
        status: other.status,
        type: other.type,
        body: sdkText(other.body),
      });
    });
    // The script must have exercised successes, not only refusals.
    expect(viaLane.filter(([, a]) => a.body.includes('"isError":true')).length).toBeLessThan(
      viaLane.length / 2,
    );
  });
});
