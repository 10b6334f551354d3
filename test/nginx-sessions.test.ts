import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { type ChatClient, connect, type Era } from './support/clients.js';
import { received } from './support/notifications.js';
import { until } from './support/poll.js';
import { freePort, parkedWaits, type ServerProcess, spawnServer, stopServer } from './support/process.js';
import { deleteKeys, randomPrefix, redisSkipReason, TEST_REDIS_URL } from './support/redis.js';

// Two instances on one Redis behind Debian's nginx, round robin, no affinity of any kind: every
// request of a 2025-era session may land on either instance, and everything still works.

const NGINX = '/usr/sbin/nginx';

function nginxSkipReason(): string | undefined {
  if (existsSync(NGINX)) return undefined;
  const reason = `no ${NGINX} (apt-get install nginx-light)`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${reason}`);
  console.warn(`Skipping the nginx tests: ${reason}.`);
  return reason;
}

const skip = nginxSkipReason() ?? (await redisSkipReason());

/** nginx in the foreground on a loopback port, with its own config, pid, logs and temp paths under `dir`. */
async function startNginx(
  dir: string,
  upstreams: number[],
): Promise<{ url: URL; child: ChildProcess; log: string }> {
  const port = await freePort();
  const log = join(dir, 'access.log');
  for (const temp of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, temp));
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  log_format upstream '$request_method $status $upstream_addr $http_mcp_session_id';
  access_log ${log} upstream;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream mcp_chat {
${upstreams.map((p) => `    server 127.0.0.1:${p};`).join('\n')}
    # Kept-alive upstream connections, as docs/redis.md says: a connection closed right after an
    # answer makes MCP Chat hand the same messages again (in doubt, put back rather than lost).
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://mcp_chat;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_buffering off;
      proxy_read_timeout 1h;
    }
  }
}
`,
  );
  const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], {
    stdio: 'ignore',
  });
  await until(
    async () => {
      if (child.exitCode !== null)
        throw new Error(`nginx exited: ${readFileSync(join(dir, 'error.log'), 'utf8')}`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (response) => response.ok,
        () => false,
      );
      return ok ? true : undefined;
    },
    () => 'nginx to answer',
  );
  return { url: new URL(`http://127.0.0.1:${port}/mcp`), child, log };
}

describe.skipIf(skip !== undefined)(`behind nginx round robin${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const keyPrefix = randomPrefix();
  const dir = mkdtempSync(join(tmpdir(), 'mcp-chat-nginx-'));
  let a: ServerProcess;
  let b: ServerProcess;
  let nginx: Awaited<ReturnType<typeof startNginx>>;
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    const flags = ['--redis-url', TEST_REDIS_URL, '--redis-prefix', keyPrefix, '--rate-limit', '0'];
    // Two Node processes starting from source on a shared machine: give them time.
    [a, b] = await Promise.all([
      spawnServer(flags, {}, { deadlineMs: 90_000 }),
      spawnServer(flags, {}, { deadlineMs: 90_000 }),
    ]);
    nginx = await startNginx(dir, [new URL(a.url).port, new URL(b.url).port].map(Number));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close().catch(() => {})));
    nginx?.child.kill('SIGTERM');
    await Promise.all([a, b].flatMap((server) => (server ? [stopServer(server)] : [])));
    await deleteKeys(keyPrefix);
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  async function client(era: Era, name: string): Promise<ChatClient> {
    const connected = await connect(nginx.url, era, name);
    clients.push(connected);
    return connected;
  }

  /** The access log: one line per request, `METHOD STATUS UPSTREAM SESSION`. */
  function requests(): { method: string; status: string; upstream: string; session: string }[] {
    return readFileSync(nginx.log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [method = '', status = '', upstream = '', session = ''] = line.split(' ');
        return { method, status, upstream, session };
      });
  }

  const parkedOn = async () => ({ a: await parkedWaits(a), b: await parkedWaits(b) });

  it.each<Era>(['legacy', 'sdk1'])(
    'serves a 2025-era (%s) session on both instances: calls, GET stream push and cancellation',
    async (era) => {
      const room = `nginx-${era}`;
      const bob = await client('modern', 'bob');
      const bobIn = await bob.call('join_room', { room_id: room, display_name: 'Bob' });
      const ann = await client(era, 'ann');
      const annIn = await ann.call('join_room', { room_id: room, display_name: 'Ann' });
      const annId = annIn.client_id as string;
      for (let n = 0; n < 4; n++) await ann.call('get_status', { client_id: annId });

      // Push reaches the GET stream wherever it is open and wherever the message was sent.
      for (let n = 1; n <= 3; n++) {
        const text = `push ${n}`;
        await bob.call('send_message', { room_id: room, client_id: bobIn.client_id, message: text });
        await received(ann, 'message.received', (params) => params.message === text, 10_000);
      }
      const mine = requests().filter((r) => r.session === ann.sessionId());
      expect(new Set(mine.filter((r) => r.method === 'POST').map((r) => r.upstream)).size).toBe(2);

      // What was pushed is still unread: take it, so that the next waits park.
      await ann.call('wait_for_message', { room_id: room, client_id: annId, timeout: 1 });
      // A wait parked on one instance is cancelled by a notifications/cancelled that reached the
      // other one. Round robin decides where each lands, so try until the two differ.
      let crossed = false;
      for (let attempt = 0; attempt < 6 && !crossed; attempt++) {
        const giveUp = new AbortController();
        let outcome = '';
        const parked = ann
          .call(
            'wait_for_message',
            { room_id: room, client_id: annId, timeout: 120 },
            { signal: giveUp.signal },
          )
          .then(
            (result) => {
              outcome = JSON.stringify(result);
            },
            (error: unknown) => {
              outcome = String(error);
            },
          );
        let last = { a: 0, b: 0 };
        const where = await until(
          async () => {
            last = await parkedOn();
            return last.a + last.b === 1 ? last : undefined;
          },
          () => `the wait to park (attempt ${attempt}, parked ${JSON.stringify(last)}, ${outcome})`,
        );
        const parkedPort = new URL(where.a === 1 ? a.url : b.url).port;
        const before = requests().length;
        giveUp.abort();
        await parked;
        await until(
          async () => {
            const counts = await parkedOn();
            return counts.a + counts.b === 0 ? true : undefined;
          },
          () => 'the cancelled wait to end',
        );
        const cancel = requests()
          .slice(before)
          .find((r) => r.session === ann.sessionId() && r.method === 'POST' && r.status === '202');
        crossed = cancel !== undefined && !cancel.upstream.endsWith(`:${parkedPort}`);
      }
      expect(crossed).toBe(true);

      // The session still works after all that.
      expect(await ann.call('get_status', { client_id: annId })).toMatchObject({ state: 'in_room' });
    },
    90_000,
  );

  it('ends a session on every instance with DELETE', async () => {
    const ann = await client('sdk1', 'ann-delete');
    const sessionId = ann.sessionId() as string;
    const annIn = await ann.call('enter_queue', { display_name: 'Ann' });
    // Every instance has served it (and holds a copy of it) before it ends.
    for (let n = 0; n < 4; n++) await ann.call('get_status', { client_id: annIn.client_id });
    const ended = await fetch(nginx.url, {
      method: 'DELETE',
      headers: { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
    });
    expect(ended.status).toBe(200);
    await ann.close();
    for (let n = 0; n < 4; n++) {
      const response = await fetch(nginx.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-session-id': sessionId,
          'mcp-protocol-version': '2025-11-25',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: n, method: 'tools/list' }),
      });
      await response.text();
      expect(response.status).toBe(404);
    }
  });

  it('carries the terminal client (mcp-chat chat) through both instances', async () => {
    const chat = runCli(['chat', '--url', nginx.url.href, '--room', 'nginx-terminal', '--name', 'Cat']);
    try {
      // The first line comes once the CLI started from source: slow on a busy machine.
      await until(
        () => (chat.stdout().some((line) => line.includes('waiting for someone to join')) ? true : undefined),
        () => `the terminal client to start (stderr: ${chat.stderr().join('\n')})`,
        60_000,
      );
      await chat.line(/^-- in room nginx-terminal, waiting for someone to join$/);
      const dan = await client('sdk1', 'dan');
      const danIn = await dan.call('join_room', { room_id: 'nginx-terminal', display_name: 'Dan' });
      await chat.line(/^-- in room nginx-terminal with Dan$/);
      for (const text of ['one', 'two', 'three']) {
        await dan.call('send_message', {
          room_id: 'nginx-terminal',
          client_id: danIn.client_id,
          message: text,
        });
        await chat.line(new RegExp(`^\\[[\\d:]+\\] #\\d+ Dan: ${text}$`));
      }
      chat.child.stdin.write('hello from the terminal\n');
      const heard = await dan.call('wait_for_message', {
        room_id: 'nginx-terminal',
        client_id: danIn.client_id,
        timeout: 30,
      });
      expect(heard).toMatchObject({ message: 'hello from the terminal', sender: 'Cat' });
      chat.child.stdin.end();
      expect(await chat.exited).toBe(0);
    } finally {
      chat.child.kill('SIGKILL');
    }
  }, 120_000);
});
