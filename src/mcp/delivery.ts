import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What the HTTP layer tells the protocol face about the response of the call being handled.
 * A wait takes messages before its answer is written; if the connection is gone by then (the
 * client cancelled a moment earlier, or the network dropped), the answer is never read and the
 * messages must be put back. TCP offers no other way to know: a cancel can reach the server
 * after a send on another connection has already woken the wait.
 */
export interface ResponseChannel {
  /** Calls `callback` once if the response ends without being fully written. */
  onUndelivered(callback: () => void): void;
}

/** Set by the HTTP layer around each request, read by tool handlers that take messages. */
export const responseChannel = new AsyncLocalStorage<ResponseChannel>();
