/// <reference lib="dom" />
// The functions given to page.evaluate run in the browser.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as Client2025 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as Transport2025 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_MISSING, LIVE_MS, launchBrowser, screenshotPath } from './support/browser.js';
import { type ChatClient, connect, type Era } from './support/clients.js';
import { startTestHost, type TestHostServer } from './support/mcp-host.js';
import { startTestServer, type TestServer } from './support/server.js';

const ROOM_URI = 'ui://mcp-chat/room';
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.dispose();
});

/** The official clients of each era, as a host would use them for resources. */
async function hostClient(era: Era) {
  if (era === 'sdk1') {
    const client = new Client2025({ name: 'host-sdk1', version: '1.0.0' });
    await client.connect(new Transport2025(server.mcpUrl));
    return client;
  }
  const client = new Client(
    { name: `host-${era}`, version: '1.0.0' },
    era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
  );
  await client.connect(new StreamableHTTPClientTransport(server.mcpUrl));
  return client;
}

describe('the MCP App resource', () => {
  it.each<Era>(['modern', 'legacy', 'sdk1'])(
    'is listed and readable, and the room tools point at it (%s)',
    async (era) => {
      const client = await hostClient(era);
      try {
        expect(client.getServerCapabilities()?.resources).toBeDefined();
        const { resources } = await client.listResources();
        expect(resources).toEqual([
          expect.objectContaining({ uri: ROOM_URI, name: 'room', mimeType: 'text/html;profile=mcp-app' }),
        ]);
        const read = await client.readResource({ uri: ROOM_URI });
        const content = read.contents[0] as { uri: string; mimeType: string; text: string };
        expect(content.uri).toBe(ROOM_URI);
        expect(content.mimeType).toBe('text/html;profile=mcp-app');
        // One self-contained file: its script and styles inside, nothing fetched from anywhere.
        expect(content.text).toMatch(/^<!doctype html>/i);
        expect(content.text).toContain('<script type="module">');
        expect(content.text).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
        const { tools } = await client.listTools();
        const pointing = tools.filter(
          (tool) =>
            (tool._meta as { ui?: { resourceUri?: string } } | undefined)?.ui?.resourceUri === ROOM_URI,
        );
        expect(pointing.map((tool) => tool.name).sort()).toEqual([
          'enter_queue',
          'join_room',
          'wait_for_match',
          'wait_for_message',
        ]);
        await expect(client.readResource({ uri: 'ui://mcp-chat/nothing' })).rejects.toThrow();
      } finally {
        await client.close();
      }
    },
  );
});

describe.skipIf(BROWSER_MISSING)('the MCP App in a host', { timeout: 60_000 }, () => {
  let browser: Browser;
  let host: TestHostServer;
  const agents: ChatClient[] = [];

  beforeAll(async () => {
    [browser, host] = await Promise.all([launchBrowser(), startTestHost(server.mcpUrl)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(agents.map((agent) => agent.close()));
    await browser?.close();
    await host?.close();
  });

  it('shows the room of the join_room result, live, and sends what the person types', async () => {
    const agent = await connect(server.mcpUrl, 'modern', 'agent');
    agents.push(agent);
    const created = await agent.call('join_room', { room_id: 'host-room', display_name: 'Bo' });
    await agent.call('send_message', {
      room_id: 'host-room',
      client_id: created.client_id,
      message: 'Welcome! Ask me anything about the release.',
    });

    const page = await browser.newPage({ viewport: { width: 900, height: 720 } });
    page.setDefaultTimeout(15_000);
    await page.goto(host.url);
    await page.evaluate(() => (window as unknown as { mcpHost: { start(): Promise<void> } }).mcpHost.start());
    const joined = (await page.evaluate(() =>
      (
        window as unknown as { mcpHost: { callAndRender(n: string, a: object): Promise<unknown> } }
      ).mcpHost.callAndRender('join_room', { room_id: 'host-room', display_name: 'Ann' }),
    )) as { status: string };
    expect(joined.status).toBe('joined');

    const view = page.frameLocator('iframe[title="MCP Chat room"]');
    await view.getByRole('heading', { name: 'host-room' }).waitFor();
    await view.getByText('Welcome! Ask me anything about the release.').waitFor();
    await view.getByRole('list', { name: 'Members' }).getByText('Bo').waitFor();

    await agent.call('send_message', {
      room_id: 'host-room',
      client_id: created.client_id,
      message: 'The release notes are ready for review.',
    });
    await view.getByText('The release notes are ready for review.').waitFor({ timeout: LIVE_MS });

    const box = view.getByRole('textbox', { name: 'Message' });
    await box.fill('Great, I will read them now.');
    await box.press('Enter');
    // On screen once the server stored it: only then may the agent's wait expect it (the wait
    // would otherwise return the join notice alone, which is unread for Bo too).
    await view.getByText('Great, I will read them now.').waitFor();
    const heard = await agent.call('wait_for_message', {
      room_id: 'host-room',
      client_id: created.client_id,
      timeout: 10,
    });
    const said = (heard.messages as { message: string; sender: string }[]).filter(
      (m) => !m.message.startsWith('[System]'),
    );
    expect(said).toEqual([
      expect.objectContaining({ message: 'Great, I will read them now.', sender: 'Ann' }),
    ]);
    // The model behind the host hears of it too: its own waits never return its own messages.
    const told = await page.evaluate(
      () => (window as unknown as { mcpHost: { modelContext: unknown[] } }).mcpHost.modelContext,
    );
    expect(JSON.stringify(told)).toContain('Great, I will read them now.');
    const shot = screenshotPath('mcp-app');
    if (shot) await page.screenshot({ path: shot });
    await page.close();
  });

  it('shows the queue for an enter_queue result, then the room once matched', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(host.url);
    await page.evaluate(() => (window as unknown as { mcpHost: { start(): Promise<void> } }).mcpHost.start());
    const queued = (await page.evaluate(() =>
      (
        window as unknown as { mcpHost: { callAndRender(n: string, a: object): Promise<unknown> } }
      ).mcpHost.callAndRender('enter_queue', { display_name: 'Ann' }),
    )) as { status: string };
    expect(queued.status).toBe('waiting');
    const view = page.frameLocator('iframe[title="MCP Chat room"]');
    await view.getByText('Waiting for a partner…').waitFor();

    const agent = await connect(server.mcpUrl, 'modern', 'agent');
    agents.push(agent);
    const matched = await agent.call('enter_queue', { display_name: 'Bo' });
    expect(matched.status).toBe('matched');
    await view.getByRole('heading', { name: String(matched.room_id) }).waitFor({ timeout: LIVE_MS });
    await agent.call('send_message', {
      room_id: matched.room_id,
      client_id: matched.client_id,
      message: 'Hi from the queue.',
    });
    await view.getByText('Hi from the queue.').waitFor({ timeout: LIVE_MS });
    await page.close();
  });
});
