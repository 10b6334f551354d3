/**
 * Writers and readers in rooms, across both eras, that keep going through faults: writers retry
 * each message with its idempotency key until it is acknowledged, readers wait and, after a
 * failed wait, ask again with `after` = the last seq they saw. `finish` stops them and audits the
 * rooms' logs against what was acknowledged and what every reader saw.
 */
import { randomUUID } from 'node:crypto';
import { type Era, type Outcome, WireClient } from './wire.js';

export interface WorkloadOptions {
  /** Instances every client may use; each client starts at a different one. */
  urls: string[];
  rooms: number;
  writersPerRoom: number;
  readersPerRoom: number;
  /** Pause between one writer's messages. */
  sendGapMs: number;
}

export interface Audit {
  acknowledged: number;
  lost: number;
  duplicated: number;
  reordered: number;
  /** A reader got a seq that was not the next one after the last it saw. */
  reader_gaps: number;
  /** A reader got a message whose text differs from the log's at that seq. */
  reader_mismatches: number;
  /** Tool answers `unavailable` (retried). */
  unavailable: number;
  /** Calls that got no tool answer (connection refused or reset, 5xx), retried. */
  transport_failures: number;
  /** Refusals other than `unavailable`: never expected here. */
  unexpected_errors: number;
}

interface Member {
  client: WireClient;
  clientId: string;
  name: string;
  /** This member created the room: it sees every message from seq 1 on. */
  created: boolean;
}

interface Ack {
  text: string;
  seq: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The promise's value, or an error naming what did not happen within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`gave up waiting for ${what} after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export class Workload {
  private stopping = false;
  private writersDone = false;
  private readonly writerLoops: Promise<void>[] = [];
  private readonly readerLoops: Promise<void>[] = [];
  private readonly acks = new Map<string, Ack[]>();
  private readonly seen = new Map<string, Map<number, string>[]>();
  private readonly counts = { unavailable: 0, transport: 0, unexpected: 0, gaps: 0 };
  private readonly roomIds: string[] = [];
  private readonly auditors = new Map<string, Member>();
  private readonly unexpected: string[] = [];
  private readonly clients: WireClient[] = [];
  /** The last time any writer had a message acknowledged (for recovery times). */
  lastAckAt = 0;

  constructor(private readonly options: WorkloadOptions) {}

  /** Joins everyone (retrying through faults) and starts the loops. */
  async start(): Promise<void> {
    const tag = randomUUID().slice(0, 8);
    let clientIndex = 0;
    const newClient = (): WireClient => {
      const era: Era = clientIndex % 2 === 0 ? 'modern' : 'legacy';
      const shift = clientIndex % this.options.urls.length;
      const urls = [...this.options.urls.slice(shift), ...this.options.urls.slice(0, shift)];
      clientIndex++;
      const client = new WireClient(urls, era, 2);
      this.clients.push(client);
      return client;
    };
    const capacity = this.options.writersPerRoom + this.options.readersPerRoom;
    await Promise.all(
      Array.from({ length: this.options.rooms }, async (_, r) => {
        const roomId = `torture-${tag}-${r}`;
        this.roomIds.push(roomId);
        this.acks.set(roomId, []);
        const readers: Member[] = [];
        for (let i = 0; i < this.options.readersPerRoom; i++)
          readers.push(await this.join(newClient(), roomId, `R${r}.${i}`, capacity));
        const writers: Member[] = [];
        for (let i = 0; i < this.options.writersPerRoom; i++)
          writers.push(await this.join(newClient(), roomId, `W${r}.${i}`, capacity));
        this.auditors.set(roomId, readers[0] ?? (writers[0] as Member));
        const views = readers.map(() => new Map<number, string>());
        this.seen.set(roomId, views);
        readers.forEach((reader, i) => {
          this.readerLoops.push(this.readLoop(roomId, reader, views[i] as Map<number, string>));
        });
        for (const writer of writers) this.writerLoops.push(this.writeLoop(roomId, writer));
      }),
    );
  }

  /** Calls until the call gets a tool answer other than `unavailable`. */
  async settled(client: WireClient, name: string, args: Record<string, unknown>): Promise<Outcome> {
    for (let attempt = 0; ; attempt++) {
      const outcome = await client.call(name, args);
      if (outcome.kind === 'transport') this.counts.transport++;
      else if (outcome.kind === 'refused' && outcome.code === 'unavailable') this.counts.unavailable++;
      else return outcome;
      await sleep(Math.min(500, 25 * 2 ** Math.min(attempt, 5)));
    }
  }

  private async join(client: WireClient, roomId: string, name: string, capacity: number): Promise<Member> {
    const outcome = await this.settled(client, 'join_room', {
      room_id: roomId,
      display_name: name,
      capacity,
    });
    if (outcome.kind !== 'ok') throw new Error(`join_room ${roomId} failed: ${JSON.stringify(outcome)}`);
    const created = outcome.value.status === 'room_created';
    return { client, clientId: String(outcome.value.client_id), name, created };
  }

  private async writeLoop(roomId: string, writer: Member): Promise<void> {
    const acks = this.acks.get(roomId) as Ack[];
    for (let n = 0; !this.stopping; n++) {
      const text = `${writer.name}#${n}`;
      const args = { room_id: roomId, client_id: writer.clientId, message: text, idempotency_key: text };
      const outcome = await this.settled(writer.client, 'send_message', args);
      if (outcome.kind === 'ok') {
        acks.push({ text, seq: Number(outcome.value.seq) });
        this.lastAckAt = Date.now();
      } else this.noteUnexpected('send_message', outcome);
      await sleep(this.options.sendGapMs * (0.5 + Math.random()));
    }
  }

  private async readLoop(roomId: string, reader: Member, view: Map<number, string>): Promise<void> {
    let last: number | undefined = reader.created ? 0 : undefined;
    let lostAnswer = false;
    for (;;) {
      if (this.writersDone && (last ?? 0) >= this.lastSeqOf(roomId)) return;
      const args: Record<string, unknown> = { room_id: roomId, client_id: reader.clientId, timeout: 2 };
      if (lostAnswer && last !== undefined) args.after = last;
      const outcome = await reader.client.call('wait_for_message', args);
      if (outcome.kind === 'transport' || (outcome.kind === 'refused' && outcome.code === 'unavailable')) {
        if (outcome.kind === 'transport') this.counts.transport++;
        else this.counts.unavailable++;
        lostAnswer = true;
        await sleep(100);
        continue;
      }
      if (outcome.kind === 'refused') {
        this.noteUnexpected('wait_for_message', outcome);
        await sleep(100);
        continue;
      }
      lostAnswer = false;
      const messages = (outcome.value.messages ?? []) as { seq: number; message: string }[];
      for (const message of messages) {
        // The first message a reader sees sets where its prefix starts (its join notice's successor).
        if (last !== undefined && message.seq !== last + 1) this.counts.gaps++;
        view.set(message.seq, message.message);
        last = Math.max(last ?? 0, message.seq);
      }
    }
  }

  private lastSeqOf(roomId: string): number {
    return Math.max(0, ...(this.acks.get(roomId) as Ack[]).map((ack) => ack.seq));
  }

  private noteUnexpected(call: string, outcome: Outcome): void {
    this.counts.unexpected++;
    if (this.unexpected.length < 5) this.unexpected.push(`${call}: ${JSON.stringify(outcome).slice(0, 300)}`);
  }

  get unexpectedSamples(): readonly string[] {
    return this.unexpected;
  }

  /** Stops the writers, lets the readers catch up, then checks every room's log. */
  async finish(): Promise<Audit> {
    this.stopping = true;
    await within(Promise.all(this.writerLoops), 30_000, 'writers to stop');
    this.writersDone = true;
    await within(Promise.all(this.readerLoops), 30_000, 'readers to catch up');
    const audit: Audit = {
      acknowledged: 0,
      lost: 0,
      duplicated: 0,
      reordered: 0,
      reader_gaps: this.counts.gaps,
      reader_mismatches: 0,
      unavailable: this.counts.unavailable,
      transport_failures: this.counts.transport,
      unexpected_errors: this.counts.unexpected,
    };
    for (const roomId of this.roomIds) {
      const log = await this.readLog(roomId);
      const acks = this.acks.get(roomId) as Ack[];
      audit.acknowledged += acks.length;
      const positions = new Map<string, number[]>();
      log.forEach((entry, index) => {
        positions.set(entry.message, [...(positions.get(entry.message) ?? []), index]);
      });
      for (const ack of acks) {
        const at = positions.get(ack.text);
        if (!at) audit.lost++;
        else if (at.length > 1) audit.duplicated += at.length - 1;
      }
      // Seqs run 1, 2, 3, ... in log order, and each writer's messages keep the order it sent them.
      log.forEach((entry, index) => {
        if (entry.seq !== index + 1) audit.reordered++;
      });
      const lastOfWriter = new Map<string, number>();
      for (const entry of log) {
        const match = /^(W[\d.]+)#(\d+)$/.exec(entry.message);
        if (!match) continue;
        const n = Number(match[2]);
        if (n < (lastOfWriter.get(match[1] as string) ?? -1)) audit.reordered++;
        lastOfWriter.set(match[1] as string, n);
      }
      const bySeq = new Map(log.map((entry) => [entry.seq, entry.message]));
      for (const view of this.seen.get(roomId) ?? []) {
        for (const [seq, text] of view) if (bySeq.get(seq) !== text) audit.reader_mismatches++;
      }
    }
    await Promise.all(this.clients.map((client) => client.close()));
    return audit;
  }

  /** The whole log of a room, as a member reads it. */
  private async readLog(roomId: string): Promise<{ seq: number; message: string }[]> {
    const auditor = this.auditors.get(roomId) as Member;
    const log: { seq: number; message: string }[] = [];
    for (;;) {
      const after = log.at(-1)?.seq ?? 0;
      const args = { room_id: roomId, client_id: auditor.clientId, after, limit: 100 };
      const outcome = await this.settled(auditor.client, 'get_messages', args);
      if (outcome.kind !== 'ok') throw new Error(`get_messages failed: ${JSON.stringify(outcome)}`);
      const page = outcome.value.messages as { seq: number; message: string }[];
      log.push(...page);
      if (!outcome.value.has_more || page.length === 0) return log;
    }
  }
}
