/// <reference lib="dom" />
// The functions given to page.evaluate run in the browser.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_MISSING, LIVE_MS, launchBrowser, screenshotPath } from './support/browser.js';
import { type ChatClient, connect } from './support/clients.js';
import { startTestServer, type TestServer } from './support/server.js';

describe.skipIf(BROWSER_MISSING)('the web page at /', { timeout: 60_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const agents: ChatClient[] = [];

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
    await Promise.all(agents.splice(0).map((agent) => agent.close()));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  async function openPage(path: string, viewport = { width: 1100, height: 720 }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${server.url}${path}`);
    return page;
  }

  async function agent(name = 'agent'): Promise<ChatClient> {
    const client = await connect(server.mcpUrl, 'modern', name);
    agents.push(client);
    return client;
  }

  /** The texts of the messages on screen, in screen order. */
  const texts = (page: Page) => page.locator('.room .msg .text').allTextContents();
  const messageBox = (page: Page) => page.getByRole('textbox', { name: 'Message' });

  it('serves the page with a strict Content-Security-Policy, and the assets for good', async () => {
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await response.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${server.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${server.url}/r/some-room`)).status).toBe(200);
    // Only the page's own paths: the rest keeps answering JSON 404s (OAuth discovery probes).
    const probe = await fetch(`${server.url}/.well-known/oauth-authorization-server`);
    expect(probe.status).toBe(404);
    expect(probe.headers.get('content-type')).toMatch(/json/);

    const off = await startTestServer({ web: false });
    try {
      expect((await fetch(`${off.url}/`)).status).toBe(404);
    } finally {
      await off.dispose();
    }
  });

  it('takes a person straight into a room from a link, with the name filled in', async () => {
    const bot = await agent();
    const created = await bot.call('join_room', { room_id: 'link-room', display_name: 'Claude' });
    const page = await openPage('/r/link-room?name=Ann');
    await page.getByRole('heading', { name: 'link-room' }).waitFor();
    await page.getByRole('list', { name: 'Members' }).getByText('Claude').waitFor();
    const joined = await bot.call('wait_for_message', {
      room_id: 'link-room',
      client_id: created.client_id,
      timeout: 10,
    });
    expect(joined.message).toBe('[System] Ann has joined the chat.');
    // The name no longer sits in the address; the box has the focus, ready to write.
    expect(new URL(page.url()).pathname).toBe('/r/link-room');
    expect(new URL(page.url()).search).toBe('');
    await expect.poll(() => messageBox(page).evaluate((box) => box === document.activeElement)).toBe(true);
  });

  it('meets an agent through the queue with the keyboard alone, talks both ways, and says when it left', async () => {
    const page = await openPage('/');
    // The name field has the focus; Tab reaches "Meet someone", Enter presses it.
    await page.keyboard.type('Ann');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByText('Waiting for a partner').waitFor();

    const bot = await agent();
    const matched = await bot.call('enter_queue', { display_name: 'Claude' });
    expect(matched.status).toBe('matched');
    const roomId = String(matched.room_id);
    const clientId = matched.client_id;
    await messageBox(page).waitFor();

    await bot.call('send_message', {
      room_id: roomId,
      client_id: clientId,
      message: 'Hello Ann, I am Claude.',
    });
    await page.getByText('Hello Ann, I am Claude.').waitFor({ timeout: LIVE_MS });

    await page.keyboard.type('Hi Claude! Shall we start?');
    await page.keyboard.press('Enter');
    const heard = await bot.call('wait_for_message', { room_id: roomId, client_id: clientId, timeout: 10 });
    expect(heard).toMatchObject({ message: 'Hi Claude! Shall we start?', sender: 'Ann' });

    await bot.call('leave_chat', { room_id: roomId, client_id: clientId });
    await page.getByText('Your chat partner has left the conversation.').waitFor({ timeout: LIVE_MS });
    await page.getByText('This chat has ended.').waitFor();
    expect(await messageBox(page).isDisabled()).toBe(true);
    expect(await texts(page)).toEqual([
      'Hello Ann, I am Claude.',
      'Hi Claude! Shall we start?',
      '[System] Your chat partner has left the conversation.',
    ]);
  });

  it('joins a named room from the lobby, shows members and talks both ways', async () => {
    const page = await openPage('/');
    await page.getByLabel('Your name').fill('Ann');
    await page.getByLabel('Room name').fill('design-review');
    await page.getByRole('button', { name: 'Join room' }).click();
    await page.getByRole('heading', { name: 'design-review' }).waitFor();

    const bot = await agent();
    const joined = await bot.call('join_room', { room_id: 'design-review', display_name: 'Claude' });
    const members = page.getByRole('list', { name: 'Members' });
    await members.getByText('Claude').waitFor({ timeout: LIVE_MS });
    await page.getByText('[System] Claude has joined the chat.').waitFor();

    const say = (message: string) =>
      bot.call('send_message', { room_id: 'design-review', client_id: joined.client_id, message });
    await say('Hi Ann! I read the design doc. Two questions about the retry policy.');
    await page
      .getByText('Two questions about the retry policy.', { exact: false })
      .waitFor({ timeout: LIVE_MS });
    await messageBox(page).fill('Sure, go ahead.');
    await messageBox(page).press('Enter');
    const heard = await bot.call('wait_for_message', {
      room_id: 'design-review',
      client_id: joined.client_id,
      timeout: 10,
    });
    expect(heard).toMatchObject({ message: 'Sure, go ahead.', sender: 'Ann' });
    await say('Does a retried send reuse its idempotency key?');
    await page.getByText('Does a retried send reuse its idempotency key?').waitFor({ timeout: LIVE_MS });
    await messageBox(page).fill('Yes: the page keeps the key until the server answers.');
    await messageBox(page).press('Enter');
    await page.getByText('Yes: the page keeps the key').waitFor();
    const shot = screenshotPath('web-page');
    if (shot) await page.screenshot({ path: shot });

    // Shift+Enter makes a new line instead of sending.
    await messageBox(page).fill('first line');
    await messageBox(page).press('Shift+Enter');
    expect(await messageBox(page).inputValue()).toBe('first line\n');

    await page.getByRole('button', { name: 'Leave' }).click();
    await page.getByRole('heading', { name: 'Start a chat' }).waitFor();
    const after = await bot.call('wait_for_message', {
      room_id: 'design-review',
      client_id: joined.client_id,
      timeout: 10,
    });
    const said = (after.messages as { message: string }[]).map((m) => m.message);
    expect(said).toEqual([
      'Yes: the page keeps the key until the server answers.',
      '[System] Your chat partner has left the conversation.',
    ]);
  });

  it('keeps several rooms, counts unread in the ones not on screen, and keeps them over a reload', async () => {
    const bot = await agent();
    const a = await bot.call('join_room', { room_id: 'room-a', display_name: 'Claude' });
    const page = await openPage('/r/room-a?name=Ann');
    await page.getByRole('heading', { name: 'room-a' }).waitFor();
    await page.getByRole('button', { name: 'New chat' }).click();
    await page.getByLabel('Room name').fill('room-b');
    await page.getByRole('button', { name: 'Join room' }).click();
    await page.getByRole('heading', { name: 'room-b' }).waitFor();

    await bot.call('send_message', { room_id: 'room-a', client_id: a.client_id, message: 'one' });
    await bot.call('send_message', { room_id: 'room-a', client_id: a.client_id, message: 'two' });
    const tabA = page.getByRole('navigation').getByRole('button', { name: /room-a/ });
    await tabA.getByLabel('2 unread').waitFor({ timeout: LIVE_MS });
    await tabA.click();
    await page.getByRole('heading', { name: 'room-a' }).waitFor();
    await page.getByText('two', { exact: true }).waitFor();
    expect(await tabA.getByLabel(/unread/).isHidden()).toBe(true);
    const clientId = await page.evaluate(() => localStorage.getItem('mcp-chat.client_id'));

    await page.reload();
    await page
      .getByRole('navigation')
      .getByRole('button', { name: /room-b/ })
      .waitFor();
    await tabA.click();
    await page.getByText('two', { exact: true }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('mcp-chat.client_id'))).toBe(clientId);
    // Still one person in room-a: the reload came back as the same identity.
    const status = await bot.call('get_status', { client_id: a.client_id });
    const roomA = (status.rooms as { room_id: string; members: unknown[] }[]).find(
      (r) => r.room_id === 'room-a',
    );
    expect(roomA?.members).toHaveLength(2);
  });

  it('shows replies and mentions where messages carry them', async (ctx) => {
    const bot = await agent();
    const joined = await bot.call('join_room', { room_id: 'threads', display_name: 'Claude' });
    const page = await openPage('/r/threads?name=Ann');
    await page.getByRole('heading', { name: 'threads' }).waitFor();
    const question = await bot.call('send_message', {
      room_id: 'threads',
      client_id: joined.client_id,
      message: 'Which release do we ship on Friday?',
    });
    const reply = await bot.raw('send_message', {
      room_id: 'threads',
      client_id: joined.client_id,
      message: '@Ann can you confirm?',
      reply_to: question.seq,
    });
    if (reply.isError) ctx.skip('this server has no replies (send_message without reply_to)');
    const item = page.locator('.room .msg', { hasText: '@Ann can you confirm?' });
    await item.waitFor({ timeout: LIVE_MS });
    expect(await item.locator('blockquote').textContent()).toBe(
      'In reply to Claude: Which release do we ship on Friday?',
    );
    expect(await item.getByText('(mentions you)').count()).toBe(1);
    expect(await item.locator('.at').textContent()).toBe('@Ann');
  });

  it('fits a phone screen', async () => {
    const page = await openPage('/r/phone-room?name=Ann', { width: 390, height: 760 });
    await page.getByRole('heading', { name: 'phone-room' }).waitFor();
    const box = await messageBox(page).boundingBox();
    expect(box).not.toBeNull();
    expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(390);
    expect((box?.y ?? 0) + (box?.height ?? 0)).toBeLessThanOrEqual(760);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });

  it('scrolls back through a 1,000-message history and stays responsive', async () => {
    const bot = await agent();
    const joined = await bot.call('join_room', { room_id: 'long-history', display_name: 'Claude' });
    // Seeded through the server's own chat service: a thousand HTTP round trips would only make
    // the test slower, and what the page reads back is the same log.
    for (let n = 1; n <= 1000; n += 1) {
      await server.chat.sendMessage({
        roomId: 'long-history',
        clientId: String(joined.client_id),
        message: `message ${n}`,
      });
    }
    const page = await openPage('/r/long-history?name=Ann');
    const log = page.getByRole('log', { name: 'Messages' });
    await log.getByText('[System] Ann has joined the chat.').waitFor();
    // Scrolling to the top asks for the page before, until there is no more. Done inside the
    // page, watching the longest gap between two frames: a frozen page would show one.
    const longestFrameGapMs = await log.evaluate(async (node) => {
      let last = performance.now();
      let longest = 0;
      let watching = true;
      const watch = () => {
        const now = performance.now();
        longest = Math.max(longest, now - last);
        last = now;
        if (watching) requestAnimationFrame(watch);
      };
      requestAnimationFrame(watch);
      const button = node.querySelector<HTMLButtonElement>('.earlier');
      const deadline = Date.now() + 60_000;
      while (button && !button.hidden && Date.now() < deadline) {
        node.scrollTop = 0;
        node.dispatchEvent(new Event('scroll'));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      watching = false;
      return longest;
    });
    expect(await page.getByRole('button', { name: 'Load earlier messages' }).isVisible()).toBe(false);
    expect(longestFrameGapMs).toBeLessThan(5000);
    const shown = await texts(page);
    expect(shown).toHaveLength(1001);
    const sent = shown.filter((text) => text.startsWith('message '));
    expect(new Set(sent).size).toBe(1000);
    // Sorted by seq, so in the order they were stored; and the page still answers at once.
    const seqs = await page
      .locator('.room .msg')
      .evaluateAll((nodes) => nodes.map((n) => Number(n.getAttribute('data-seq'))));
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    await messageBox(page).fill('still here');
    await messageBox(page).press('Enter');
    await page.getByText('still here').waitFor({ timeout: LIVE_MS });
  }, 120_000);
});
