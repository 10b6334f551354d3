import type { IncomingMessage } from 'node:http';

export type BodyRead = { kind: 'ok'; text: string } | { kind: 'too_large' } | { kind: 'aborted' };

/**
 * Reads a request body up to `limit` bytes, stopping as soon as it is exceeded. With plain
 * listeners that it removes when done: `for await` over a request leaves its end-of-stream
 * listeners (eight closures) on the request for as long as the request lives, which for a
 * parked long-poll is minutes, times thousands.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve({ kind: 'too_large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (read: BodyRead) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAborted);
      req.off('close', onAborted);
      resolve(read);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else {
        // As before: the rest is not read; the caller answers 413 and closes the connection.
        req.pause();
        done({ kind: 'too_large' });
      }
    };
    const onEnd = () => done({ kind: 'ok', text: Buffer.concat(chunks).toString('utf8') });
    const onAborted = () => done({ kind: 'aborted' });
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onAborted);
    req.once('close', onAborted);
  });
}
