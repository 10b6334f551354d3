import type { SqliteStorage } from './storage.js';

interface Pending<Request, Outcome> {
  request: Request;
  resolve(outcome: Outcome): void;
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
 * Group commit: the calls of one kind that arrive within one turn of the event loop run in one
 * write transaction, and each is answered only once that transaction has committed. Under load a
 * commit (its WAL write, the write lock, BEGIN and COMMIT) is paid once per batch instead of once
 * per call; alone, a call waits for nothing but the end of the current turn.
 *
 * The steps run in arrival order, each seeing the ones before it (two sends with one
 * idempotency key in one batch store one message). When the batch's transaction fails, every
 * call of it is run again in a transaction of its own, so that one failing call fails alone.
 */
export class GroupCommit<Request, Outcome, Riding = unknown> {
  private queue: Pending<Request, Outcome>[] = [];
  private scheduled: NodeJS.Immediate | undefined;

  constructor(
    private readonly storage: SqliteStorage,
    private readonly step: (request: Request) => Outcome,
    private readonly riders?: RidingWrites<Riding>,
  ) {}

  submit(request: Request): Promise<Outcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
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
    let outcomes: Outcome[] | undefined;
    let failure: unknown;
    try {
      outcomes = this.storage.transaction(() => {
        if (riding.length > 0) this.riders?.write(riding);
        return batch.map((pending) => this.step(pending.request));
      });
    } catch (error) {
      // Rolled back as a whole; below, each call learns its own outcome.
      failure = error;
      if (riding.length > 0) this.riders?.giveBack(riding);
    }
    if (outcomes) {
      batch.forEach((pending, i) => {
        pending.resolve(outcomes[i] as Outcome);
      });
      return;
    }
    if (batch.length === 1) {
      (batch[0] as Pending<Request, Outcome>).reject(failure);
      return;
    }
    for (const pending of batch) {
      try {
        pending.resolve(this.storage.transaction(() => this.step(pending.request)));
      } catch (error) {
        pending.reject(error);
      }
    }
  }
}
