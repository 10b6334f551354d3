/**
 * What the HTTP layer tells the protocol face about the response of a call being handled.
 * A wait takes messages before its answer is written; if the connection is gone by then (the
 * client cancelled a moment earlier, or the network dropped), the answer is never read and the
 * messages must be put back. TCP offers no other way to know: a cancel can reach the server
 * after a send on another connection has already woken the wait.
 */
export interface ResponseChannel {
  /** Calls `callback` once if the response ends without being fully written. */
  onUndelivered(callback: () => void): void;
}

/**
 * The responses of one 2025-era session's POSTs, by JSON-RPC request id, while they are open:
 * the HTTP layer registers each, a tool call finds its own.
 */
export class PendingResponses {
  private readonly byId = new Map<string | number, ResponseChannel>();

  /** Registers the channel of request `id`; the returned function forgets it. */
  register(id: string | number, channel: ResponseChannel): () => void {
    this.byId.set(id, channel);
    return () => {
      if (this.byId.get(id) === channel) this.byId.delete(id);
    };
  }

  channelFor(id: string | number): ResponseChannel | undefined {
    return this.byId.get(id);
  }
}
