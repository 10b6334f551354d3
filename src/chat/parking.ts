import { type ChatEngine, type ChatEvent, userTopic } from './engine.js';
import { banned } from './notices.js';
import { type WaitHearing, WaitStop } from './park.js';
import type { Presence } from './presence.js';
import type { Caller } from './results.js';
import { supersedes, type WaitSlot, type WaitSlots } from './wait-slots.js';

/**
 * Where a wait parks: in one of its caller's wait slots, counted as presence, hearing the
 * caller's events, and stopped early by a newer wait or a ban.
 */
export class Parking {
  constructor(
    private readonly engine: ChatEngine,
    private readonly waitSlots: WaitSlots,
    private readonly presence: Presence,
  ) {}

  /**
   * Counts the caller as present while `wait` runs, hearing its events through `onEvent`
   * meanwhile, in one of its wait slots: `wait` gets the signal that a newer wait took the slot.
   */
  async whileParked<T>(
    caller: Caller,
    hearing: WaitHearing,
    wait: (stop: WaitStop) => Promise<T | undefined>,
  ): Promise<{ found: T | undefined; superseded: boolean }> {
    // One subscription and one stop per wait, for both reasons to stop early: a newer wait
    // took the slot, or a ban (from any process) ends the wait with `banned`.
    const waitId = this.waitSlots.newWaitId();
    const stop = new WaitStop();
    let ended: 'superseded' | 'banned' | undefined;
    let hears = false;
    const stopListening = this.engine.bus.subscribe(userTopic(caller.userId), (event: ChatEvent) => {
      if (event.type === 'banned') ended = 'banned';
      else if (ended === undefined && supersedes(event, waitId)) ended = 'superseded';
      if (ended !== undefined) stop.abort();
      if (hears) hearing.onEvent?.(event);
    });
    let slot: WaitSlot;
    try {
      slot = await this.waitSlots.hold(caller.userId, waitId);
    } catch (error) {
      stopListening();
      throw error;
    }
    hears = true;
    hearing.onListening?.();
    try {
      const found = await this.presence
        .whileParked(caller.userId, caller.lastSeenAt, () => wait(stop))
        .catch(async (error: unknown) => {
          // Taken out of its rooms by a ban whose event has not arrived yet.
          if (await this.engine.banOf(caller.userId)) throw banned();
          throw error;
        });
      if (ended === 'banned') throw banned();
      return { found, superseded: ended === 'superseded' };
    } finally {
      stopListening();
      await slot.release();
    }
  }
}
