import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { ChatEvent, EventBus } from '../../chat/engine.js';
import { LocalBus } from '../local-bus.js';
import type { RidingWrites } from './group-commit.js';

/**
 * How often a process looks for commits by other processes. One `PRAGMA data_version` is a
 * read of shared memory (microseconds), so 10 ms keeps cross-process wake-ups well inside the
 * contract's 100 ms at a cost nobody notices.
 */
export const WATCH_INTERVAL_MS = 10;

/**
 * How long a published event may wait for a group commit to carry it before it is written alone:
 * a small part of the 100 ms the contract gives a wake-up in another process.
 */
const FLUSH_AFTER_MS = 2;

/** Events are kept this long for processes that fall behind (a blocked event loop); then pruned. */
export const EVENT_RETENTION_MS = 60_000;

/** Rows read per statement when catching up; a longer backlog is read in several. */
const READ_BATCH = 500;

export interface SharedFileBusOptions {
  /** The engine's connection: statements here run between the engine's, never inside them. */
  db: Database.Database;
  intervalMs?: number;
  onListenerError?: (error: unknown) => void;
}

/** An event published here and not yet in the `events` table. */
interface PendingEvent {
  topic: string;
  event: string;
}

interface EventRow {
  id: number;
  origin: string;
  topic: string;
  event: string;
}

/**
 * The bus of a SQLite file shared by several processes (`mcp-chat serve` and `mcp-chat stdio`
 * on one file are one chat).
 *
 * `publish` delivers to this process's listeners at once and appends the event to the `events`
 * table, after the change it announces was committed. Every process polls `PRAGMA data_version`,
 * which changes exactly when another connection committed; then it reads the events appended
 * since the last one it saw and delivers those published elsewhere to its own listeners. Events
 * stay hints: a gap in the ids (pruned before this process read them) delivers `resync`, so
 * parked waits read the log again instead of sleeping.
 */
export class SharedFileBus implements EventBus {
  private readonly local: LocalBus;
  /** Tells this process's rows from the others' (each engine is its own origin). */
  private readonly origin = randomUUID();
  private readonly db: Database.Database;
  private readonly statements: ReturnType<typeof prepare>;
  private readonly timer: NodeJS.Timeout;
  private lastId: number;
  private lastVersion: number;
  /** Events published since the last flush, written together in one transaction. */
  private pending: PendingEvent[] = [];
  private flushing: NodeJS.Timeout | undefined;

  constructor({ db, intervalMs = WATCH_INTERVAL_MS, onListenerError }: SharedFileBusOptions) {
    this.db = db;
    this.local = new LocalBus(onListenerError);
    this.statements = prepare(db);
    this.lastId = (this.statements.lastId.get() as { id: number | null }).id ?? 0;
    this.lastVersion = this.statements.dataVersion.get() as number;
    this.timer = setInterval(() => this.poll(), intervalMs);
    this.timer.unref();
  }

  /**
   * Local listeners hear the event at once; the other processes after the next flush, which
   * writes every event of this turn of the event loop in one transaction (a send publishes to the
   * room and to each recipient: one commit instead of several).
   */
  async publish(topic: string, event: ChatEvent): Promise<void> {
    this.local.deliver(topic, event);
    this.pending.push({ topic, event: JSON.stringify(event) });
    // A moment later, not at once: meanwhile the batches that commit the next sends write them
    // in their own transactions (`riding`), so under load few flushes need one of their own.
    this.flushing ??= setTimeout(() => this.flush(), FLUSH_AFTER_MS);
  }

  /** The events waiting to be written, for a group commit to write in its transaction. */
  readonly riding: RidingWrites<PendingEvent> = {
    take: () => {
      const taken = this.pending;
      this.pending = [];
      return taken;
    },
    write: (taken) => this.append(taken),
    giveBack: (taken) => {
      this.pending = [...taken, ...this.pending];
    },
  };

  subscribe(topic: string, listener: (event: ChatEvent) => void): () => void {
    return this.local.subscribe(topic, listener);
  }

  /** Delivers to every local listener (the engine's storage failed: waits look again). */
  deliverToAll(event: ChatEvent): void {
    this.local.deliverToAll(event);
  }

  /** Drops events older than the retention (the engine's background sweep calls this). */
  prune(now: number): void {
    this.statements.prune.run(now - EVENT_RETENTION_MS);
  }

  /** Stops watching; what was published and not yet written is written now. */
  close(): void {
    clearInterval(this.timer);
    clearTimeout(this.flushing);
    this.flush();
  }

  private flush(): void {
    this.flushing = undefined;
    const events = this.pending;
    this.pending = [];
    if (events.length === 0 || !this.db.open) return;
    try {
      this.db.transaction(() => this.append(events)).immediate();
    } catch {
      // Storage away: the other processes' waits fail with `unavailable` or find the log later.
    }
  }

  private append(events: PendingEvent[]): void {
    const at = Date.now();
    for (const { topic, event } of events) this.statements.append.run(this.origin, topic, event, at);
  }

  /** One look: nothing to do unless another connection committed since the last look. */
  poll(): void {
    if (!this.db.open) return;
    try {
      const version = this.statements.dataVersion.get() as number;
      if (version === this.lastVersion) return;
      this.lastVersion = version;
      for (;;) {
        const rows = this.statements.after.all(this.lastId, READ_BATCH) as EventRow[];
        for (const row of rows) this.receive(row);
        if (rows.length < READ_BATCH) return;
      }
    } catch {
      // Storage away: the engine's own failure path wakes the waits; the next look catches up.
    }
  }

  private receive(row: EventRow): void {
    const gap = row.id > this.lastId + 1;
    this.lastId = row.id;
    if (gap) this.local.deliverToAll({ type: 'resync' });
    if (row.origin === this.origin) return;
    let event: unknown;
    try {
      event = JSON.parse(row.event);
    } catch {
      return;
    }
    if (typeof (event as { type?: unknown } | null)?.type === 'string') {
      this.local.deliver(row.topic, event as ChatEvent);
    }
  }
}

function prepare(db: Database.Database) {
  return {
    dataVersion: db.prepare('PRAGMA data_version').pluck(),
    lastId: db.prepare('SELECT max(id) AS id FROM events'),
    append: db.prepare('INSERT INTO events (origin, topic, event, at) VALUES (?, ?, ?, ?)'),
    after: db.prepare('SELECT id, origin, topic, event FROM events WHERE id > ? ORDER BY id LIMIT ?'),
    prune: db.prepare('DELETE FROM events WHERE at < ?'),
  };
}
