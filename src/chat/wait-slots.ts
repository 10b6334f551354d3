import { randomUUID } from 'node:crypto';
import { tell } from './broadcast.js';
import type { ChatEngine, ChatEvent } from './engine.js';
import type { Clock } from './identity.js';
import { WAIT_TIMEOUT_SECONDS } from './rules.js';

/**
 * A wait's registration outlives its instance by at most this long: the longest wait, plus a
 * margin. A registration left behind by an instance that died is forgotten after it.
 */
const SLOT_MAX_AGE_MS = WAIT_TIMEOUT_SECONDS.max * 1000 + 60_000;

/** A wait's place among its participant's waits, held until `release`. */
export interface WaitSlot {
  release(): Promise<void>;
}

const NO_SLOT: WaitSlot = { release: async () => {} };

/**
 * Whether `event` tells the wait `waitId` that a newer wait took its place. The caller listens to
 * its participant's topic before `hold`: a newer wait may supersede this one the moment it is
 * registered. (The wait's one subscription hears this beside its push events: a subscription and
 * an abort signal of its own per wait cost heap that thousands of parked waits add up.)
 */
export function supersedes(event: ChatEvent, waitId: string): boolean {
  return event.type === 'superseded' && event.waitIds.includes(waitId);
}

/**
 * MCP_CHAT_MAX_WAITS: parked waits one participant may hold, across every instance. A further
 * wait takes the place of the oldest, which answers at once with its timeout result marked
 * `superseded`: a client with a second tab, or one retrying after a lost connection, learns that
 * another wait of its own took over rather than starting a ping-pong of waits.
 */
export class WaitSlots {
  constructor(
    private readonly engine: ChatEngine,
    private readonly clock: Clock,
    /** Absent or 0: no limit. */
    private readonly max: number | undefined,
  ) {}

  /** A new wait's id, for `hold` and `supersedes`. */
  newWaitId(): string {
    return randomUUID();
  }

  async hold(userId: string, waitId: string): Promise<WaitSlot> {
    const max = this.max;
    if (!max) return NO_SLOT;
    const older = await this.engine.holdWait({
      userId,
      waitId,
      now: this.clock.now(),
      max,
      maxAgeMs: SLOT_MAX_AGE_MS,
    });
    if (older.length > 0) await tell(this.engine.bus, [userId], { type: 'superseded', waitIds: older });
    const { engine } = this;
    return {
      // A method, not an arrow property (a named closure under tsx carries a dictionary).
      async release() {
        // Storage away: the registration ages out by itself.
        await engine.releaseWait(userId, waitId).catch(() => {});
      },
    };
  }
}
