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
  let told = false;
  const tell = () => {
    if (told || res.writableFinished) return;
    told = true;
    gone();
  };
  const stop = () => socket?.off('close', tell);
  res.once('close', () => {
    stop();
    tell();
  });
  res.once('finish', stop);
  if (res.destroyed || socket?.destroyed) tell();
  else socket?.once('close', tell);
}
