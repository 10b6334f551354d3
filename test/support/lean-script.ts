import { afterAll, beforeAll, expect } from 'vitest';
import { startTestServer, type TestServer } from './server.js';

/**
 * The script of the lean-lane byte comparisons (lean-lane.test.ts, lean-sessions.test.ts): every
 * tool with good and bad arguments, tools/list and ping, run against a server with the lane and
 * one without it; the answers must be the same bytes once the values that differ between any two
 * runs (random ids, secrets, clock times) are replaced by placeholders in order of appearance.
 */

export interface Answer {
  status: number;
  type: string;
  body: string;
  /** Further response headers that matter, `name: value` per line (the session era compares them). */
  headers?: string;
}

/** One request of `method` with `params` (their `_meta` merged with the caller's own). */
export type Call = (method: string, params: Record<string, unknown>) => Promise<Answer>;

/** Values that differ between two runs of the same script, each kind with its placeholder. */
const VOLATILE_KINDS: [string, RegExp][] = [
  ['time', /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/],
  ['room', /match-[A-Za-z0-9_-]{12}/],
  ['id', /\b(?:c|u|inv)_[A-Za-z0-9_-]{10,}/],
  ['uuid', /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/],
  ['name', /Anonymous-\d{4}/],
];

// One pass over the text with every kind at once: the leftmost value wins, so a kind can never
// take apart a value of another (a match room whose random part begins with `c_` was once read
// as an id on one side only, when each kind had a pass of its own).
const VOLATILE = new RegExp(
  VOLATILE_KINDS.map(([kind, pattern]) => `(?<${kind}>${pattern.source})`).join('|'),
  'g',
);

export function normalizer(): (text: string) => string {
  const seen = new Map<string, string>();
  return (text) =>
    text.replace(VOLATILE, (value, ...rest) => {
      const groups = rest.at(-1) as Record<string, string | undefined>;
      const kind = VOLATILE_KINDS.find(([name]) => groups[name] !== undefined)?.[0];
      if (!seen.has(value)) seen.set(value, `<${kind}${seen.size}>`);
      return seen.get(value) as string;
    });
}

export async function answerOf(response: Response, headers: readonly string[] = []): Promise<Answer> {
  const answer: Answer = {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    body: await response.text(),
  };
  if (headers.length > 0) {
    answer.headers = headers.map((name) => `${name}: ${response.headers.get(name) ?? '-'}`).join('\n');
  }
  return answer;
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
export async function script(call: Call, room = 'lean'): Promise<[string, Answer][]> {
  const answers: [string, Answer][] = [];
  const tool = async (label: string, name: string, args: Record<string, unknown>, meta = {}) => {
    const answer = await call('tools/call', { name, arguments: args, _meta: meta });
    answers.push([label, answer]);
    return structured(answer);
  };
  answers.push(['tools/list', await call('tools/list', {})]);
  answers.push(['tools/list with a cursor', await call('tools/list', { cursor: 'x' })]);
  // The SDK answers ping in a session and refuses it in the 2026-07-28 era (Method not found, 404).
  answers.push(['ping', await call('ping', {})]);
  const joined = await tool('join new', 'join_room', {
    room_id: room,
    display_name: 'Ann',
    topic: `tests ${room}`,
  });
  const ann = joined.client_id as string;
  const bobJoined = await tool('join second', 'join_room', { room_id: room, display_name: 'Bob' });
  const bob = bobJoined.client_id as string;
  await tool('join again', 'join_room', { room_id: room, display_name: 'Ann', client_id: ann });
  await tool('join bad', 'join_room', { room_id: 'no spaces allowed', display_name: 'X' });
  await tool('send', 'send_message', { room_id: room, client_id: ann, message: 'hello @Bob' });
  await tool('send reply', 'send_message', {
    room_id: room,
    client_id: bob,
    message: 'hi',
    reply_to: 2,
    idempotency_key: 'k1',
  });
  await tool('send duplicate', 'send_message', {
    room_id: room,
    client_id: bob,
    message: 'hi',
    reply_to: 2,
    idempotency_key: 'k1',
  });
  await tool('send bad', 'send_message', { room_id: room, client_id: ann });
  await tool('send unknown client', 'send_message', { room_id: room, client_id: 'c_x', message: 'x' });
  await tool('wait', 'wait_for_message', { room_id: room, client_id: ann, timeout: 1 });
  // Parked with a progressToken: the progress sent as soon as the wait listens precedes the result.
  await tool(
    'wait with progress',
    'wait_for_message',
    { room_id: room, client_id: ann, timeout: 1 },
    {
      progressToken: 'p1',
    },
  );
  await tool('wait bad', 'wait_for_message', { room_id: room, client_id: ann, timeout: 'soon' });
  await tool('history', 'get_messages', { room_id: room, client_id: bob, limit: 5 });
  await tool('history bad', 'get_messages', { room_id: room, client_id: bob, limit: -1 });
  await tool('mark read', 'mark_read', { room_id: room, client_id: bob, seq: 3 });
  await tool('mark read bad', 'mark_read', { room_id: room, client_id: bob });
  await tool('search', 'search_messages', { client_id: ann, query: 'hello' });
  await tool('search bad', 'search_messages', { client_id: ann });
  await tool('rooms', 'list_rooms', { client_id: ann });
  await tool('rooms query', 'list_rooms', { query: `tests ${room}` });
  await tool('rooms bad', 'list_rooms', { limit: 'many' });
  await tool('status', 'get_status', { client_id: ann });
  await tool('status bad', 'get_status', { client_id: 7 });
  const bobUser = bobJoined.user_id as string;
  await tool('report', 'report_user', { client_id: ann, user_id: bobUser, reason: 'testing reports' });
  await tool('report bad', 'report_user', { client_id: ann, user_id: bobUser });
  await tool('block', 'block_user', { client_id: ann, user_id: bobUser });
  await tool('block bad', 'block_user', { client_id: ann });
  await tool('unblock', 'unblock_user', { client_id: ann, user_id: bobUser });
  await tool('unblock bad', 'unblock_user', { user_id: bobUser });
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
  await tool('leave', 'leave_chat', { room_id: room, client_id: bob });
  await tool('leave bad', 'leave_chat', { room_id: room });
  await tool('leave again', 'leave_chat', { room_id: room, client_id: bob });
  await tool('no arguments', 'get_status', {});
  answers.push(['unknown tool', await call('tools/call', { name: 'no_such_tool', arguments: {} })]);
  return answers;
}

/** Runs the script through both callers at once and expects the same normalized answers. */
export async function expectSameAnswers(
  viaLane: Call,
  viaSdk: Call,
  room = 'lean',
): Promise<[string, Answer][]> {
  const [lane, sdk] = await Promise.all([script(viaLane, room), script(viaSdk, room)]);
  const [laneText, sdkText] = [normalizer(), normalizer()];
  const normalized = (answer: Answer, text: (value: string) => string) => ({
    status: answer.status,
    type: answer.type,
    headers: answer.headers === undefined ? undefined : text(answer.headers),
    body: text(answer.body),
  });
  expect(lane.length).toBe(sdk.length);
  lane.forEach(([label, answer], i) => {
    const other = (sdk[i] as [string, Answer])[1];
    expect({ label, ...normalized(answer, laneText) }).toEqual({ label, ...normalized(other, sdkText) });
  });
  // The script must have exercised successes, not only refusals.
  expect(lane.filter(([, a]) => a.body.includes('"isError":true')).length).toBeLessThan(lane.length / 2);
  return lane;
}

/**
 * Within a describe block: a server with the lean lane and one without it (the SDK answers
 * everything there), started before its tests and disposed after them.
 */
export function leanAndSdkServers(): { readonly lean: TestServer; readonly sdk: TestServer } {
  const servers: { lean?: TestServer; sdk?: TestServer } = {};
  beforeAll(async () => {
    [servers.lean, servers.sdk] = await Promise.all([
      startTestServer(),
      startTestServer({ leanLane: false }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([servers.lean?.dispose(), servers.sdk?.dispose()]);
  });
  return {
    get lean() {
      return servers.lean as TestServer;
    },
    get sdk() {
      return servers.sdk as TestServer;
    },
  };
}
