import { randomUUID } from 'node:crypto';
import { tell } from './broadcast.js';
import { type ChatEngine, type ChatEvent, userTopic } from './engine.js';
import type { Clock } from './identity.js';
import { WAIT_TIMEOUT_SECONDS } from './rules.js';

/**
 * A wait's registration outlives its instance by at most this long: the longest wait, plus a
 * margin. A registration left behind by an instance that died is forgotten after it.
 */
const SLOT_MAX_AGE_MS = WAIT_TIMEOUT_SECONDS.max * 1000 + 60_000;

/** A wait's place among its participant's waits: `superseded` aborts when a newer wait takes it. */
export interface WaitSlot {
  superseded: AbortSignal;
  release(): Promise<void>;
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

  async hold(userId: string): Promise<WaitSlot> {
    const max = this.max;
    if (!max) return { superseded: new AbortController().signal, release: async () => {} };
    const waitId = randomUUID();
    const superseded = new AbortController();
    // Listening first: a newer wait may supersede this one the moment it is registered.
    const stopListening = this.engine.bus.subscribe(userTopic(userId), (event: ChatEvent) => {
      if (event.type === 'superseded' && event.waitIds.includes(waitId)) superseded.abort();
    });
    let older: string[];
    try {
      older = await this.engine.holdWait({
        userId,
        waitId,
        now: this.clock.now(),
        max,
        maxAgeMs: SLOT_MAX_AGE_MS,
      });
    } catch (error) {
      stopListening();
      throw error;
    }
    if (older.length > 0) await tell(this.engine.bus, [userId], { type: 'superseded', waitIds: older });
    return {
      superseded: superseded.signal,
      release: async () => {
        stopListening();
        // Storage away: the registration ages out by itself.
        await this.engine.releaseWait(userId, waitId).catch(() => {});
      },
    };
  }
}
