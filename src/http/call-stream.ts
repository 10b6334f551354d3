import type { ServerResponse } from 'node:http';
import type { CallStream } from '../mcp/lean-calls.js';
import { whenConnectionGone } from './connection.js';
import { responseChannel } from './response-channel.js';

/** SSE comment frames keep idle proxies from cutting a long-poll, as the SDK's streams do. */
const KEEP_ALIVE_MS = 15_000;

/**
 * One JSON-RPC exchange over a Node response, framed like the SDK's 2026-07-28 answers: a JSON
 * body, or `text/event-stream` with `event: message` frames once something precedes the result.
 */
export function callStream(res: ServerResponse): CallStream {
  const abort = new AbortController();
  let streaming = false;
  let keepAlive: NodeJS.Timeout | undefined;
  res.once('close', () => clearInterval(keepAlive));
  whenConnectionGone(res, () => {
    clearInterval(keepAlive);
    abort.abort();
  });
  const frame = (message: Record<string, unknown>) => `event: message\ndata: ${JSON.stringify(message)}\n\n`;
  return {
    signal: abort.signal,
    notify(message) {
      if (res.destroyed || abort.signal.aborted) return;
      if (!streaming) {
        streaming = true;
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
      }
      res.write(frame(message));
    },
    finish(message) {
      clearInterval(keepAlive);
      if (res.destroyed || abort.signal.aborted) return;
      if (streaming) res.end(frame(message));
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(message));
    },
    onUndelivered: responseChannel(res).onUndelivered,
  };
}
