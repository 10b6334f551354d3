import { SERVER_INFO_META_KEY } from '@modelcontextprotocol/server';
import type { Abortable, ChatEvent } from '../chat/index.js';
import type { CallOrigin } from './caller.js';
import type { LeanRequest } from './lean-requests.js';
import { pushFor } from './notifications.js';
import type { ChatServerDeps } from './server.js';
import { SERVER_INFO } from './server-info.js';
import { reportProgress, runTool } from './tool-call.js';
import { TOOL_LIST } from './tool-list.js';
import { toolNamed } from './tools/index.js';
import { defaultWaitSeconds } from './wait-defaults.js';

/**
 * The lean lane: `tools/call`, `tools/list` and (in a 2025-era session) `ping` answered without
 * the SDK's per-request machinery, with the same tool code.
 *
 * The SDK serves each 2026-07-28 request with a fresh server object, transport, abort signals and
 * web Request/Response: about 45 KB of heap held while the request is open (the whole memory
 * budget of thousands of parked long-polls), and about 40 % of the CPU of a `send_message`. A
 * 2025-era session keeps its server object, but every POST still costs a web Request, a
 * ReadableStream piped to the response and the SDK's dispatch. So a plain request of these
 * methods (lean-requests.ts), found by the HTTP layer to pass every check the SDK would make
 * first, is answered here and framed the way the SDK frames it in its era: the HTTP layer's
 * CallStream writes the bytes (2026-07-28: a JSON body, or SSE once a notification precedes the
 * result; a session: the session transport's SSE stream with its event ids). Everything else,
 * including every unusual form of these calls, goes through the SDK, which answers or refuses it.
 * A test compares this lane's bytes with the SDK's for every tool, in both eras.
 */
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

/** A 2025-era session's part in a lean call (the SDK path's session hooks, mcp/server.ts). */
export interface LeanSession {
  /** The client's name from the session's `initialize`. */
  readonly clientName: string | undefined;
  /** After a successful call: binds the participant it used to the session, for push. */
  bindCaller(args: Record<string, unknown>, body: Record<string, unknown>): Promise<void>;
}

const RESULT_META = { [SERVER_INFO_META_KEY]: SERVER_INFO };

/**
 * The fixed results as the SDK encodes them (they never change within a process): in the
 * 2026-07-28 era with `resultType`, cache hints and the server's identity; in a 2025-era session
 * as the handler returns them.
 */
const MODERN_LIST = {
  tools: TOOL_LIST,
  resultType: 'complete',
  ttlMs: 0,
  cacheScope: 'private',
  _meta: RESULT_META,
};
const SESSION_LIST = { tools: TOOL_LIST };
const PING = {};

/** Answers one lean request; `session` is set for a 2025-era session's request. */
export async function answerLeanRequest(
  deps: ChatServerDeps,
  request: LeanRequest,
  stream: CallStream,
  origin: CallOrigin,
  session?: LeanSession,
): Promise<void> {
  if (request.method !== 'tools/call') {
    const result = request.method === 'ping' ? PING : session ? SESSION_LIST : MODERN_LIST;
    stream.finish({ result, jsonrpc: '2.0', id: request.id });
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
    const result = await runTool(
      request.name,
      request.args,
      deps,
      {
        origin,
        signal: stream.signal,
        onUndelivered(undo) {
          const put = () =>
            undo().catch((error: unknown) =>
              deps.logger.error({ err: error }, 'could not put messages back'),
            );
          // Cancelled already: the answer will not be sent, so it cannot arrive.
          if (stream.signal.aborted) put();
          else stream.onUndelivered(() => void put());
        },
        // The early progress once the wait listens (chat/park.ts), as on the SDK path.
        listening: progress?.tick,
        // A session's push goes to its GET stream (mcp/session-push.ts); without one, the wait's
        // own response carries it.
        forward: session
          ? undefined
          : (event: ChatEvent) => {
              const push = pushFor(event);
              if (push) stream.notify({ jsonrpc: '2.0', ...push });
            },
        defaultWaitSeconds: defaultWaitSeconds({
          clientName: session ? session.clientName : request.clientName,
          wantsProgress: request.progressToken !== undefined,
        }),
      },
      session && ((args, body) => session.bindCaller(args, body)),
    );
    stream.finish({
      result: session ? result : { ...result, resultType: 'complete', _meta: RESULT_META },
      jsonrpc: '2.0',
      id: request.id,
    });
  } finally {
    progress?.stop();
  }
}
