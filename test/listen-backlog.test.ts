import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { startTestServer } from './support/server.js';

// Found by `npm run torture` (disconnect storms, full scale, on a busy machine): thousands of
// clients reconnecting at once overflowed Node's default accept queue of 511; the kernel dropped
// the overflow (hundreds of thousands of ListenOverflows), and those calls hung for about two
// minutes before a reset. The server now asks for a queue as long as the kernel allows.

const NODE_DEFAULT_BACKLOG = 511;

it('listens with an accept queue longer than Node’s default, up to the kernel’s cap', async () => {
  const server = await startTestServer();
  try {
    const { port } = new URL(server.url);
    // For a listening socket, `ss` shows the accept queue's length in Send-Q.
    const line = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' }).trim();
    const backlog = Number(line.split(/\s+/)[2]);
    const cap = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    expect(backlog).toBe(Math.min(8192, cap));
    expect(backlog).toBeGreaterThan(NODE_DEFAULT_BACKLOG);
  } finally {
    await server.dispose();
  }
});
