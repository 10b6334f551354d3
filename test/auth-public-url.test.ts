import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LinkRefused, linkOpener } from '../src/cli/chat/connection.js';
import { parseChatOptions } from '../src/cli/chat/options.js';
import { parseTokenEntries } from '../src/http/auth/static-tokens.js';
import { startTestServer, type TestServer } from './support/server.js';

const TOKEN = 'terminal-token-0123456789';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    auth: { mode: 'tokens', tokens: parseTokenEntries([`ann:${TOKEN}`], () => 'entry'), admins: new Set() },
    publicUrl: 'https://chat.example.com',
  });
});
afterAll(async () => {
  await server?.dispose();
});

/** A GET with a Host header of our choosing (fetch does not let a caller set Host). */
function getWithHost(path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, server.url);
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, headers: { host } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.once('error', reject);
    req.end();
  });
}

describe('MCP_CHAT_PUBLIC_URL', () => {
  it('names the public resource in the metadata and in challenges', async () => {
    const metadata = await getWithHost('/.well-known/oauth-protected-resource/mcp', 'chat.example.com');
    expect(metadata.status).toBe(200);
    expect(JSON.parse(metadata.body).resource).toBe('https://chat.example.com/mcp');
    const challenge = (await fetch(server.mcpUrl, { method: 'POST' })).headers.get('www-authenticate');
    expect(challenge).toBe(
      'Bearer resource_metadata="https://chat.example.com/.well-known/oauth-protected-resource/mcp"',
    );
  });

  it("accepts the public URL's host from a local reverse proxy, and still refuses other names", async () => {
    expect((await getWithHost('/healthz', 'chat.example.com')).status).toBe(200);
    expect((await getWithHost('/healthz', 'rebound.example.net')).status).toBe(403);
  });
});

describe('the terminal client with a token', () => {
  it('takes --token, else MCP_CHAT_TOKEN', () => {
    expect(parseChatOptions(['--token', 'a'], { MCP_CHAT_TOKEN: 'b' }).token).toBe('a');
    expect(parseChatOptions([], { MCP_CHAT_TOKEN: 'b' }).token).toBe('b');
    expect(parseChatOptions([], {}).token).toBeUndefined();
  });

  it('chats with its token, and without one is refused with a sentence that names the fix', async () => {
    const signal = new AbortController().signal;
    const link = await linkOpener(TOKEN)(server.mcpUrl, signal, () => {});
    const outcome = await link.call('enter_queue', { display_name: 'Ann' }, { timeoutMs: 10_000 });
    expect(outcome).toMatchObject({ ok: true, body: { status: 'waiting' } });
    if (outcome.ok) {
      await link.call('leave_queue', { client_id: outcome.body.client_id }, { timeoutMs: 10_000 });
    }
    await link.close();
    const refused = linkOpener()(server.mcpUrl, signal, () => {});
    await expect(refused).rejects.toBeInstanceOf(LinkRefused);
    await expect(refused).rejects.toThrow(/--token or MCP_CHAT_TOKEN/);
  });
});
