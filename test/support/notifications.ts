import { expect } from 'vitest';
import type { ChatClient, ReceivedNotification } from './clients.js';

/** Waits (up to `withinMs`) for a notification that matches, and returns it. */
export async function received(
  c: ChatClient,
  method: string,
  matches: (params: Record<string, unknown>) => boolean = () => true,
  withinMs = 1000,
): Promise<ReceivedNotification> {
  let found: ReceivedNotification | undefined;
  await expect
    .poll(
      () => {
        found = c.notifications.find((n) => n.method === method && matches(n.params ?? {}));
        return found !== undefined;
      },
      { timeout: withinMs, interval: 10 },
    )
    .toBe(true);
  return found as ReceivedNotification;
}
