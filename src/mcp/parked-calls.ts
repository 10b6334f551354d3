import { CLIENT_INFO_META_KEY, SERVER_INFO_META_KEY } from '@modelcontextprotocol/server';
import type { ChatEvent } from '../chat/index.js';
import type { CallOrigin } from './caller.js';
import { pushFor } from './notifications.js';
import { type ChatServerDeps, SERVER_INFO } from './server.js';
import { reportProgress, runTool } from './tool-call.js';
import { isToolName, type ToolName, toolNamed } from './tools/index.js';
import { defaultWaitSeconds } from './wait-defaults.js';

/**
 * The lean lane for parked waits of the 2026-07-28 era.
 *
 * The SDK serves each 2026-07-28 request with a fresh server object, transport and web
 * Request/Response, about 45 KB of heap held for as long as the request is open. For calls that
 * answer at once that is nothing; for a long-poll held for minutes by thousands of clients it is
 * the whole memory budget. So a plain `tools/call` of a waiting tool (classified 2026-07-28 by
 * the SDK's own classifier, which has already checked its envelope) is answered here with the
 * same tool code, and framed the way the SDK frames it: a JSON body, or an SSE stream
 * (`event: message`) as soon as a notification precedes the result. Everything else, including
 * every unusual form of these calls, goes through the SDK.
 */

export interface ParkedCall {
  id: string | number;
  name: ToolName;
  args: unknown;
  progressToken: string | number | undefined;
  /** The client's name from the request's envelope (`clientInfo` in `_meta`), when it gives one. */
  clientName: string | undefined;
}

/** The call, when `body` is a plain 2026-07-28 `tools/call` of a waiting tool; otherwise null. */
export function parkedCall(body: unknown): ParkedCall | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const { jsonrpc, id, method, params } = body as Record<string, unknown>;
  if (jsonrpc !== '2.0' || method !== 'tools/call') return null;
  if (typeof id !== 'string' && typeof id !== 'number') return null;
  if (typeof params !== 'object' || params === null) return null;
  const { name, arguments: args, _meta, ...rest } = params as Record<string, unknown>;
  if (
    typeof name !== 'string' ||
    !isToolName(name) ||
    !toolNamed(name).parks ||
    Object.keys(rest).length > 0
  ) {
    return null;
  }
  const progressToken = (_meta as { progressToken?: unknown } | undefined)?.progressToken;
  if (progressToken !== undefined && typeof progressToken !== 'string' && typeof progressToken !== 'number') {
    return null;
  }
  const clientInfo = (_meta as Record<string, unknown> | undefined)?.[CLIENT_INFO_META_KEY];
  const clientName = (clientInfo as { name?: unknown } | undefined)?.name;
  return {
    id,
    name,
    args,
    progressToken,
    clientName: typeof clientName === 'string' ? clientName : undefined,
  };
}

/** Where the answer goes: implemented by the HTTP layer over one response. */
export interface CallStream {
  /** Aborts when the client goes away. */
  signal: AbortSignal;
  /** Sends a JSON-RPC notification before the result (the response becomes an SSE stream). */
  notify(message: Record<string, unknown>): void;
  /** Sends the JSON-RPC response and ends the exchange. */
  finish(message: Record<string, unknown>): void;
  /** Calls back if the response ends without being fully written. */
  onUndelivered(callback: () => void): void;
}

export async function answerParkedCall(
  deps: ChatServerDeps,
  call: ParkedCall,
  stream: CallStream,
  origin: CallOrigin,
): Promise<void> {
  const notify = (notification: { method: string; params: Record<string, unknown> }) =>
    stream.notify({ jsonrpc: '2.0', ...notification });
  const stopProgress = reportProgress(call.progressToken, deps.progressIntervalMs, notify);
  try {
    const result = await runTool(call.name, call.args, deps, {
      origin,
      signal: stream.signal,
      onUndelivered: (undo) => {
        const run = () => {
          undo().catch((error: unknown) => deps.logger.error({ err: error }, 'could not put messages back'));
        };
        if (stream.signal.aborted) run();
        else stream.onUndelivered(run);
      },
      forward: (event: ChatEvent) => {
        const push = pushFor(event);
        if (push) notify(push);
      },
      defaultWaitSeconds: defaultWaitSeconds({
        clientName: call.clientName,
        wantsProgress: call.progressToken !== undefined,
      }),
    });
    stream.finish({
      result: { ...result, resultType: 'complete', _meta: { [SERVER_INFO_META_KEY]: SERVER_INFO } },
      jsonrpc: '2.0',
      id: call.id,
    });
  } finally {
    stopProgress?.();
  }
}
