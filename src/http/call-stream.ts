import type { ServerResponse } from 'node:http';
import { WaitStop } from '../chat/index.js';
import type { CallStream } from '../mcp/lean-calls.js';
import { whenConnectionGone } from './connection.js';
import { responseChannel } from './response-channel.js';

/** SSE comment frames keep idle proxies from cutting a long-poll, as the SDK's streams do (its default). */
export const KEEP_ALIVE_MS = 15_000;
export const KEEP_ALIVE_FRAME = ': keepalive\n\n';

/** The headers of the SDK's SSE responses. */
export const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

/** One JSON-RPC message as the SDK frames it on an SSE stream, with its event id when it has one. */
export function sseMessage(message: Record<string, unknown>, id?: string): string {
  return `event: message\n${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(message)}\n\n`;
}

/**
 * One JSON-RPC exchange over a Node response, framed like the SDK's 2026-07-28 answers: a JSON
 * body, or `text/event-stream` with `event: message` frames once something precedes the result.
 *
 * Lean on purpose: a parked wait holds this for minutes, thousands at once. So no timer until the
 * response streams, one listener for the connection, and methods rather than named closures
 * (under tsx every named closure carries a property dictionary of its own).
 */
export function callStream(res: ServerResponse): CallStream {
  // Not an AbortController: only the wait listens, and this lives as long as the wait.
  const abort = new WaitStop();
  let keepAlive: NodeJS.Timeout | undefined;
  // The keep-alive timer exists only once the response streams, and the connection going away
  // is heard here too (a queued response hears of it only from its socket).
  whenConnectionGone(res, () => {
    clearInterval(keepAlive);
    abort.abort();
  });
  return {
    signal: abort,
    notify(message) {
      if (res.destroyed || abort.aborted) return;
      if (keepAlive === undefined) {
        res.writeHead(200, SSE_HEADERS);
        keepAlive = setInterval(() => res.write(KEEP_ALIVE_FRAME), KEEP_ALIVE_MS);
        res.on('close', () => clearInterval(keepAlive));
      }
      res.write(sseMessage(message));
    },
    finish(message) {
      clearInterval(keepAlive);
      if (res.destroyed || abort.aborted) return;
      if (keepAlive !== undefined) res.end(sseMessage(message));
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(message));
    },
    onUndelivered(callback) {
      responseChannel(res).onUndelivered(callback);
    },
  };
}
