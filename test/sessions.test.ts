import { describe, expect, it } from 'vitest';
import { JSON_HEADERS } from './support/raw.js';
import { sharedTestServer } from './support/server.js';

const server = sharedTestServer({ sessionTtlSeconds: 1 });

async function initialize(): Promise<string> {
  const response = await fetch(server.mcpUrl, {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'churn', version: '1' },
      },
    }),
  });
  await response.text();
  return response.headers.get('mcp-session-id') as string;
}

function listTools(sessionId: string): Promise<Response> {
  return fetch(server.mcpUrl, {
    method: 'POST',
    headers: { ...JSON_HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
  });
}

describe('session hygiene', () => {
  it('closes a 2025-era session after its idle TTL', async () => {
    const sessionId = await initialize();
    expect((await listTools(sessionId)).status).toBe(200);
    expect(server.app.sessionCount).toBe(1);
    await expect.poll(() => server.app.sessionCount, { timeout: 5000 }).toBe(0);
    // Expired in storage too (on either engine), so no instance and no restart brings it back.
    await expect.poll(() => server.engine.sessions.count(Date.now()), { timeout: 5000 }).toBe(0);
    expect((await listTools(sessionId)).status).toBe(404);
  });

  it('keeps a session whose GET stream is open', async () => {
    const sessionId = await initialize();
    const stream = new AbortController();
    const get = await fetch(server.mcpUrl, {
      headers: {
        accept: 'text/event-stream',
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-06-18',
      },
      signal: stream.signal,
    });
    expect(get.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await listTools(sessionId)).status).toBe(200);
    stream.abort();
    await expect.poll(() => server.app.sessionCount, { timeout: 5000 }).toBe(0);
  });

  it('leaves the session table empty after many initialize/DELETE cycles', async () => {
    for (let i = 0; i < 300; i++) {
      const sessionId = await initialize();
      const ended = await fetch(server.mcpUrl, {
        method: 'DELETE',
        headers: { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' },
      });
      expect(ended.status).toBe(200);
    }
    await expect.poll(() => server.app.sessionCount, { timeout: 2000 }).toBe(0);
    expect(await server.engine.sessions.count(Date.now())).toBe(0);
  });
});
