/// <reference lib="dom" />
// The functions given to page.evaluate run in the browser.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { BROWSER_MISSING, launchBrowser } from './support/browser.js';
import type { CliProcess } from './support/cli.js';
import { type ChatClient, connect } from './support/clients.js';
import { freePort } from './support/process.js';
import { startServerProcess } from './support/server-process.js';

// The page across a graceful restart (SIGTERM) and a crash (SIGKILL) of a server on a SQLite
// file, in the middle of a conversation: it says it is reconnecting, comes back by itself as the
// same person, sends what was typed meanwhile, and shows every message once, in order.

const LIVE_MS = 5000;
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function stop(server: CliProcess, signal: NodeJS.Signals) {
  server.child.kill(signal);
  return server.exited;
}

describe.skipIf(BROWSER_MISSING)('the web page across server restarts', () => {
  it('reconnects with the same identity and shows every message once, in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-chat-web-restart-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const db = join(dir, 'chat.db');
    const port = await freePort();
    const url = new URL(`http://127.0.0.1:${port}/mcp`);
    let server = await startServerProcess(port, db);
    cleanups.push(() => stop(server, 'SIGKILL'));
    const browser: Browser = await launchBrowser();
    cleanups.push(() => browser.close());

    let bot: ChatClient = await connect(url, 'modern', 'bot');
    const joined = await bot.call('join_room', { room_id: 'restart-room', display_name: 'Claude' });
    const clientId = joined.client_id as string;
    const say = (message: string) =>
      bot.call('send_message', { room_id: 'restart-room', client_id: clientId, message });
    const hear = async () =>
      (await bot.call('wait_for_message', { room_id: 'restart-room', client_id: clientId, timeout: 20 }))
        .message;

    const page = await browser.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`http://127.0.0.1:${port}/r/restart-room?name=Ann`);
    const box = page.getByRole('textbox', { name: 'Message' });
    await page.getByRole('heading', { name: 'restart-room' }).waitFor();
    expect(await hear()).toBe('[System] Ann has joined the chat.');
    const identity = await page.evaluate(() => localStorage.getItem('mcp-chat.client_id'));

    await say('before the restart');
    await page.getByText('before the restart').waitFor({ timeout: LIVE_MS });
    await box.fill('page before the restart');
    await box.press('Enter');
    expect(await hear()).toBe('page before the restart');

    // Graceful: the parked wait is answered, the next call finds nobody.
    await bot.close();
    expect(await stop(server, 'SIGTERM')).toBe(0);
    await page.getByRole('status').getByText('Reconnecting…').waitFor();
    await box.fill('typed while the server was down');
    await box.press('Enter');
    server = await startServerProcess(port, db);
    bot = await connect(url, 'modern', 'bot');
    expect(await hear()).toBe('typed while the server was down');
    await say('after the restart');
    await page.getByText('after the restart', { exact: true }).waitFor({ timeout: LIVE_MS });
    await page.getByRole('status').getByText('Connected').waitFor();

    // A crash: no goodbye, the connection just drops, possibly mid-answer.
    await bot.close();
    await stop(server, 'SIGKILL');
    await page.getByRole('status').getByText('Reconnecting…').waitFor();
    server = await startServerProcess(port, db);
    bot = await connect(url, 'modern', 'bot');
    await say('after the crash, one');
    await say('after the crash, two');
    await page.getByText('after the crash, two').waitFor({ timeout: LIVE_MS });
    await box.fill('page after the crash');
    await box.press('Enter');
    expect(await hear()).toBe('page after the crash');
    await page.getByText('page after the crash').waitFor();

    const shown = await page.locator('.room .msg:not(.system) .text').allTextContents();
    expect(shown).toEqual([
      'before the restart',
      'page before the restart',
      'typed while the server was down',
      'after the restart',
      'after the crash, one',
      'after the crash, two',
      'page after the crash',
    ]);
    expect(await page.evaluate(() => localStorage.getItem('mcp-chat.client_id'))).toBe(identity);
    // The server agrees: the same two members, nothing stored twice.
    const history = await bot.call('get_messages', { room_id: 'restart-room', client_id: clientId });
    const stored = (history.messages as { message: string; system?: boolean }[]).filter((m) => !m.system);
    expect(stored.map((m) => m.message)).toEqual(shown);
    await bot.close();
  }, 120_000);
});
