import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from './support/cli.js';
import { type ChatClient, connect, type Era } from './support/clients.js';
import { received } from './support/notifications.js';
import { until } from './support/poll.js';
import { freePort } from './support/process.js';

// A 2025-era client parked in wait_for_message while the server restarts on the same database, by
// SIGTERM (a deploy) and by SIGKILL (a crash): it keeps its Mcp-Session-Id and just goes on, and
// its GET stream comes back by itself and hears the next message. The server runs from dist/ as
// an operator runs it (`node dist/cli/main.js serve`), so that it is back within the clients'
// reconnection attempts.

interface Served {
  child: ChildProcess;
  exited: Promise<number | null>;
}

async function serve(port: number, db: string): Promise<Served> {
  const child = spawn(
    process.execPath,
    ['dist/cli/main.js', 'serve', '--port', String(port), '--db', db, '--log-level', 'warn'],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await until(
    async () => {
      if (child.exitCode !== null) throw new Error('mcp-chat serve exited at start');
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (response) => response.ok,
        () => false,
      );
      return ok ? true : undefined;
    },
    () => `mcp-chat serve on port ${port}`,
  );
  return { child, exited };
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.each<[Era, NodeJS.Signals]>([
  ['legacy', 'SIGTERM'],
  ['legacy', 'SIGKILL'],
  ['sdk1', 'SIGTERM'],
  ['sdk1', 'SIGKILL'],
])('a %s session across a restart by %s', (era, signal) => {
  it('goes on with the same session id, and its GET stream hears the next message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-chat-session-restart-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const db = join(dir, 'chat.db');
    const port = await freePort();
    const url = new URL(`http://127.0.0.1:${port}/mcp`);
    let server = await serve(port, db);
    cleanups.push(() => {
      server.child.kill('SIGKILL');
      return server.exited;
    });

    const ann: ChatClient = await connect(url, era, 'ann');
    cleanups.push(() => ann.close());
    const sessionId = ann.sessionId();
    expect(sessionId).toBeDefined();
    // Bob first: Ann then has nothing unread, so her wait parks.
    let bob = await connect(url, 'modern', 'bob');
    const bobIn = await bob.call('join_room', { room_id: 'restart', display_name: 'Bob' });
    const bobId = bobIn.client_id as string;
    const annIn = await ann.call('join_room', { room_id: 'restart', display_name: 'Ann' });
    const annId = annIn.client_id as string;
    const bobSays = (message: string) =>
      bob.call('send_message', { room_id: 'restart', client_id: bobId, message });

    // Parked, then the server goes away under it.
    const giveUp = new AbortController();
    const parked = ann
      .call(
        'wait_for_message',
        { room_id: 'restart', client_id: annId, timeout: 120 },
        { signal: giveUp.signal },
      )
      .then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      );
    await until(
      async () => {
        const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        return /^mcp_chat_parked_waits 1$/m.test(metrics) ? true : undefined;
      },
      () => 'the wait to park',
    );
    await bob.close();
    server.child.kill(signal);
    expect(await server.exited).toBe(signal === 'SIGTERM' ? 0 : null);
    server = await serve(port, db);

    if (signal === 'SIGTERM') {
      // The graceful stop answered the wait with its timeout result, saying to call again.
      const outcome = await parked;
      expect(outcome).toMatchObject({ result: { timeout: true } });
    } else {
      // A crash answers nothing; the client gives up on that call (as Claude Code does after its limit).
      giveUp.abort();
      await parked;
    }

    // The same session goes on: no 404, no new initialize.
    const again = ann.call('wait_for_message', { room_id: 'restart', client_id: annId, timeout: 60 });
    bob = await connect(url, 'modern', 'bob');
    cleanups.push(() => bob.close());
    await until(
      async () => {
        const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        return /^mcp_chat_parked_waits 1$/m.test(metrics) ? true : undefined;
      },
      () => 'the new wait to park',
    );
    await bobSays('after the restart');
    const answer = await again;
    expect((answer.messages as { message: string }[]).map((m) => m.message)).toEqual(['after the restart']);
    expect(ann.sessionId()).toBe(sessionId);

    // The GET stream reconnects by itself to the new process (the clients wait the server's SSE
    // retry, 5 s, up to twice); what is sent once it is back arrives as push. Until then Bob's
    // messages go only to the log, so he writes again now and then until one is pushed.
    let sent = 0;
    let lastSentAt = 0;
    await until(
      async () => {
        const pushed = ann.notifications.some(
          (n) => n.method === 'message.received' && String(n.params?.message).startsWith('pushed '),
        );
        if (pushed) return true;
        if (Date.now() - lastSentAt > 1000) {
          lastSentAt = Date.now();
          await bobSays(`pushed ${++sent}`);
        }
        return undefined;
      },
      () => `a message.received after the restart (${sent} sent)`,
      30_000,
    );
    await received(ann, 'message.received', (params) => String(params.message).startsWith('pushed '));
  }, 90_000);
});
