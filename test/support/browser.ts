import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); the tests never download a browser. */
export const CHROMIUM = process.env.MCP_CHAT_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Without Chromium the browser tests are skipped on a development machine, and fail under CI=true. */
export const BROWSER_MISSING = !existsSync(CHROMIUM) && process.env.CI !== 'true';

/** One headless Chromium for a test file; each test opens its own context (its own localStorage). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Where the README's screenshots go, when MCP_CHAT_SCREENSHOTS=1 asks the tests to take them. */
export function screenshotPath(name: string): string | undefined {
  return process.env.MCP_CHAT_SCREENSHOTS === '1' ? `docs/${name}.png` : undefined;
}
