/**
 * Soak: thousands of parked waits and a steady message load on one server process (SQLite file),
 * its RSS and heap sampled throughout. The figure is the growth per hour after a warm-up, from a
 * least-squares line through the samples; every call must succeed.
 */
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTarget } from '../bench/processes.js';
import { callTool, HttpClient } from '../bench/rpc.js';

export interface SoakSettings {
  minutes: number;
  parked: number;
  messagesPerSecond: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MB = 1024 * 1024;

interface Pair {
  roomId: string;
  members: [string, string];
}

/** Slope of the least-squares line through (hours, megabytes). */
function growthPerHour(samples: { at: number; bytes: number }[]): number {
  if (samples.length < 2) return 0;
  const xs = samples.map((s) => s.at / 3_600_000);
  const ys = samples.map((s) => s.bytes / MB);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    num += (x - mx) * ((ys[i] as number) - my);
    den += (x - mx) ** 2;
  });
  return den === 0 ? 0 : num / den;
}

export async function soakPhase(settings: SoakSettings) {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-chat-soak-'));
  const server = await startTarget('mcp-chat', { db: join(dir, 'chat.db') });
  const http = new HttpClient(server.url, settings.parked + 64);
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // one listener per parked wait, by design
  let errors = 0;
  const errorSamples: string[] = [];
  const began = Date.now();
  const fail = (error: unknown) => {
    if (stop.signal.aborted) return;
    errors++;
    const at = Math.round((Date.now() - began) / 1000);
    if (errorSamples.length < 5) errorSamples.push(`at ${at} s: ${(error as Error).message.slice(0, 300)}`);
  };
  try {
    const pairs: Pair[] = [];
    for (let i = 0; i < settings.parked / 2; i += 100) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(100, settings.parked / 2 - i) }, async (_, j) => {
          const roomId = `soak-${i + j}`;
          const a = await callTool(http, 'join_room', { room_id: roomId, display_name: 'A' });
          const b = await callTool(http, 'join_room', { room_id: roomId, display_name: 'B' });
          return { roomId, members: [String(a.client_id), String(b.client_id)] as [string, string] };
        }),
      );
      pairs.push(...batch);
    }
    let received = 0;
    const waiters: Promise<void>[] = [];
    const park = async (roomId: string, clientId: string) => {
      while (!stop.signal.aborted) {
        try {
          const result = await callTool(
            http,
            'wait_for_message',
            { room_id: roomId, client_id: clientId, timeout: 300 },
            stop.signal,
          );
          if (Array.isArray(result.messages)) received += result.messages.length;
        } catch (error) {
          fail(new Error(`wait: ${(error as Error).message}`));
          await sleep(1000);
        }
      }
    };
    // Parked in batches, each once the server holds the one before: a burst of thousands of new
    // connections overflows the accept backlog of a busy server, and the kernel resets them.
    for (const [index, pair] of pairs.entries()) {
      for (const member of pair.members) waiters.push(park(pair.roomId, member));
      if (index % 100 === 99 || index === pairs.length - 1) {
        const until = Date.now() + 10_000;
        while (((await server.parkedWaits?.()) ?? 0) < waiters.length - 20 && Date.now() < until)
          await sleep(100);
      }
    }
    const samples: { at: number; rssBytes: number; heapBytes: number; parked: number }[] = [];
    const started = Date.now();
    const end = started + settings.minutes * 60_000;
    let sent = 0;
    const sender = (async () => {
      const gap = 1000 / settings.messagesPerSecond;
      while (Date.now() < end) {
        const pair = pairs[Math.floor(Math.random() * pairs.length)] as Pair;
        const from = pair.members[Math.floor(Math.random() * 2)] as string;
        callTool(http, 'send_message', {
          room_id: pair.roomId,
          client_id: from,
          message: `soak ${sent}`,
        }).then(() => sent++, fail);
        await sleep(gap);
      }
    })();
    while (Date.now() < end) {
      await sleep(Math.min(5000, end - Date.now()));
      const memory = await server.memory();
      const parked = (await server.parkedWaits?.()) ?? 0;
      samples.push({ at: Date.now() - started, ...memory, parked });
    }
    await sender;
    // Warm-up: the first third, or at least 20 s, while the heap and caches settle.
    const warm = samples.filter((s) => s.at >= Math.max(20_000, (settings.minutes * 60_000) / 3));
    const last = samples.at(-1);
    stop.abort();
    await Promise.all(waiters);
    if (errorSamples.length > 0) console.error('soak: errors', errorSamples);
    return {
      minutes: settings.minutes,
      parked: settings.parked,
      parked_min: Math.min(...warm.map((s) => s.parked)),
      messages_sent: sent,
      messages_received: received,
      rss_mb: Math.round((last?.rssBytes ?? 0) / MB),
      rss_growth_mb_per_hour: round1(growthPerHour(warm.map((s) => ({ at: s.at, bytes: s.rssBytes })))),
      heap_growth_mb_per_hour: round1(growthPerHour(warm.map((s) => ({ at: s.at, bytes: s.heapBytes })))),
      errors,
    };
  } finally {
    stop.abort();
    http.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const round1 = (n: number) => Math.round(n * 10) / 10;
