/**
 * How long engines keep what nobody can use any more: part of the port's contract, like log
 * retention (engine.ts). Deadlines go by the storage's wall clock, set when the thing stops being
 * used (a room ends or empties, a participant's last call), whatever times the chat passes in.
 * 0 switches a lifetime off (kept for ever).
 */
export interface Lifetimes {
  /**
   * Seconds an ended room stays readable by its former members; then the room, its memberships,
   * cursors and log are removed, and it is `room_not_found` for everyone.
   */
  endedRoomSeconds: number;
  /** Seconds a named room stays without members before it goes the same way; joining cancels it. */
  idleRoomSeconds: number;
  /** Seconds a participant that makes no call is remembered; then it goes with its memberships. */
  identitySeconds: number;
}

const DAY = 24 * 60 * 60;

/** The operator's defaults: ended chats kept a week, empty named rooms for ever, identities 30 days. */
export const DEFAULT_LIFETIMES: Lifetimes = {
  endedRoomSeconds: 7 * DAY,
  idleRoomSeconds: 0,
  identitySeconds: 30 * DAY,
};

export function lifetimesOf(given: Partial<Lifetimes> | undefined): Lifetimes {
  return { ...DEFAULT_LIFETIMES, ...given };
}

/** The wall-clock deadline `seconds` from `now`, or null when the lifetime is off. */
export function deadline(now: number, seconds: number): number | null {
  return seconds > 0 ? now + Math.round(seconds * 1000) : null;
}

/** How often an engine looks for what has expired: every minute, more often for short lifetimes. */
export function sweepInterval(lifetimes: Lifetimes, everyMs = 60_000): number {
  const shortest = [lifetimes.endedRoomSeconds, lifetimes.idleRoomSeconds, lifetimes.identitySeconds]
    .filter((s) => s > 0)
    .reduce((a, b) => Math.min(a, b), everyMs / 1000);
  return Math.max(100, Math.min(everyMs, (shortest * 1000) / 4));
}
