import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ResponseChannel } from '../mcp/delivery.js';
import { connectionOf } from './connection.js';

/**
 * How long after a response finished writing a hang-up of its connection still counts as "maybe
 * never read". A client that dropped the connection a moment before the answer was written (the
 * server had not seen it go yet) is told apart by what follows at once: the server reads the
 * hang-up it had not read yet.
 */
const HANG_UP_GRACE_MS = 100;

/**
 * The reset watches of the last response on each connection that has any (a batch can register
 * several): the next response's watches replace them, so a long keep-alive connection holds few.
 */
const resetWatches = new WeakMap<Socket, { res: ServerResponse; stops: Set<() => void> }>();

function watchResets(socket: Socket, res: ServerResponse, stop: () => void): void {
  const last = resetWatches.get(socket);
  if (last?.res === res) {
    last.stops.add(stop);
    return;
  }
  for (const each of last?.stops ?? []) each();
  resetWatches.set(socket, { res, stops: new Set([stop]) });
}

/**
 * A response is delivered when it finished writing before its connection closed, and the
 * connection was neither hung up by a keep-alive client right after nor reset before it carried
 * another request. A client that hangs up within the grace after reading an answer gets it again
 * on its next wait (with the same seqs): in doubt, the answer is put back rather than lost.
 *
 * A reset has no grace: a client that read the whole answer has nothing unread, so closing sends
 * a plain hang-up; a reset means bytes of the answer were still unread in its kernel when it
 * closed (a client too busy to read them before its own timeout dropped the request). Such a
 * client can take longer than any grace to close, so the watch lasts until the next request.
 */
export function responseChannel(res: ServerResponse): ResponseChannel {
  return {
    onUndelivered(callback) {
      if (res.writableFinished) return;
      const socket = connectionOf(res);
      if (res.destroyed || socket?.destroyed) {
        callback();
        return;
      }
      const keepAlive = !/close/i.test(String(res.req?.headers.connection ?? ''));
      let done = false;
      const undelivered = () => {
        if (done) return;
        done = true;
        stop();
        callback();
      };
      /** What the connection had read when the answer was written; more means another request. */
      let readAtFinish: number | undefined;
      const onError = (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') return;
        if (readAtFinish === undefined || socket?.bytesRead === readAtFinish) undelivered();
      };
      // A response queued behind another on its connection hears of the close only here.
      const onSocketClose = () => (res.writableFinished ? stop() : undelivered());
      const stop = () => {
        socket?.off('error', onError);
        socket?.off('close', onSocketClose);
        if (socket) resetWatches.get(socket)?.stops.delete(stop);
      };
      if (socket) {
        watchResets(socket, res, stop);
        socket.on('error', onError);
        socket.once('close', onSocketClose);
      }
      res.once('close', () => {
        if (!res.writableFinished) {
          undelivered();
          return;
        }
        readAtFinish = socket?.bytesRead;
        // The verdict on a hang-up waits for the grace and then for one more turn of I/O: on a
        // busy server the timer can fire before the hang-up that arrived meanwhile has been read.
        const timer = setTimeout(() => {
          setImmediate(() => {
            // Not once the connection carried another request: on a server far behind, the
            // timer can fire after it read that request and its drop, which is not about this answer.
            if (keepAlive && socket?.readableEnded && socket.bytesRead === readAtFinish) undelivered();
          });
        }, HANG_UP_GRACE_MS);
        timer.unref();
      });
    },
  };
}
