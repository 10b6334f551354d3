import type { ChatEvent, EventBus } from './engine.js';

/** What a parked wait tells its caller besides its result (push on the wait's own stream). */
export interface WaitHearing {
  /** Hears the caller's events while parked. */
  onEvent?: (event: ChatEvent) => void;
  /** Told once `onEvent` hears: what came before, push never brings. */
  onListening?: () => void;
}

export interface ParkOptions<T> {
  bus: EventBus;
  topic: string;
  timeoutMs: number;
  /** Any of these aborting ends the wait early (the client cancelled, the server is stopping). */
  signals: readonly AbortSignal[];
  /** Looks at the stored state; a value ends the wait, undefined keeps it parked. */
  check: () => Promise<T | undefined>;
}

/**
 * A wait is a subscription plus a re-read. The subscription starts before the first read, so an
 * event published between the read and the park is not missed: it marks the wait dirty and the
 * loop reads again instead of sleeping. Returns undefined on timeout or abort.
 */
export async function park<T>({
  bus,
  topic,
  timeoutMs,
  signals,
  check,
}: ParkOptions<T>): Promise<T | undefined> {
  let dirty = false;
  let wake: (() => void) | undefined;
  const rouse = () => {
    dirty = true;
    wake?.();
  };
  const unsubscribe = bus.subscribe(topic, rouse);
  for (const signal of signals) signal.addEventListener('abort', rouse, { once: true });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      // Checked before every read: a cancelled wait must not take anything.
      if (signals.some((signal) => signal.aborted)) return undefined;
      dirty = false;
      const found = await check();
      if (found !== undefined) return found;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return undefined;
      if (dirty) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    unsubscribe();
    for (const signal of signals) signal.removeEventListener('abort', rouse);
  }
}
