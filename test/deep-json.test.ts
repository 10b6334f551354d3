import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSON_HEADERS } from './support/raw.js';
import { startTestServer, type TestServer } from './support/server.js';

// Found by `npm run torture`: a body nested a few thousand levels deep overflowed the SDK's
// recursive validation and was answered 500. It is a malformed request: 400, and nothing breaks.

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.dispose();
});

const nested = (depth: number, inner = '') => `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;
const MODERN = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' };
const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

function post(body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(server.mcpUrl, { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body });
}

/** A 2026-07-28 tools/list whose `_meta` carries a deeply nested extra value. */
function toolsList(deep: string): string {
  const meta = JSON.stringify(META).slice(0, -1);
  return `{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"_meta":${meta},"x.example/deep":${deep}}}}`;
}

describe('deeply nested JSON bodies', () => {
  it.each([
    ['a bare array, no era headers', () => post(nested(10_000))],
    ['a 2026-07-28 tools/list with a deep _meta value', () => post(toolsList(nested(10_000)), MODERN)],
    ['a batch of deep arrays', () => post(`[${nested(6000)},${nested(6000)}]`)],
  ])('%s is refused with 400 and -32600', async (_name, request) => {
    const response = await request();
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: number; message: string } };
    expect(body.error.code).toBe(-32600);
    expect(body.error.message).toMatch(/nested more than 100 levels/);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('accepts nesting up to the limit', async () => {
    const response = await post(toolsList(nested(90)), MODERN);
    expect(response.status, await response.clone().text()).toBe(200);
    const text = await response.text();
    expect(text).toContain('"id":7');
    expect(text).toContain('"result"');
  });
});
