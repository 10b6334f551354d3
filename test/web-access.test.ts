/// <reference lib="dom" />
// The functions given to page.evaluate run in the browser.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_MISSING, launchBrowser } from './support/browser.js';
import { type ServerProcess, spawnServer, stopServer } from './support/process.js';

// Private rooms through invite links, and sign-in with a token. Both need server features that
// arrive with access control (join_room's `visibility`, MCP_CHAT_AUTH=tokens); a test skips
// itself, saying so, on a server without them.

const TOKEN = 'ann-token-0123456789abcdef';
const AGENT_TOKEN = 'agent-token-0123456789abcdef';
const LIVE_MS = 5000;

let server: ServerProcess;
let browser: Browser;
beforeAll(async () => {
  [server, browser] = await Promise.all([
    spawnServer(['--db', ':memory:', '--log-level', 'warn'], {
      MCP_CHAT_AUTH: 'tokens',
      MCP_CHAT_TOKENS: `ann:${TOKEN},agent:${AGENT_TOKEN}`,
      MCP_CHAT_RATE_LIMIT: '0',
    }),
    launchBrowser(),
  ]);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  if (server) await stopServer(server);
});

/** An official SDK client (2026-07-28) that sends a bearer token. */
async function agent(
  token: string,
): Promise<{ call(name: string, args: object): Promise<Record<string, unknown>>; close(): Promise<void> }> {
  const client = new Client(
    { name: 'agent', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await client.connect(
    new StreamableHTTPClientTransport(server.mcpUrl, {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return {
    async call(name, args) {
      const result = await client.callTool({ name, arguments: args as Record<string, unknown> });
      if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.structuredContent)}`);
      return result.structuredContent as Record<string, unknown>;
    },
    close: () => client.close(),
  };
}

async function hasTokenAuth(): Promise<boolean> {
  const response = await fetch(server.mcpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
  });
  return response.status === 401;
}

describe.skipIf(BROWSER_MISSING)('the web page with access control', { timeout: 60_000 }, () => {
  it('asks for a token when the server answers 401, refuses a wrong one, and keeps the right one', async (ctx) => {
    if (!(await hasTokenAuth())) ctx.skip('this server has no MCP_CHAT_AUTH=tokens');
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${server.url}/`);
    const token = page.getByLabel('Access token');
    await token.waitFor();
    await token.fill('not-the-token-at-all');
    await token.press('Enter');
    await page.getByText('That token was not accepted.').waitFor();
    await token.fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Start a chat' }).waitFor();
    expect(await token.isHidden()).toBe(true);

    await page.getByLabel('Your name').fill('Ann');
    await page.getByLabel('Room name').fill('signed-in');
    await page.getByRole('button', { name: 'Join room' }).click();
    await page.getByRole('heading', { name: 'signed-in' }).waitFor();
    const bot = await agent(AGENT_TOKEN);
    const joined = await bot.call('join_room', { room_id: 'signed-in', display_name: 'Claude' });
    await bot.call('send_message', {
      room_id: 'signed-in',
      client_id: joined.client_id,
      message: 'Signed in, both of us.',
    });
    await page.getByText('Signed in, both of us.').waitFor({ timeout: LIVE_MS });

    // A reload signs in by itself with the kept token.
    await page.reload();
    await page.getByRole('heading', { name: 'signed-in' }).waitFor();
    expect(await token.isHidden()).toBe(true);
    await bot.close();
    await context.close();
  });

  it('creates a private room, shows its invite link, and the link takes another person straight in', async (ctx) => {
    if (!(await hasTokenAuth())) ctx.skip('this server has no MCP_CHAT_AUTH=tokens');
    const probe = await agent(AGENT_TOKEN);
    const { tools } = await (async () => {
      const client = new Client(
        { name: 'probe', version: '1.0.0' },
        { versionNegotiation: { mode: { pin: '2026-07-28' } } },
      );
      await client.connect(
        new StreamableHTTPClientTransport(server.mcpUrl, {
          requestInit: { headers: { authorization: `Bearer ${AGENT_TOKEN}` } },
        }),
      );
      const list = await client.listTools();
      await client.close();
      return list;
    })();
    await probe.close();
    const join = tools.find((tool) => tool.name === 'join_room');
    if (!join?.inputSchema.properties?.visibility) ctx.skip('this server has no private rooms');

    const owner = await browser.newContext();
    await owner.addInitScript((token) => localStorage.setItem('mcp-chat.token', token), TOKEN);
    const page = await owner.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${server.url}/`);
    await page.getByLabel('Your name').fill('Ann');
    await page.getByLabel('Room name').fill('secret-plans');
    await page.getByLabel(/Private/).check();
    await page.getByRole('button', { name: 'Join room' }).click();
    await page.getByRole('heading', { name: 'secret-plans' }).waitFor();
    const link = await page.getByLabel('Invite link').inputValue();
    expect(link).toMatch(new RegExp(`^${server.url}/r/secret-plans\\?invite=.+`));

    // Without the invite the room does not exist, as far as anyone can tell.
    const stranger = await agent(AGENT_TOKEN);
    const refused = await (async () => {
      try {
        await stranger.call('join_room', { room_id: 'secret-plans', display_name: 'Mallory' });
        return undefined;
      } catch (error) {
        return String(error);
      }
    })();
    expect(refused).toContain('room_not_found');

    // Another person, another browser: the link alone takes them in.
    const guest = await browser.newContext();
    await guest.addInitScript((token) => localStorage.setItem('mcp-chat.token', token), AGENT_TOKEN);
    const other = await guest.newPage();
    other.setDefaultTimeout(15_000);
    await other.goto(`${link}&name=Bo`);
    await other.getByRole('heading', { name: 'secret-plans' }).waitFor();
    await page.getByRole('list', { name: 'Members' }).getByText('Bo').waitFor({ timeout: LIVE_MS });
    const box = other.getByRole('textbox', { name: 'Message' });
    await box.fill('Thanks for the invite!');
    await box.press('Enter');
    await page.getByText('Thanks for the invite!').waitFor({ timeout: LIVE_MS });
    await stranger.close();
    await guest.close();
    await owner.close();
  });
});
