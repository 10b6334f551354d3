import type { SqliteStorage } from './storage.js';

interface Pending {
  step: () => unknown;
  resolve(outcome: unknown): void;
  reject(error: unknown): void;
}

/**
 * Writes that would take a transaction of their own, and may ride in a batch's instead: the
 * shared-file bus's events (commit-watch.ts), one commit fewer per batch.
 */
export interface RidingWrites<Item> {
  /** Takes what waits, to be written inside the batch's transaction. */
  take(): Item[];
  write(taken: Item[]): void;
  /** The batch's transaction rolled back: what it took waits again. */
  giveBack(taken: Item[]): void;
}

/**
 * Group commit: the writes that arrive within one turn of the event loop (sends, cursor moves,
 * parked-wait records, rate-limit buckets, presence touches) run in one write transaction, and
 * each is answered only once that transaction has committed. Under load a commit (its WAL write,
 * the write lock, BEGIN and COMMIT) is paid once per batch instead of once per call; alone, a
 * write waits for nothing but the end of the current turn. A write takes effect when its batch
 * runs, not when it is submitted: its caller learns nothing before then, so to every caller it
 * happened at that moment.
 *
 * The steps run in arrival order, each seeing the ones before it (two sends with one
 * idempotency key in one batch store one message). When the batch's transaction fails, every
 * step of it is run again in a transaction of its own, so that one failing step fails alone.
 */
export class GroupCommit<Riding = unknown> {
  private queue: Pending[] = [];
  private scheduled: NodeJS.Immediate | undefined;

  constructor(
    private readonly storage: SqliteStorage,
    private readonly riders?: RidingWrites<Riding>,
  ) {}

  submit<Outcome>(step: () => Outcome): Promise<Outcome> {
    return new Promise<Outcome>((resolve, reject) => {
      this.queue.push({ step, resolve: resolve as (outcome: unknown) => void, reject });
      // setImmediate runs after the I/O callbacks of this turn: every call they start is in.
      this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Runs what is queued now (also called on close, so nothing submitted is left unanswered). */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const riding = this.riders?.take() ?? [];
    let outcomes: unknown[] | undefined;
    let failure: unknown;
    try {
      outcomes = this.storage.transaction(() => {
        if (riding.length > 0) this.riders?.write(riding);
        return batch.map((pending) => pending.step());
      });
    } catch (error) {
      // Rolled back as a whole; below, each step learns its own outcome.
      failure = error;
      if (riding.length > 0) this.riders?.giveBack(riding);
    }
    if (outcomes) {
      batch.forEach((pending, i) => {
        pending.resolve(outcomes[i]);
      });
      return;
    }
    if (batch.length === 1) {
      (batch[0] as Pending).reject(failure);
      return;
    }
    for (const pending of batch) {
      try {
        pending.resolve(this.storage.transaction(() => pending.step()));
      } catch (error) {
        pending.reject(error);
      }
    }
  }
}
