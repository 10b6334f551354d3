import { WAIT_TIMEOUT_SECONDS } from '../chat/index.js';

/**
 * How long a wait lasts when the call names no `timeout`. Every wait that ends empty is one more
 * turn of the agent's model, so the default is as long as the client keeps the call alive, and
 * never so long that the client gives up first (a client-side error instead of a timeout result).
 *
 * - Most clients end a call after 60 s whatever happens: the SDK clients by default (unless the
 *   caller passes `resetTimeoutOnProgress`, which the server cannot see), Claude Desktop, the
 *   MCP Inspector. 50 s leaves them room for the answer to travel: 72 turns an idle hour.
 * - Claude Code ends a remote call after about 5 minutes without activity and starts that clock
 *   again on every `notifications/progress`. A wait that asked for progress (a `progressToken`)
 *   from Claude Code lasts the longest wait there is, 300 s: 12 turns an idle hour. Without a
 *   progressToken it gets no progress, so the 5 minutes hold; 240 s stays well inside them.
 */
export const PLAIN_WAIT_SECONDS = 50;

/** Clients known to reset their call timeout on progress, by the name they give in clientInfo. */
const RESETS_ON_PROGRESS: ReadonlyMap<string, { withProgress: number; without: number }> = new Map([
  ['claude-code', { withProgress: WAIT_TIMEOUT_SECONDS.max, without: 240 }],
]);

/** What the call is known to come from: the client's name (from clientInfo) and whether it asked for progress. */
export interface Caller {
  clientName?: string;
  wantsProgress: boolean;
}

export function defaultWaitSeconds({ clientName, wantsProgress }: Caller): number {
  const known = clientName === undefined ? undefined : RESETS_ON_PROGRESS.get(clientName);
  if (!known) return PLAIN_WAIT_SECONDS;
  return wantsProgress ? known.withProgress : known.without;
}
