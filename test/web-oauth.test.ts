import {
  Client,
  ClientCredentialsProvider,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_MISSING, LIVE_MS, launchBrowser } from './support/browser.js';
import { CLIENT, TestIssuer } from './support/oidc.js';
import { startTestServer, type TestServer } from './support/server.js';

/**
 * The web page with MCP_CHAT_AUTH=oauth, against a real authorization server (oidc-provider):
 * it registers itself, sends the person through the login and consent pages (authorization code
 * with PKCE), comes back with a token, and chats; a reload stays signed in.
 */
describe.skipIf(BROWSER_MISSING)('the web page with oauth', { timeout: 60_000 }, () => {
  let issuer: TestIssuer;
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    issuer = await TestIssuer.start({ interactive: true });
    [server, browser] = await Promise.all([
      startTestServer({
        auth: {
          mode: 'oauth',
          issuer: issuer.issuer,
          audience: undefined,
          scopes: ['chat'],
          admins: new Set(),
          jwksCooldownMs: 0,
        },
      }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
    await issuer?.close();
  });

  it('signs in through the login and consent pages, then chats as that person', async () => {
    const csp = (await fetch(`${server.url}/`)).headers.get('content-security-policy') ?? '';
    expect(csp).toContain(`connect-src 'self' ${issuer.issuer}`);

    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${server.url}/r/oauth-room?name=Ann`);
    // The authorization server's own pages: any login and password, then consent.
    await page.waitForURL((url) => url.href.startsWith(issuer.issuer));
    await page.locator('input[name="login"]').fill('ann@example.com');
    await page.locator('input[name="password"]').fill('secret');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();

    // Back on the page where the person started, signed in and in the room.
    await page.getByRole('heading', { name: 'oauth-room' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/r/oauth-room');
    expect(new URL(page.url()).search).toBe('');

    // An agent signed in by the client credentials grant, as in auth-oauth.test.ts.
    const agent = new Client(
      { name: 'agent', version: '1' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    const authProvider = new ClientCredentialsProvider({
      clientId: CLIENT.id,
      clientSecret: CLIENT.secret,
      scope: 'chat',
      expectedIssuer: issuer.issuer,
    });
    await agent.connect(new StreamableHTTPClientTransport(server.mcpUrl, { authProvider }));
    const call = async (name: string, args: Record<string, unknown>) => {
      const result = await agent.callTool({ name, arguments: args });
      expect(result.isError).toBeFalsy();
      return result.structuredContent as Record<string, unknown>;
    };
    try {
      const joined = await call('join_room', { room_id: 'oauth-room', display_name: 'Claude' });
      await page.getByRole('list', { name: 'Members' }).getByText('Claude').waitFor({ timeout: LIVE_MS });
      await page.getByRole('textbox', { name: 'Message' }).fill('Signed in and here.');
      await page.getByRole('textbox', { name: 'Message' }).press('Enter');
      const heard = await call('wait_for_message', {
        room_id: 'oauth-room',
        client_id: joined.client_id,
        timeout: 10,
      });
      expect(heard).toMatchObject({ message: 'Signed in and here.', sender: 'Ann' });

      // A reload keeps the tokens: no trip to the login page, the same person in the same room.
      await page.reload();
      await page.getByRole('heading', { name: 'oauth-room' }).waitFor();
      expect(new URL(page.url()).origin).toBe(server.url);
      await page.getByText('Signed in and here.').waitFor();
    } finally {
      await agent.close();
      await context.close();
    }
  });
});
