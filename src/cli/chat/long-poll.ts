import type { Body } from './connection.js';
import { CALL_TIMEOUT_MS, type ReconnectingLink } from './reconnect.js';

/** What to do after one answer of a wait: park again, or stop following. */
export type Next = 'again' | 'stop';

/** One of the waits the terminal client keeps open: wait_for_match while queued, wait_for_message in a room. */
export interface LongPoll {
  tool: 'wait_for_match' | 'wait_for_message';
  /** Read before every call, so each wait carries the identity of the moment. */
  args(): Body;
  /** A result (a match, messages, or a timeout); may make calls of its own before the next wait. */
  answered(body: Body, signal: AbortSignal): Next | Promise<Next>;
  /** A refusal; `again` parks again after a backoff step, so a persistent one does not spin. */
  refused(code: string, error: string): Next;
}

/**
 * Parks on `poll.tool` again and again until it says stop or `signal` aborts. Outages are the
 * link's business: a wait cut off by one is simply made again once the link is back.
 */
export async function longPoll(
  link: ReconnectingLink,
  poll: LongPoll,
  waitSeconds: number,
  signal: AbortSignal,
): Promise<void> {
  for (let failures = 0; !signal.aborted; ) {
    const outcome = await link.call(
      poll.tool,
      { ...poll.args(), timeout: waitSeconds },
      // The server parks for waitSeconds; the request gets the usual call time on top to answer.
      { signal, timeoutMs: waitSeconds * 1000 + CALL_TIMEOUT_MS },
    );
    if (signal.aborted) return;
    if (outcome.ok) {
      failures = 0;
      if ((await poll.answered(outcome.body, signal)) === 'stop') return;
      continue;
    }
    if (poll.refused(outcome.code, outcome.error) === 'stop') return;
    await link.pause(failures++, signal);
  }
}
