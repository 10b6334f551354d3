import type { ServerResponse } from 'node:http';
import type { ResponseChannel } from '../mcp/delivery.js';

/**
 * How long after a response finished writing a hang-up of its connection still counts as "maybe
 * never read". A client that dropped the connection a moment before the answer was written (the
 * server had not seen it go yet) is told apart by what follows at once: its kernel answers the
 * bytes with a reset, or the server reads the hang-up it had not read yet.
 */
const HANG_UP_GRACE_MS = 100;

/**
 * A response is delivered when it finished writing before its connection closed, and the
 * connection was neither reset nor hung up by a keep-alive client right after. A client that hangs
 * up within the grace after reading an answer gets it again on its next wait (with the same seqs):
 * in doubt, the answer is put back rather than lost.
 */
export function responseChannel(res: ServerResponse): ResponseChannel {
  return {
    onUndelivered(callback) {
      if (res.writableFinished) return;
      if (res.destroyed) {
        callback();
        return;
      }
      const socket = res.socket;
      const keepAlive = !/close/i.test(String(res.req?.headers.connection ?? ''));
      let reset = false;
      const onError = (error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNRESET' || error.code === 'EPIPE') reset = true;
      };
      socket?.on('error', onError);
      res.once('close', () => {
        if (!res.writableFinished) {
          socket?.off('error', onError);
          callback();
          return;
        }
        // The verdict waits for the grace and then for one more turn of I/O: on a busy server the
        // timer can fire before the reset or hang-up that arrived meanwhile has been read.
        const timer = setTimeout(() => {
          setImmediate(() => {
            socket?.off('error', onError);
            if (reset || (keepAlive && socket?.readableEnded)) callback();
          });
        }, HANG_UP_GRACE_MS);
        timer.unref();
      });
    },
  };
}
