import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadServeConfig } from '../src/cli/config.js';
import { parseTokenEntries } from '../src/http/auth/static-tokens.js';
import { runCli } from './support/cli.js';
import { JSON_HEADERS, modernToolCall } from './support/raw.js';
import { startTestServer, type TestServer } from './support/server.js';

const ADA = 'ada-token-0123456789abcdef';
const BO = 'bo-token-0123456789abcdef';

let server: TestServer;

beforeAll(async () => {
  const tokens = parseTokenEntries(
    [`ada:${ADA}`, `bo:sha256:${createHash('sha256').update(BO).digest('hex')}`],
    (i) => `entry ${i}`,
  );
  server = await startTestServer({
    auth: { mode: 'tokens', tokens, admins: new Set(['ada']) },
    maxSessions: 2,
  });
});
afterAll(async () => {
  await server?.dispose();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function clientWith(token: string, era: 'modern' | 'legacy'): Promise<Client> {
  return (await connectWith(token, era)).client;
}

async function connectWith(token: string, era: 'modern' | 'legacy') {
  const client = new Client(
    { name: `tokens-${era}`, version: '1' },
    era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
  );
  const transport = new StreamableHTTPClientTransport(server.mcpUrl, {
    requestInit: { headers: bearer(token) },
  });
  await client.connect(transport);
  return { client, transport };
}

describe('static tokens', () => {
  it('serves both eras with a plain token and with a token configured by its digest', async () => {
    for (const era of ['modern', 'legacy'] as const) {
      for (const token of [ADA, BO]) {
        const { client, transport } = await connectWith(token, era);
        const result = await client.callTool({ name: 'enter_queue', arguments: { display_name: 'X' } });
        expect(result.isError).toBeFalsy();
        await client.callTool({
          name: 'leave_queue',
          arguments: { client_id: (result.structuredContent as { client_id: string }).client_id },
        });
        // Ends the 2025-era session, which closing the client alone does not.
        if (era === 'legacy') await transport.terminateSession();
        await client.close();
      }
    }
  });

  it('refuses an unknown token with 401 invalid_token, and no token with a bare challenge', async () => {
    const wrong = await modernToolCall(
      server.mcpUrl,
      'get_status',
      { client_id: 'c_x' },
      { headers: bearer(`${ADA}x`) },
    );
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const none = await modernToolCall(server.mcpUrl, 'get_status', { client_id: 'c_x' });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${server.url}/.well-known/oauth-protected-resource/mcp"`,
    );
    const basic = await modernToolCall(
      server.mcpUrl,
      'get_status',
      { client_id: 'c_x' },
      { headers: { authorization: `Basic ${ADA}` } },
    );
    expect(basic.status).toBe(401);
  });

  it('serves metadata without authorization servers: tokens come from the operator', async () => {
    const metadata = await (await fetch(`${server.url}/.well-known/oauth-protected-resource/mcp`)).json();
    expect(metadata).toEqual({
      resource: server.mcpUrl.href,
      bearer_methods_supported: ['header'],
      scopes_supported: [],
      resource_name: 'MCP Chat',
    });
  });

  it('lets only the subject that opened a 2025-era session use it', async () => {
    const open = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { ...JSON_HEADERS, ...bearer(ADA) },
      body: JSON.stringify(initialize()),
    });
    expect(open.status).toBe(200);
    const sessionId = open.headers.get('mcp-session-id') as string;
    await open.text();
    const asBo = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { ...JSON_HEADERS, ...bearer(BO), 'mcp-session-id': sessionId },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(asBo.status).toBe(404);
    const stranger = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { ...JSON_HEADERS, ...bearer(BO), 'mcp-session-id': 'no-such-session' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(await asBo.json()).toEqual(await stranger.json());
    await fetch(server.mcpUrl, {
      method: 'DELETE',
      headers: { ...bearer(ADA), 'mcp-session-id': sessionId },
    });
  });

  it('caps open sessions per subject with 429 and a JSON-RPC error, and other subjects are not affected', async () => {
    const first = await clientWith(ADA, 'legacy');
    const second = await connectWith(ADA, 'legacy');
    const refused = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { ...JSON_HEADERS, ...bearer(ADA) },
      body: JSON.stringify(initialize()),
    });
    expect(refused.status).toBe(429);
    const body = (await refused.json()) as { error: { code: number; message: string } };
    expect(body.error.message).toMatch(/Too many open sessions: at most 2 per subject/);
    // Everything else goes on: the open sessions work, Bo opens one, 2026-07-28 calls need no session.
    expect((await first.listTools()).tools.length).toBeGreaterThan(0);
    const bo = await clientWith(BO, 'legacy');
    const modern = await clientWith(ADA, 'modern');
    expect((await modern.listTools()).tools.length).toBeGreaterThan(0);
    // An ended session frees its place.
    await second.transport.terminateSession();
    await second.client.close();
    const third = await clientWith(ADA, 'legacy');
    for (const client of [first, third, bo, modern]) await client.close();
  });

  it("refuses one subject's client_id to another subject exactly as an unknown one, in both eras", async () => {
    const ada = await clientWith(ADA, 'modern');
    const joined = await ada.callTool({
      name: 'join_room',
      arguments: { room_id: 'owned', display_name: 'Ada' },
    });
    const adaId = (joined.structuredContent as { client_id: string }).client_id;
    const unknownId = `c_${'A'.repeat(32)}`;
    for (const era of ['modern', 'legacy'] as const) {
      const { client: bo, transport } = await connectWith(BO, era);
      for (const [tool, args] of [
        ['get_status', {}],
        ['send_message', { room_id: 'owned', message: 'taken over' }],
        ['join_room', { room_id: 'owned', display_name: 'Bo' }],
        ['enter_queue', {}],
        // Waits: in the 2026-07-28 era these take the lean lane, which gets the caller too.
        ['wait_for_message', { room_id: 'owned', timeout: 1 }],
        ['wait_for_match', { timeout: 1 }],
      ] as const) {
        const stolen = await bo.callTool({ name: tool, arguments: { ...args, client_id: adaId } });
        const unknown = await bo.callTool({ name: tool, arguments: { ...args, client_id: unknownId } });
        expect(stolen.isError, tool).toBe(true);
        const body = stolen.structuredContent as { code: string; error: string };
        expect(body.code, tool).toBe('invalid_client');
        expect({ ...body, error: body.error.replace(adaId, 'ID') }).toEqual({
          ...(unknown.structuredContent as object),
          error: (unknown.structuredContent as { error: string }).error.replace(unknownId, 'ID'),
        });
      }
      if (era === 'legacy') await transport.terminateSession();
      await bo.close();
    }
    // Nothing was said or changed in Ada's name, and her client_id still works for her.
    const history = await ada.callTool({
      name: 'get_messages',
      arguments: { room_id: 'owned', client_id: adaId },
    });
    expect((history.structuredContent as { messages: unknown[] }).messages).toEqual([]);
    expect((await ada.callTool({ name: 'get_status', arguments: { client_id: adaId } })).isError).toBeFalsy();
    await ada.close();
  });

  it('opens /metrics to admins only', async () => {
    expect((await fetch(`${server.url}/metrics`, { headers: bearer(BO) })).status).toBe(403);
    expect((await fetch(`${server.url}/metrics`, { headers: bearer(ADA) })).status).toBe(200);
  });
});

function initialize() {
  return {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  };
}

describe('configuration of access control', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-chat-tokens-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const load = (env: Record<string, string>, argv: string[] = []) => loadServeConfig(argv, env);

  it('reads MCP_CHAT_TOKENS and a tokens file with comments and digests', () => {
    const file = join(dir, 'tokens');
    writeFileSync(file, `# people\nada:${ADA}\n\nbo:sha256:${'ab'.repeat(32)}  # rotated in May\n`);
    const config = load({
      MCP_CHAT_AUTH: 'tokens',
      MCP_CHAT_TOKENS: `cy:${'c'.repeat(16)}`,
      MCP_CHAT_TOKENS_FILE: file,
    });
    expect(config.auth.mode === 'tokens' && config.auth.tokens.map((t) => t.subject)).toEqual([
      'cy',
      'ada',
      'bo',
    ]);
  });

  it('stops at a token shorter than 16 characters, naming the entry but never the token', () => {
    const attempt = () => load({ MCP_CHAT_AUTH: 'tokens', MCP_CHAT_TOKENS: 'ada:short-secret' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/MCP_CHAT_TOKENS.*subject ada.*shorter than 16/);
    expect(attempt).not.toThrow(/short-secret/);
  });

  it('stops when tokens mode has no tokens, or oauth mode no issuer', () => {
    expect(() => load({ MCP_CHAT_AUTH: 'tokens' })).toThrow(/MCP_CHAT_TOKENS/);
    expect(() => load({ MCP_CHAT_AUTH: 'oauth' })).toThrow(/MCP_CHAT_OAUTH_ISSUER/);
    expect(() => load({ MCP_CHAT_AUTH: 'oauth', MCP_CHAT_OAUTH_ISSUER: 'http://auth.example.com' })).toThrow(
      /https/,
    );
    expect(() => load({ MCP_CHAT_AUTH: 'sometimes' })).toThrow(/MCP_CHAT_AUTH/);
  });

  it('refuses an open server on a non-loopback host unless MCP_CHAT_AUTH=none is explicit', () => {
    expect(() => load({ MCP_CHAT_HOST: '0.0.0.0' })).toThrow(/MCP_CHAT_AUTH/);
    expect(load({ MCP_CHAT_HOST: '0.0.0.0', MCP_CHAT_AUTH: 'none' }).auth.mode).toBe('none');
    expect(load({}, ['--host', '0.0.0.0', '--auth', 'none']).auth.mode).toBe('none');
    expect(load({ MCP_CHAT_HOST: 'localhost' }).auth.mode).toBe('none');
  });

  it('exits 2 with a message naming MCP_CHAT_AUTH when started exposed without it', async () => {
    const { MCP_CHAT_AUTH: _unset, ...env } = process.env;
    const cli = runCli(['serve', '--host', '0.0.0.0', '--port', '0', '--db', ':memory:'], env);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr().join('\n')).toMatch(/MCP_CHAT_AUTH/);
  });

  it('normalises MCP_CHAT_PUBLIC_URL and refuses a query in it', () => {
    expect(load({ MCP_CHAT_PUBLIC_URL: 'https://chat.example.com/' }).publicUrl).toBe(
      'https://chat.example.com',
    );
    expect(() => load({ MCP_CHAT_PUBLIC_URL: 'https://chat.example.com/?x=1' })).toThrow(
      /MCP_CHAT_PUBLIC_URL/,
    );
  });
});

describe('without access control', () => {
  let open: TestServer;
  beforeAll(async () => {
    open = await startTestServer({ maxSessions: 1 });
  });
  afterAll(async () => {
    await open?.dispose();
  });

  it('answers 404 on the well-known paths, so clients start no OAuth flow', async () => {
    for (const path of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-authorization-server',
    ]) {
      const response = await fetch(`${open.url}${path}`);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toContain('application/json');
    }
  });

  it('caps sessions per client address', async () => {
    const first = await fetch(open.mcpUrl, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify(initialize()),
    });
    expect(first.status).toBe(200);
    await first.text();
    const second = await fetch(open.mcpUrl, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify(initialize()),
    });
    expect(second.status).toBe(429);
    expect(((await second.json()) as { error: { message: string } }).error.message).toMatch(
      /per client address/,
    );
    await fetch(open.mcpUrl, {
      method: 'DELETE',
      headers: { 'mcp-session-id': first.headers.get('mcp-session-id') as string },
    });
    const third = await fetch(open.mcpUrl, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify(initialize()),
    });
    expect(third.status).toBe(200);
    await third.text();
  });
});
