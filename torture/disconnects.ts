/**
 * Disconnect storms: by the thousand, receivers drop their waits (plain, streaming with a
 * progress token, and in 2025 sessions whose GET streams drop too) while senders drop their sends
 * mid-request and retry them with the same idempotency key. Afterwards every receiver collects
 * what is left. Every acknowledged message must be in the log (lost) and reach the receiver at most
 * once (duplicated). A receiver whose drop discarded an answer that had started to arrive asks
 * again with `after`; one whose drop came before any byte of the answer waits without it, and what
 * it then never gets is counted as moved past by an undelivered answer: the server must have put
 * it back, from the drop's hang-up or its reset (the README's Delivery paragraph). Memory is
 * compared with the baseline.
 */
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTarget } from '../bench/processes.js';
import { type Era, type Outcome, WireClient } from './wire.js';
import { within } from './workload.js';

export interface DisconnectSettings {
  /** Pairs of one receiver and one sender; both drop connections. */
  pairs: number;
  rounds: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MB = 1024 * 1024;

interface Pair {
  roomId: string;
  receiver: WireClient;
  receiverId: string;
  streaming: boolean;
  sender: WireClient;
  senderId: string;
  acked: number[];
  delivered: number[];
  /**
   * The last drop discarded an answer that had started to arrive: the server cannot know it was
   * not read, so the next wait asks with `after`, as the README tells such a client to.
   */
  discarded: boolean;
  /** What happened to this pair, in order: printed for the pairs whose figures show a violation. */
  trace: string[];
  troubled?: boolean;
}

export async function disconnectPhase(settings: DisconnectSettings) {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-chat-storm-'));
  const server = await startTarget('mcp-chat', { db: join(dir, 'chat.db') });
  const pairs: Pair[] = [];
  let errors = 0;
  const samples: string[] = [];
  const unexpected = (what: string, outcome: Outcome | Error) => {
    errors++;
    if (samples.length < 5) samples.push(`${what}: ${JSON.stringify(outcome).slice(0, 300)}`);
  };
  /** A call that must get its answer; the storm only drops the calls it means to drop. */
  const must = async (client: WireClient, name: string, args: Record<string, unknown>) => {
    const outcome = await client.call(name, args);
    if (outcome.kind !== 'ok') unexpected(name, outcome);
    return outcome.kind === 'ok' ? outcome.value : {};
  };
  try {
    for (let i = 0; i < settings.pairs; i += 100) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(100, settings.pairs - i) }, async (_, j): Promise<Pair> => {
          const index = i + j;
          const era: Era = index % 3 === 2 ? 'legacy' : 'modern';
          const receiver = new WireClient([server.url], era, 4);
          const sender = new WireClient([server.url], 'modern', 2);
          const roomId = `storm-${index}`;
          const r = await must(receiver, 'join_room', { room_id: roomId, display_name: 'Receiver' });
          const s = await must(sender, 'join_room', { room_id: roomId, display_name: 'Sender' });
          return {
            roomId,
            receiver,
            receiverId: String(r.client_id),
            streaming: index % 3 === 1,
            sender,
            senderId: String(s.client_id),
            acked: [],
            delivered: [],
            discarded: false,
            trace: [],
          };
        }),
      );
      pairs.push(...batch);
    }
    const t0 = performance.now();
    const note = (pair: Pair, what: string) =>
      pair.trace.push(`${Math.round(performance.now() - t0)}ms ${what}`);
    const deliver = (pair: Pair, outcome: Outcome) => {
      if (outcome.kind !== 'ok') return;
      note(
        pair,
        `got ${JSON.stringify((outcome.value.messages as { seq: number }[] | undefined)?.map((m) => m.seq) ?? outcome.value.timeout)}`,
      );
      pair.discarded = false;
      if (Array.isArray(outcome.value.messages))
        for (const message of outcome.value.messages as { seq: number }[]) pair.delivered.push(message.seq);
    };
    const waitArgs = (pair: Pair, timeout: number) => {
      const args: Record<string, unknown> = { room_id: pair.roomId, client_id: pair.receiverId, timeout };
      if (pair.discarded) args.after = pair.delivered.at(-1) ?? 0;
      return args;
    };
    const drops = { before_answer: 0, during_answer: 0 };
    /** Waits until one finds nothing new (it times out after a second). */
    const collect = async (pair: Pair) => {
      for (;;) {
        const args = waitArgs(pair, 1);
        note(pair, `collect ${JSON.stringify(args.after)}`);
        const outcome = await pair.receiver.call('wait_for_message', args);
        if (outcome.kind !== 'ok') {
          note(pair, `collect ${JSON.stringify(outcome).slice(0, 200)}`);
          pair.troubled = true;
          return unexpected('wait_for_message', outcome);
        }
        if (outcome.value.timeout) return;
        deliver(pair, outcome);
      }
    };
    const baseline = await settledMemory(server);
    for (let round = 0; round < settings.rounds; round++) {
      await Promise.all(
        pairs.map(async (pair, index) => {
          const drop = new AbortController();
          setMaxListeners(0, drop.signal);
          const stream =
            pair.receiver.era === 'legacy'
              ? pair.receiver.openStream(drop.signal).catch(() => undefined)
              : undefined;
          // Catch up first, so that the wait below parks and the drop races the message's arrival.
          await collect(pair);
          let responded = false;
          const options = {
            signal: drop.signal,
            progressToken: pair.streaming ? `p${index}` : undefined,
            onResponse: () => {
              responded = true;
            },
          };
          const args = waitArgs(pair, 30);
          note(pair, `wait r${round} after=${args.after}`);
          const wait = pair.receiver.call('wait_for_message', args, options).then((outcome) => {
            note(pair, `wait r${round} ${outcome.kind} responded=${responded}`);
            if (outcome.kind !== 'transport') return deliver(pair, outcome);
            if (!drop.signal.aborted) {
              note(pair, `wait r${round} ${JSON.stringify(outcome).slice(0, 200)}`);
              pair.troubled = true;
              return unexpected('wait_for_message', outcome);
            }
            if (responded) drops.during_answer++;
            else drops.before_answer++;
            pair.discarded ||= responded;
          });
          setTimeout(() => {
            note(pair, `drop r${round}`);
            drop.abort();
          }, Math.random() * 150);
          await sleep(Math.random() * 150);
          await send(pair, `r${round}`, unexpected, note);
          await Promise.all([wait, stream]);
        }),
      );
      // A dropped client comes back after a moment, by which time the server has put back what
      // it found undelivered; one back at once could move its cursor past what is put back.
      await sleep(500);
    }
    await Promise.all(pairs.map(collect));
    let lost = 0;
    let duplicated = 0;
    let missed = 0;
    let traced = 0;
    for (const pair of pairs) {
      const delivered = new Set(pair.delivered);
      duplicated += pair.delivered.length - delivered.size;
      const notDelivered = pair.acked.filter((seq) => !delivered.has(seq));
      missed += notDelivered.length;
      if (notDelivered.length === 0) continue;
      if (traced++ < 5)
        console.error(
          `disconnects: ${pair.roomId} (${pair.receiver.era}${pair.streaming ? ', streaming' : ''}) never got ${notDelivered.join(', ')} of ${pair.acked.join(', ')}:\n  ${pair.trace.join('\n  ')}`,
        );
      // Not handed over by a wait: it must still be in the log, where `after` or history finds it.
      const history = await pair.receiver.call('get_messages', {
        room_id: pair.roomId,
        client_id: pair.receiverId,
        limit: 100,
      });
      if (history.kind !== 'ok') {
        unexpected('get_messages', history);
        continue;
      }
      const inLog = new Set((history.value.messages as { seq: number }[]).map((message) => message.seq));
      lost += notDelivered.filter((seq) => !inLog.has(seq)).length;
    }
    for (const pair of pairs.filter((each) => each.troubled).slice(0, 3))
      console.error(`disconnects: ${pair.roomId} (${pair.receiver.era}):\n  ${pair.trace.join('\n  ')}`);
    await Promise.all(pairs.flatMap((pair) => [pair.receiver.close(), pair.sender.close()]));
    const parkedAfter = await within(untilNoParked(server), 15_000, 'parked waits to drain');
    const after = await settledMemory(server);
    if (samples.length > 0) console.error('disconnects: unexpected', samples);
    return {
      clients: pairs.length * 2,
      drops: pairs.length * settings.rounds * 2,
      waits_dropped_before_answer: drops.before_answer,
      waits_dropped_during_answer: drops.during_answer,
      acknowledged: pairs.reduce((n, pair) => n + pair.acked.length, 0),
      lost,
      duplicated,
      cursor_moved_by_undelivered: missed,
      errors,
      parked_after: parkedAfter,
      rss_growth_mb: Math.round((after.rssBytes - baseline.rssBytes) / MB),
      heap_growth_mb: Math.round((after.heapBytes - baseline.heapBytes) / MB),
    };
  } finally {
    await Promise.all(pairs.flatMap((pair) => [pair.receiver.close(), pair.sender.close()]));
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One message: the first attempt may be dropped mid-request; retries use the same key until stored. */
async function send(
  pair: Pair,
  key: string,
  unexpected: (what: string, outcome: Outcome) => void,
  note: (pair: Pair, what: string) => void,
): Promise<void> {
  const args = { room_id: pair.roomId, client_id: pair.senderId, message: key, idempotency_key: key };
  const drop = new AbortController();
  if (Math.random() < 0.5) setTimeout(() => drop.abort(), Math.random() * 20);
  let outcome = await pair.sender.call('send_message', args, { signal: drop.signal });
  while (outcome.kind === 'transport') outcome = await pair.sender.call('send_message', args);
  if (outcome.kind === 'ok') {
    pair.acked.push(Number(outcome.value.seq));
    note(pair, `sent ${key} = seq ${outcome.value.seq}`);
  } else unexpected('send_message', outcome);
}

async function untilNoParked(server: Awaited<ReturnType<typeof startTarget>>): Promise<number> {
  for (;;) {
    const parked = (await server.parkedWaits?.()) ?? 0;
    if (parked === 0) return 0;
    await sleep(200);
  }
}

/** The lowest of a few samples: without a forced collection, one sample says more about GC timing. */
async function settledMemory(server: Awaited<ReturnType<typeof startTarget>>) {
  let best = { rssBytes: Number.POSITIVE_INFINITY, heapBytes: Number.POSITIVE_INFINITY };
  for (let i = 0; i < 6; i++) {
    const memory = await server.memory();
    best = {
      rssBytes: Math.min(best.rssBytes, memory.rssBytes),
      heapBytes: Math.min(best.heapBytes, memory.heapBytes),
    };
    await sleep(500);
  }
  return best;
}
