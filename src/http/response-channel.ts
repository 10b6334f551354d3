import type { ServerResponse } from 'node:http';
import type { ResponseChannel } from '../mcp/delivery.js';

/** A response is delivered when it finished writing before its connection closed. */
export function responseChannel(res: ServerResponse): ResponseChannel {
  return {
    onUndelivered(callback) {
      if (res.writableFinished) return;
      if (res.destroyed) {
        callback();
        return;
      }
      res.once('close', () => {
        if (!res.writableFinished) callback();
      });
    },
  };
}
