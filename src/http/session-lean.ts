import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LeanRequest } from '../mcp/lean-requests.js';
import type { SessionServer } from '../mcp/server.js';
import type { RequestCaller } from './auth/types.js';
import { primesPostStream } from './lean-lane.js';
import { type PostEventStore, SessionPostStream } from './session-stream.js';

type RequestId = string | number;

/**
 * The lean calls of one 2025-era session's copy on this instance (lean-lane.ts decides which
 * requests come here), by JSON-RPC id while they run: what a `notifications/cancelled` (from the
 * client, or from another instance as a signal) and the copy's end stop, as the SDK's protocol
 * layer stops the requests it runs.
 */
export class LeanSessionCalls {
  private readonly running = new Map<RequestId, SessionPostStream>();

  constructor(
    private readonly sessionId: string,
    private readonly session: SessionServer,
    private readonly events: PostEventStore,
  ) {}

  async answer(req: IncomingMessage, res: ServerResponse, caller: RequestCaller, request: LeanRequest) {
    const stream = new SessionPostStream(res, this.events, this.sessionId, primesPostStream(req));
    // A repeated id replaces the earlier call here, as it does in the SDK's table of running requests.
    this.running.set(request.id, stream);
    const forget = () => {
      if (this.running.get(request.id) === stream) this.running.delete(request.id);
    };
    try {
      await this.session.answer(request, stream, caller);
    } finally {
      // A cancelled call's stream stays open unanswered, as the SDK's does, until the client
      // closes it or the copy ends (which ends it).
      if (stream.lingers) res.once('close', forget);
      else forget();
    }
  }

  cancel(requestId: RequestId): void {
    this.running.get(requestId)?.cancel();
  }

  /** The copy closes: every call stops and its stream ends (a cancelled one's too). */
  closeAll(): void {
    for (const stream of this.running.values()) stream.close();
    this.running.clear();
  }
}
