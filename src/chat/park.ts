import type { ChatEvent, EventBus } from './engine.js';

/** What a parked wait tells its caller besides its result (push on the wait's own stream). */
export interface WaitHearing {
  /** Hears the caller's events while parked. */
  onEvent?: (event: ChatEvent) => void;
  /** Told once `onEvent` hears: what came before, push never brings. */
  onListening?: () => void;
}

/** What can end a wait early: an AbortSignal, or a `WaitStop` (the same two members). */
export interface Abortable {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options: { once: true }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * An early end of a wait without what an AbortController costs (an EventTarget with a map of
 * listeners and a hidden class of its own: about half a kilobyte, held by every parked wait).
 * Used for a wait's own stop and for the lean lane's request, where nothing else listens.
 */
export class WaitStop implements Abortable {
  aborted = false;
  private listeners: (() => void)[] | undefined;

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = this.listeners ?? [];
    this.listeners = undefined;
    for (const listener of listeners) listener();
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.aborted) return;
    this.listeners ??= [];
    this.listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const at = this.listeners?.indexOf(listener) ?? -1;
    if (at !== -1) this.listeners?.splice(at, 1);
  }
}

export interface ParkOptions<T> {
  bus: EventBus;
  topic: string;
  timeoutMs: number;
  /** Any of these aborting ends the wait early (the client cancelled, the server is stopping). */
  signals: readonly Abortable[];
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
  // One object with a method, not named closures: under tsx (keepNames) every named closure
  // carries a property dictionary of its own, and this lives as long as the wait.
  const state = {
    dirty: false,
    timer: undefined as NodeJS.Timeout | undefined,
    resolve: undefined as (() => void) | undefined,
    rouse() {
      state.dirty = true;
      clearTimeout(state.timer);
      state.resolve?.();
    },
  };
  const unsubscribe = bus.subscribe(topic, state.rouse);
  for (const signal of signals) signal.addEventListener('abort', state.rouse, { once: true });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      // Checked before every read: a cancelled wait must not take anything.
      if (signals.some((signal) => signal.aborted)) return undefined;
      state.dirty = false;
      const found = await check();
      if (found !== undefined) return found;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return undefined;
      if (state.dirty) continue;
      await new Promise<void>((resolve) => {
        state.resolve = resolve;
        state.timer = setTimeout(resolve, remaining);
      });
      state.resolve = undefined;
    }
  } finally {
    clearTimeout(state.timer);
    unsubscribe();
    for (const signal of signals) signal.removeEventListener('abort', state.rouse);
  }
}
