import { CLIENT_INFO_META_KEY, SERVER_INFO_META_KEY } from '@modelcontextprotocol/server';
import type { Abortable, ChatEvent } from '../chat/index.js';
import type { CallOrigin } from './caller.js';
import { pushFor } from './notifications.js';
import { type ChatServerDeps, SERVER_INFO } from './server.js';
import { reportProgress, runTool } from './tool-call.js';
import { TOOL_LIST } from './tool-list.js';
import { isToolName, type ToolName, toolNamed } from './tools/index.js';
import { defaultWaitSeconds } from './wait-defaults.js';

/**
 * The lean lane of the 2026-07-28 era: `tools/call` and `tools/list` without a per-request SDK
 * server object.
 *
 * The SDK serves each 2026-07-28 request with a fresh server object, transport, abort signals and
 * web Request/Response: about 45 KB of heap held while the request is open (the whole memory
 * budget of thousands of parked long-polls), and about 40 % of the CPU of a `send_message`. So a
 * plain request of these two methods (classified 2026-07-28 by the SDK's own classifier, which
 * has checked its envelope, and found by the HTTP layer to pass the SDK's header rungs) is
 * answered here with the same tool code, and framed the way the SDK frames it: a JSON body, or an
 * SSE stream (`event: message`) as soon as a notification precedes the result. Everything else,
 * including every unusual form of these calls, goes through the SDK, which answers or refuses it.
 * A test compares this lane's bytes with the SDK's for every tool.
 */

export interface LeanToolCall {
  method: 'tools/call';
  id: string | number;
  name: ToolName;
  args: unknown;
  progressToken: string | number | undefined;
  /** The client's name from the request's envelope (`clientInfo` in `_meta`), when it gives one. */
  clientName: string | undefined;
}

export type LeanRequest = LeanToolCall | { method: 'tools/list'; id: string | number };

type Params = Record<string, unknown>;

const isPlainObject = (value: unknown): value is Params =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The request, when `body` is a plain `tools/call` of one of our tools or a plain `tools/list`
 * (no cursor); otherwise null and the SDK answers. Only the shapes the SDK would accept as they
 * are come here: anything it might reject or read differently stays with it.
 */
export function leanRequest(body: unknown): LeanRequest | null {
  if (!isPlainObject(body)) return null;
  const { jsonrpc, id, method, params } = body;
  if (jsonrpc !== '2.0' || (typeof id !== 'string' && typeof id !== 'number')) return null;
  if (!isPlainObject(params)) return null;
  const { _meta, ...rest } = params;
  if (!isPlainObject(_meta)) return null;
  if (method === 'tools/list') return Object.keys(rest).length === 0 ? { method, id } : null;
  if (method !== 'tools/call') return null;
  const { name, arguments: args, ...others } = rest;
  if (typeof name !== 'string' || !isToolName(name) || Object.keys(others).length > 0) return null;
  if (args !== undefined && !isPlainObject(args)) return null;
  const progressToken = _meta.progressToken;
  if (progressToken !== undefined && typeof progressToken !== 'string' && typeof progressToken !== 'number') {
    return null;
  }
  const clientName = (_meta[CLIENT_INFO_META_KEY] as { name?: unknown } | undefined)?.name;
  return {
    method,
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
  signal: Abortable;
  /** Sends a JSON-RPC notification before the result (the response becomes an SSE stream). */
  notify(message: Record<string, unknown>): void;
  /** Sends the JSON-RPC response and ends the exchange. */
  finish(message: Record<string, unknown>): void;
  /** Calls back if the response ends without being fully written. */
  onUndelivered(callback: () => void): void;
}

const RESULT_META = { [SERVER_INFO_META_KEY]: SERVER_INFO };

/** The `tools/list` result as the SDK frames it in this era (it never changes within a process). */
const LIST_RESULT = {
  tools: TOOL_LIST,
  resultType: 'complete',
  ttlMs: 0,
  cacheScope: 'private',
  _meta: RESULT_META,
};

export async function answerLeanRequest(
  deps: ChatServerDeps,
  request: LeanRequest,
  stream: CallStream,
  origin: CallOrigin,
): Promise<void> {
  if (request.method === 'tools/list') {
    stream.finish({ result: LIST_RESULT, jsonrpc: '2.0', id: request.id });
    return;
  }
  // As on the SDK path: only a parked wait reports progress.
  const progress = toolNamed(request.name).parks
    ? reportProgress(request.progressToken, deps.progressIntervalMs, (notification) =>
        stream.notify({ jsonrpc: '2.0', ...notification }),
      )
    : undefined;
  try {
    // Methods rather than arrow properties: a parked wait holds this context for minutes, and
    // under tsx (keepNames) every named closure carries a property dictionary of its own.
    const result = await runTool(request.name, request.args, deps, {
      origin,
      signal: stream.signal,
      onUndelivered(undo) {
        const put = () =>
          undo().catch((error: unknown) => deps.logger.error({ err: error }, 'could not put messages back'));
        if (stream.signal.aborted) put();
        else stream.onUndelivered(() => void put());
      },
      // The early progress once the wait listens (chat/park.ts), as on the SDK path.
      listening: progress?.tick,
      forward(event: ChatEvent) {
        const push = pushFor(event);
        if (push) stream.notify({ jsonrpc: '2.0', ...push });
      },
      defaultWaitSeconds: defaultWaitSeconds({
        clientName: request.clientName,
        wantsProgress: request.progressToken !== undefined,
      }),
    });
    stream.finish({
      result: { ...result, resultType: 'complete', _meta: RESULT_META },
      jsonrpc: '2.0',
      id: request.id,
    });
  } finally {
    progress?.stop();
  }
}
