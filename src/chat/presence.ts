import type { ChatEngine } from './engine.js';
import type { Clock } from './identity.js';

/** How often presence is checked: the contract allows 5 s between the timeout and the leave. */
const SWEEP_EVERY_MS = 1000;

/** Participants claimed per round; the rest wait for the next round. */
const CLAIM_LIMIT = 100;

/** One round of the sweep: who was taken out, and whose removal failed (retried on a later round). */
export interface SweepResult {
  removed: string[];
  failed: { userId: string; error: unknown }[];
}

/**
 * Presence: a participant is present while it calls, or while it holds a wait on some instance.
 * This keeps the table of parked waits on this instance and sweeps out those silent for longer
 * than the idle timeout.
 */
export class Presence {
  /** Participants holding a wait on this instance, with how many waits each holds. */
  private readonly parked = new Map<string, { waits: number; touchedAt: number }>();
  private waits = 0;

  constructor(
    private readonly engine: ChatEngine,
    private readonly clock: Clock,
    private readonly idleTimeoutMs: number,
  ) {}

  /** Counts the participant as present for as long as `wait` runs. */
  whileParked<T>(userId: string, lastSeenAt: number, wait: () => Promise<T>): Promise<T> {
    const entry = this.parked.get(userId) ?? { waits: 0, touchedAt: lastSeenAt };
    entry.waits++;
    this.waits++;
    this.parked.set(userId, entry);
    // A promise chain, not an async frame: the frame would be held for as long as the wait.
    let waiting: Promise<T>;
    try {
      waiting = wait();
    } catch (error) {
      waiting = Promise.reject(error);
    }
    return waiting.finally(() => {
      entry.waits--;
      this.waits--;
      if (entry.waits === 0) this.parked.delete(userId);
    });
  }

  /** Waits parked on this instance right now (one participant may hold several). */
  get parkedWaits(): number {
    return this.waits;
  }

  /**
   * One round: keeps participants that hold a wait here marked as present, then hands each
   * participant silent for longer than the idle timeout to `remove`. Safe to run on every
   * instance at once: the engine hands each idle participant to one of them.
   *
   * Each participant is handled on its own: one failed removal does not keep the others in their
   * queue and rooms. A claimed participant is not claimed again until touched, so a failed one is
   * touched back to the cutoff: still idle, claimable again on the next round, no fresher than it
   * was. (Touching it to `now` would delay the retry by a whole idle timeout.)
   */
  async sweep(remove: (userId: string) => Promise<void>): Promise<SweepResult> {
    const now = this.clock.now();
    // Refreshing three times per timeout keeps a parked participant well clear of the cutoff
    // on every instance, at one write per participant per third of the timeout.
    for (const [userId, entry] of this.parked) {
      if (now - entry.touchedAt < this.idleTimeoutMs / 3) continue;
      await this.engine.touchParticipant(userId, now);
      entry.touchedAt = now;
    }
    const cutoff = now - this.idleTimeoutMs;
    const result: SweepResult = { removed: [], failed: [] };
    for (const userId of await this.engine.claimIdle(cutoff, CLAIM_LIMIT)) {
      try {
        await remove(userId);
        result.removed.push(userId);
      } catch (error) {
        result.failed.push({ userId, error });
        await this.engine.touchParticipant(userId, cutoff).catch(() => {
          // Storage away: the claim stays until the participant's next call touches it.
        });
      }
    }
    return result;
  }
}

/** What the sweeper tells the operator. */
export interface SweepReport {
  removed(userIds: string[]): void;
  /** A round that failed as a whole (storage away), or, with `userId`, one participant's removal. */
  failed(error: unknown, userId?: string): void;
}

/**
 * Runs the chat's idle sweep on a timer, one round at a time. A failed round (storage away) is
 * reported and the next one tries again.
 */
export class PresenceSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly chat: { sweepIdle(): Promise<SweepResult> },
    private readonly report: SweepReport,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => {
      this.running ??= this.round().finally(() => {
        this.running = undefined;
      });
    }, SWEEP_EVERY_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async round(): Promise<void> {
    try {
      const { removed, failed } = await this.chat.sweepIdle();
      if (removed.length > 0) this.report.removed(removed);
      for (const { userId, error } of failed) this.report.failed(error, userId);
    } catch (error) {
      this.report.failed(error);
    }
  }
}
