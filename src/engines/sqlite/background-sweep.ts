import { IDEMPOTENCY_WINDOW_SECONDS } from '../../chat/engine.js';
import type { SqliteStorage } from './storage.js';

/** How often the background sweep runs (more often when messages expire sooner than this). */
const SWEEP_EVERY_MS = 60_000;
const IDEMPOTENCY_WINDOW_MS = IDEMPOTENCY_WINDOW_SECONDS * 1000;

/**
 * The engine's housekeeping on a timer, once at start and then every minute: messages past the
 * maximum age in rooms that went silent (busy rooms are trimmed on append), idempotency keys past
 * their window, and whatever `extra` adds (rooms and participants past their lifetimes, old
 * cross-process events, full rate-limit buckets).
 * Every process on a file sweeps; the deletes are idempotent. A failure waits for the next round.
 */
export class BackgroundSweep {
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly storage: SqliteStorage,
    private readonly maxAgeMs: number,
    private readonly extra: (now: number) => void,
    atMostMs = SWEEP_EVERY_MS,
  ) {
    this.sweep();
    const every = Math.min(atMostMs, maxAgeMs > 0 ? Math.min(SWEEP_EVERY_MS, maxAgeMs / 2) : SWEEP_EVERY_MS);
    this.timer = setInterval(() => this.sweep(), every);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sweep(): void {
    const now = Date.now();
    try {
      this.storage.run(() => {
        if (this.maxAgeMs > 0) this.storage.sql.deleteOlderThan.run(now - this.maxAgeMs);
        this.storage.sql.forgetSentBefore.run(now - IDEMPOTENCY_WINDOW_MS);
        this.extra(now);
      });
    } catch {
      // Storage away: the next round catches up.
    }
  }
}
