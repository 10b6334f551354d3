/**
 * Arbitrary HTTP requests to /mcp for the protocol fuzzer: JSON-RPC messages that are valid,
 * nearly valid or nonsense (wrong types, unknown methods, duplicate ids, batches, huge and deeply
 * nested values, unicode edge cases), under right and wrong headers, sometimes truncated.
 */
import fc from 'fast-check';

export interface RawRequest {
  method: string;
  headers: Record<string, string>;
  body: string;
  /** Declare more bytes than are sent, then end the stream. */
  truncate: boolean;
}

const TOOLS = [
  'enter_queue',
  'wait_for_match',
  'join_room',
  'send_message',
  'wait_for_message',
  'get_messages',
  'leave_chat',
  'leave_queue',
  'get_status',
];
const ARGUMENT_NAMES = [
  'room_id',
  'client_id',
  'display_name',
  'message',
  'timeout',
  'after',
  'before',
  'limit',
  'capacity',
  'idempotency_key',
  '__proto__',
  'constructor',
];
const METHODS = [
  'tools/call',
  'tools/list',
  'initialize',
  'ping',
  'notifications/initialized',
  'notifications/cancelled',
  'logging/setLevel',
  'resources/list',
  'prompts/get',
  'completion/complete',
  'no/such/method',
  '',
];

const strangeString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom(
    '\ud800',
    '\udfff',
    '\u0000',
    '\ufeff',
    '\u202e',
    'a\u0301',
    '\u{10ffff}',
    '%00',
    '../..',
    'c_',
  ),
  fc.constantFrom('lobby', 'room-1', 'x'.repeat(129), ''),
);
const strangeValue: fc.Arbitrary<unknown> = fc.oneof(
  strangeString,
  fc.integer(),
  fc.double(),
  fc.constantFrom(null, true, false, -1, 0, 2 ** 53, 1e308, -0),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
);
const toolArguments = fc.oneof(
  fc.dictionary(fc.constantFrom(...ARGUMENT_NAMES), strangeValue, { maxKeys: 6 }),
  fc.anything({ maxDepth: 3 }),
);
const id = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 8 }),
  fc.constantFrom(null, 1, 1, 1),
  fc.object({ maxDepth: 1 }),
);

const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'fuzz', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

const toolCall = fc.record({
  jsonrpc: fc.constantFrom('2.0', '2.0', '1.0', 2),
  id,
  method: fc.constant('tools/call'),
  params: fc.record({
    name: fc.oneof(fc.constantFrom(...TOOLS), fc.string()),
    arguments: toolArguments,
    _meta: fc.oneof(fc.constant(MODERN_META), fc.anything({ maxDepth: 2 })),
  }),
});
const anyRpc = fc.record(
  {
    jsonrpc: fc.constantFrom('2.0', '2.0', '1.0'),
    id,
    method: fc.oneof(fc.constantFrom(...METHODS), fc.string()),
    params: fc.anything({ maxDepth: 3 }),
  },
  { requiredKeys: ['method'] },
);
const message = fc.oneof(toolCall, anyRpc);

function nested(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

const body: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: message.map((m) => JSON.stringify(m)) },
  {
    weight: 2,
    arbitrary: fc.array(message, { minLength: 0, maxLength: 4 }).map((batch) => JSON.stringify(batch)),
  },
  // The same id twice in one batch.
  { weight: 1, arbitrary: toolCall.map((m) => JSON.stringify([m, m])) },
  { weight: 1, arbitrary: fc.json({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 200_000 }).map(nested) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(toolCall, fc.integer({ min: 1_000, max: 3_000_000 }))
      .map(([m, size]) =>
        JSON.stringify({ ...m, params: { ...m.params, arguments: { message: 'x'.repeat(size) } } }),
      ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(message, fc.nat()).map(([m, cut]) => {
      const text = JSON.stringify(m);
      return text.slice(0, cut % Math.max(1, text.length));
    }),
  },
);

const headers = fc.record(
  {
    'content-type': fc.constantFrom(
      'application/json',
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/jsonx',
      '',
    ),
    accept: fc.constantFrom(
      'application/json, text/event-stream',
      'application/json',
      'text/event-stream',
      '*/*',
      '',
    ),
    'mcp-protocol-version': fc.constantFrom(
      '2026-07-28',
      '2025-06-18',
      '2025-11-25',
      '2025-03-26',
      '1999-01-01',
      'x',
    ),
    'mcp-method': fc.constantFrom('tools/call', 'initialize', 'nonsense'),
    'mcp-name': fc.constantFrom(...TOOLS, 'nope'),
    'mcp-session-id': fc.constantFrom('no-such-session', '', '\u00ff'),
    origin: fc.constantFrom('http://127.0.0.1', 'http://evil.example', 'null'),
  },
  { requiredKeys: [] },
);

export const malformedRequest: fc.Arbitrary<RawRequest> = fc.record({
  method: fc.constantFrom('POST', 'POST', 'POST', 'POST', 'GET', 'DELETE', 'PUT', 'OPTIONS'),
  headers: headers.map(
    (h) =>
      // Header values must be latin-1 on the wire; drop the ones that are not so the socket write is honest.
      Object.fromEntries(
        Object.entries(h).filter(([, value]) => /^[\x20-\xff]*$/.test(value as string)),
      ) as Record<string, string>,
  ),
  body,
  truncate: fc.constantFrom(false, false, false, true),
});
