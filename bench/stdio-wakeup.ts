/**
 * Cross-process wake-up of `mcp-chat stdio`: two stdio processes on one SQLite file, started by
 * the official SDK's stdio client the way MCP hosts start them. A wait parked in one process is
 * woken by a send in the other (through the file: commit, `PRAGMA data_version`, the events
 * table); the baseline in the same run has both members on one process (the in-process bus).
 *
 * Each sample: the waiter parks, the sender sends after a short random pause (so sends land at
 * every phase of the watcher's poll), and the figure is from the start of the send call to the
 * wait's answer at the waiter's client: the send's own round trip is in both figures alike.
 *
 *   node --import tsx bench/stdio-wakeup.ts [samples]   prints the JSON on its own
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { latencySummary, ratio } from './stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** How long the waiter is given to park before the send (its wait is then in the bus). */
const PARK_MS = 25;

async function startStdio(db: string): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', 'src/cli/main.ts', 'stdio'],
    cwd: ROOT,
    env: {
      ...getDefaultEnvironment(),
      MCP_CHAT_DB: db,
      MCP_CHAT_LOG_LEVEL: 'warn',
      MCP_CHAT_RATE_LIMIT: '0',
    },
    stderr: 'inherit',
  });
  const client = new Client({ name: 'bench-stdio', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown>) {
  const result = await client.callTool({ name, arguments: args }, { timeout: 60_000 });
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.structuredContent)}`);
  return result.structuredContent as Record<string, unknown>;
}

/** `samples` wake-ups of a waiter on `waiterClient` by sends from `senderClient`, in one room. */
async function wakeups(waiterClient: Client, senderClient: Client, roomId: string, samples: number) {
  const waiter = await call(waiterClient, 'join_room', { room_id: roomId, display_name: 'Waiter' });
  const sender = await call(senderClient, 'join_room', { room_id: roomId, display_name: 'Sender' });
  // The join notice is the waiter's first unread message: take it before measuring.
  await call(waiterClient, 'wait_for_message', { room_id: roomId, client_id: waiter.client_id, timeout: 5 });
  const times: number[] = [];
  let missed = 0;
  for (let i = 0; i < samples; i++) {
    const wait = call(waiterClient, 'wait_for_message', {
      room_id: roomId,
      client_id: waiter.client_id,
      timeout: 10,
    });
    await new Promise((resolve) => setTimeout(resolve, PARK_MS + Math.random() * 10));
    const sentAt = performance.now();
    await call(senderClient, 'send_message', {
      room_id: roomId,
      client_id: sender.client_id,
      message: `m${i}`,
    });
    const answer = await wait;
    if (answer.timeout === true) missed++;
    else times.push(performance.now() - sentAt);
  }
  return { ...latencySummary(times), samples, missed };
}

export async function measureStdioWakeup(samples: number): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-chat-bench-stdio-'));
  const db = join(dir, 'chat.db');
  const clients: Client[] = [];
  try {
    const [first, second] = await Promise.all([startStdio(db), startStdio(db)]);
    clients.push(first, second);
    const inProcess = await wakeups(first, first, 'in-process', samples);
    const crossProcess = await wakeups(first, second, 'cross-process', samples);
    return {
      samples,
      cross_process: crossProcess,
      in_process: inProcess,
      p99_ratio_to_in_process: ratio(crossProcess.p99_ms, inProcess.p99_ms),
      target_p99_ms: {
        value: crossProcess.p99_ms,
        at_most: 100,
        met: crossProcess.p99_ms <= 100 && crossProcess.missed === 0,
      },
    };
  } finally {
    await Promise.allSettled(clients.map((client) => client.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const samples = Number(process.argv[2] ?? 200);
  console.log(JSON.stringify(await measureStdioWakeup(samples), null, 2));
}
