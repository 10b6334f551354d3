import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * The connection a response goes out on. Node tells a response that its connection closed only
 * while the response holds the socket. A request read while the previous answer on the same
 * keep-alive connection has not finished yet (a busy server, a client that sends its next call at
 * once) gets a response that is queued without a socket. If the connection closes meanwhile, that
 * response never emits 'close', and it may be handed the dead socket later. Its request always
 * knows the connection, so this is what to watch.
 */
export function connectionOf(res: ServerResponse): Socket | null {
  return res.socket ?? res.req?.socket ?? null;
}

/**
 * Calls `gone` once if the connection closes (or has closed) before the response finished
 * writing: the answer cannot arrive. The watch ends when the response is done either way, so a
 * long keep-alive connection does not collect listeners.
 */
export function whenConnectionGone(res: ServerResponse, gone: () => void): void {
  const socket = connectionOf(res);
  // Plain listeners on one object (each event comes once): `once` wraps every listener in a bound
  // function and a state object, and this watch lives as long as a parked wait.
  const watch = {
    told: false,
    tell() {
      if (watch.told || res.writableFinished) return;
      watch.told = true;
      gone();
    },
    stop() {
      socket?.off('close', watch.tell);
      res.off('close', watch.closed);
      res.off('finish', watch.stop);
    },
    closed() {
      watch.stop();
      watch.tell();
    },
  };
  res.on('close', watch.closed);
  res.on('finish', watch.stop);
  if (res.destroyed || socket?.destroyed) watch.tell();
  // A response that holds its socket hears of the close itself; only a queued one needs this.
  else if (!res.socket) socket?.on('close', watch.tell);
}
