import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { WaitStop } from '../chat/index.js';
import type { CallStream } from '../mcp/lean-calls.js';
import { KEEP_ALIVE_FRAME, KEEP_ALIVE_MS, SSE_HEADERS, sseMessage } from './call-stream.js';
import { whenConnectionGone } from './connection.js';
import { responseChannel } from './response-channel.js';

/**
 * SSE `retry` of a session's streams: the SDK clients wait this long before each of their two
 * reconnection attempts, so a GET stream survives a restart of up to about twice this (and stays
 * in the replay window).
 */
export const SESSION_RETRY_MS = 5000;

/** Where a session's POST streams keep their events for `Last-Event-ID` (replay-store.ts). */
export interface PostEventStore {
  storePostEvent(streamId: string, message: JSONRPCMessage): string;
}

/**
 * The answer of one lean request in a 2025-era session (session-lean.ts), written as the
 * session's transport (the SDK's WebStandardStreamableHTTPServerTransport, not in JSON-response
 * mode) writes a POST's answer: a `text/event-stream` with the session's id in `mcp-session-id`;
 * a stream id of its own; every message stored in the session's event store before it is written,
 * with that id in an `id:` line, so that `Last-Event-ID` replays the stream as it does the SDK's;
 * a priming event (`data:` empty, with `retry`) first when the request's MCP-Protocol-Version
 * header allows it; `: keepalive` comments meanwhile; and the stream ends with the response.
 *
 * As in the SDK, a request the client cancelled (`notifications/cancelled`) is never answered:
 * its stream stays open until the client closes it. An answer whose connection is gone is still
 * stored (the SDK stores it too), so a reconnecting client can replay it.
 */
export class SessionPostStream implements CallStream {
  /** Not an AbortController: only the wait listens, and this lives as long as the wait. */
  readonly signal = new WaitStop();
  private readonly streamId = randomUUID();
  private readonly keepAlive: NodeJS.Timeout;
  private cancelled = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly events: PostEventStore,
    sessionId: string,
    primed: boolean,
  ) {
    res.writeHead(200, { ...SSE_HEADERS, 'mcp-session-id': sessionId });
    if (primed) {
      const id = events.storePostEvent(this.streamId, {} as JSONRPCMessage);
      res.write(`id: ${id}\nretry: ${SESSION_RETRY_MS}\ndata: \n\n`);
    }
    this.keepAlive = setInterval(() => this.write(KEEP_ALIVE_FRAME), KEEP_ALIVE_MS);
    this.keepAlive.unref();
    res.once('close', () => clearInterval(this.keepAlive));
    // A queued response hears of the connection's end only from its socket (connection.ts).
    whenConnectionGone(res, () => {
      clearInterval(this.keepAlive);
      this.signal.abort();
    });
  }

  notify(message: Record<string, unknown>): void {
    this.write(sseMessage(message, this.store(message)));
  }

  finish(message: Record<string, unknown>): void {
    if (this.cancelled) return;
    clearInterval(this.keepAlive);
    const frame = sseMessage(message, this.store(message));
    if (this.writable()) this.res.end(frame);
  }

  onUndelivered(callback: () => void): void {
    responseChannel(this.res).onUndelivered(callback);
  }

  /** Whether the stream stays open after its call ended: cancelled, it is never answered. */
  get lingers(): boolean {
    return this.cancelled && this.writable();
  }

  /** `notifications/cancelled` for this request: the call stops, and its answer is never sent. */
  cancel(): void {
    this.cancelled = true;
    this.signal.abort();
  }

  /** The session's copy closes here: the call stops and the stream ends unanswered, as the SDK's do. */
  close(): void {
    this.cancel();
    clearInterval(this.keepAlive);
    if (this.writable()) this.res.end();
  }

  private store(message: Record<string, unknown>): string {
    return this.events.storePostEvent(this.streamId, message as JSONRPCMessage);
  }

  private write(frame: string): void {
    if (this.writable()) this.res.write(frame);
  }

  private writable(): boolean {
    return !this.res.destroyed && !this.res.writableEnded;
  }
}
