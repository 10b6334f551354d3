/**
 * The load generator: its own process, so that it never competes with the server for the
 * event loop. Runs one scenario against one target and prints JSON lines on stdout: progress
 * events, then `{"event":"result",...}`. Reports its own CPU use, to show it was not the
 * bottleneck. Run by bench/run.ts: node --import tsx bench/load.ts '<spec JSON>'
 */
import { setMaxListeners } from 'node:events';
import { createInterface } from 'node:readline';
import { callTool, HttpClient } from './rpc.js';
import { latencySummary, round } from './stats.js';
import { type Channel, type TargetName, target } from './targets.js';

export type LoadSpec =
  | {
      scenario: 'throughput';
      target: TargetName;
      url: string;
      op: 'send' | 'noop';
      concurrency: number;
      ms: number;
    }
  | {
      scenario: 'latency';
      target: TargetName;
      url: string;
      pairs: number;
      ratePerSecond: number;
      ms: number;
      /** Also return every sample, for percentiles over several runs (latency.ts). */
      keepSamples?: boolean;
    }
  | { scenario: 'parked'; target: TargetName; url: string; count: number }
  | { scenario: 'matching'; url: string; concurrency: number; ms: number }
  | { scenario: 'churn'; target: TargetName; url: string; cycles: number }
  | {
      scenario: 'finding';
      url: string;
      rooms: number;
      messagesPerRoom: number;
      concurrency: number;
      ms: number;
    };

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const emit = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `body` and measures this process's CPU over it, in cores (1.0 = one core busy). */
async function measured<T>(
  body: () => Promise<T>,
): Promise<{ value: T; seconds: number; loadCpuCores: number; loadCpuSeconds: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = await body();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const loadCpuSeconds = (used.user + used.system) / 1e6;
  return { value, seconds, loadCpuCores: round(loadCpuSeconds / seconds), loadCpuSeconds };
}

async function openChannels(http: HttpClient, name: TargetName, count: number): Promise<Channel[]> {
  const t = target(name, http);
  const channels: Channel[] = [];
  for (let i = 0; i < count; i += 100) {
    channels.push(
      ...(await Promise.all(Array.from({ length: Math.min(100, count - i) }, () => t.openChannel()))),
    );
  }
  return channels;
}

async function throughput(s: Extract<LoadSpec, { scenario: 'throughput' }>) {
  const http = new HttpClient(s.url, s.concurrency);
  const t = target(s.target, http);
  const channels = s.op === 'send' ? await openChannels(http, s.target, s.concurrency) : [];
  const op = (worker: number) =>
    s.op === 'send'
      ? (channels[worker] as Channel).send('benchmark message')
      : (t.noop as () => Promise<void>)();
  // Warm up the JIT and the connections, then count only the measured window.
  const warmupEnd = Date.now() + Math.min(1000, s.ms / 3);
  await Promise.all(
    Array.from({ length: s.concurrency }, async (_, w) => {
      while (Date.now() < warmupEnd) await op(w);
    }),
  );
  let calls = 0;
  let errors = 0;
  // The bench reads the server's CPU time at these two marks (throughput.ts).
  emit({ event: 'window_start' });
  const end = Date.now() + s.ms;
  const run = await measured(() =>
    Promise.all(
      Array.from({ length: s.concurrency }, async (_, w) => {
        while (Date.now() < end) {
          try {
            await op(w);
            calls++;
          } catch {
            errors++;
          }
        }
      }),
    ),
  );
  emit({ event: 'window_end' });
  http.close();
  return {
    calls_per_second: Math.round(calls / run.seconds),
    calls,
    errors,
    load_cpu_cores: run.loadCpuCores,
    // Exact, for a figure summed over several windows (throughput.ts).
    seconds: run.seconds,
    load_cpu_seconds: run.loadCpuSeconds,
  };
}

async function latency(s: Extract<LoadSpec, { scenario: 'latency' }>) {
  const http = new HttpClient(s.url, s.pairs * 2 + 4);
  const channels = await openChannels(http, s.target, s.pairs);
  const gapMs = (1000 * s.pairs) / s.ratePerSecond;
  const samples: number[] = [];
  let errors = 0;
  const end = Date.now() + s.ms;
  const run = await measured(() =>
    Promise.all(
      channels.map(async (channel) => {
        await sleep(Math.random() * gapMs);
        while (Date.now() < end) {
          try {
            const arrived = channel.wait(30);
            // Long enough for the wait to be parked; jittered so pairs do not move in lockstep.
            await sleep(gapMs * (0.5 + Math.random()));
            const sentAt = performance.now();
            const sent = channel.send('ping');
            const count = await arrived;
            const at = performance.now();
            await sent;
            if (count > 0) samples.push(at - sentAt);
          } catch {
            errors++;
          }
        }
      }),
    ),
  );
  http.close();
  return {
    ...latencySummary(samples),
    messages_per_second: Math.round(samples.length / run.seconds),
    errors,
    load_cpu_cores: run.loadCpuCores,
    ...(s.keepSamples && {
      seconds: run.seconds,
      load_cpu_seconds: run.loadCpuSeconds,
      samples_ms: samples.map((sample) => round(sample, 3)),
    }),
  };
}

/** Parks `count` waits, says so, holds them until told to release on stdin, then cancels them. */
async function parked(s: Extract<LoadSpec, { scenario: 'parked' }>) {
  const http = new HttpClient(s.url, s.count + 16);
  const channels = await openChannels(http, s.target, Math.ceil(s.count / 2));
  emit({ event: 'setup_done' });
  await untilStdin('park');
  const abort = new AbortController();
  setMaxListeners(0, abort.signal); // one listener per parked wait, by design
  const waits: Promise<unknown>[] = [];
  for (let i = 0; i < s.count; i++) {
    const channel = channels[Math.floor(i / 2)] as Channel;
    waits.push(channel.wait(300, abort.signal, i % 2 === 0 ? 'receiver' : 'sender').catch(() => 0));
    if (i % 250 === 249) await sleep(20); // stay inside the server's accept backlog
  }
  await sleep(2000);
  emit({ event: 'parked', count: s.count });
  await untilStdin('release');
  abort.abort();
  await Promise.all(waits);
  http.close();
  return { parked: s.count };
}

async function matching(s: Extract<LoadSpec, { scenario: 'matching' }>) {
  const http = new HttpClient(s.url, s.concurrency);
  const t = target('mcp-chat', http);
  const enter = t.enterQueue as () => Promise<boolean>;
  let matches = 0;
  let calls = 0;
  const end = Date.now() + s.ms;
  const run = await measured(() =>
    Promise.all(
      Array.from({ length: s.concurrency }, async () => {
        while (Date.now() < end) {
          if (await enter()) matches++;
          calls++;
        }
      }),
    ),
  );
  http.close();
  return {
    pairs: matches,
    calls,
    seconds: run.seconds,
    pairs_per_second: Math.round(matches / run.seconds),
    enter_queue_per_second: Math.round(calls / run.seconds),
    load_cpu_cores: run.loadCpuCores,
  };
}

async function churn(s: Extract<LoadSpec, { scenario: 'churn' }>) {
  const http = new HttpClient(s.url, 1);
  const headers = { accept: 'application/json, text/event-stream' };
  const initialize = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'churn', version: '1' } },
  });
  const run = await measured(async () => {
    for (let i = 0; i < s.cycles; i++) {
      const sessionId = await http.session(initialize, headers);
      await http.request('DELETE', { 'mcp-session-id': sessionId });
    }
  });
  http.close();
  return {
    cycles: s.cycles,
    seconds: run.seconds,
    cycles_per_second: Math.round(s.cycles / run.seconds),
    load_cpu_cores: run.loadCpuCores,
  };
}

/**
 * list_rooms and search_messages beside each other on one room set: `rooms` public rooms with a
 * topic each, `messagesPerRoom` messages in each, one participant in all of them (so search
 * looks through every room). Each call kind runs alone for `ms` at `concurrency`.
 */
async function finding(s: Extract<LoadSpec, { scenario: 'finding' }>) {
  const http = new HttpClient(s.url, s.concurrency);
  const words = ['river', 'lamp', 'orange', 'quiet', 'market', 'signal', 'garden', 'thunder'];
  const first = await callTool(http, 'join_room', { room_id: 'bench-find-0', display_name: 'Finder' });
  const clientId = first.client_id as string;
  const setup = await measured(async () => {
    for (let i = 0; i < s.rooms; i += s.concurrency) {
      await Promise.all(
        Array.from({ length: Math.min(s.concurrency, s.rooms - i) }, async (_, j) => {
          const room = `bench-find-${i + j}`;
          const topic = `${words[(i + j) % words.length]} talk ${i + j}`;
          await callTool(http, 'join_room', {
            room_id: room,
            display_name: 'Finder',
            client_id: clientId,
            topic,
          });
          for (let m = 0; m < s.messagesPerRoom; m++) {
            const message = `message ${m} about the ${words[(i + j + m) % words.length]} near marker${i + j}`;
            await callTool(http, 'send_message', { room_id: room, client_id: clientId, message });
          }
        }),
      );
    }
  });
  const ops = {
    list_rooms: () => callTool(http, 'list_rooms', { client_id: clientId, limit: 20 }),
    list_rooms_query: () =>
      callTool(http, 'list_rooms', { client_id: clientId, query: 'thunder talk 1', limit: 20 }),
    search_common_word: () =>
      callTool(http, 'search_messages', { client_id: clientId, query: 'garden', limit: 20 }),
    search_rare_phrase: () =>
      callTool(http, 'search_messages', {
        client_id: clientId,
        query: `"near marker${s.rooms - 7}"`,
        limit: 20,
      }),
  };
  const figures: Record<string, unknown> = {
    rooms: s.rooms,
    messages: s.rooms * s.messagesPerRoom,
    setup_s: round(setup.seconds),
  };
  for (const [name, op] of Object.entries(ops)) {
    let calls = 0;
    let errors = 0;
    const end = Date.now() + s.ms;
    const run = await measured(() =>
      Promise.all(
        Array.from({ length: s.concurrency }, async () => {
          while (Date.now() < end) {
            try {
              await op();
              calls++;
            } catch {
              errors++;
            }
          }
        }),
      ),
    );
    figures[`${name}_per_s`] = Math.round(calls / run.seconds);
    if (errors > 0) figures[`${name}_errors`] = errors;
  }
  http.close();
  return figures;
}

const lines = createInterface({ input: process.stdin });
const commands: string[] = [];
let onCommand: (() => void) | undefined;
lines.on('line', (line) => {
  commands.push(line.trim());
  onCommand?.();
});
async function untilStdin(command: string): Promise<void> {
  while (!commands.includes(command)) await new Promise<void>((resolve) => (onCommand = resolve));
}

const scenarios = { throughput, latency, parked, matching, churn, finding } as const;
const result = await (scenarios[spec.scenario] as (s: LoadSpec) => Promise<Record<string, unknown>>)(spec);
emit({ event: 'result', ...result });
lines.close();
