import {
  type Body,
  type Link,
  LinkDown,
  LinkRefused,
  type OnPush,
  type OpenLink,
  type ToolOutcome,
} from './connection.js';

/**
 * The terminal client's connection that heals itself: calls made while the server is out of
 * reach wait for the reconnection and are made again with the same arguments, so the chat above
 * never sees an outage, only the connection state it shows the person.
 */

export type LinkState = 'connecting' | 'online' | 'reconnecting';

export interface ReconnectingLinkOptions {
  url: URL;
  open: OpenLink;
  onPush: OnPush;
  /** Every change of the connection state, with why it is down while it is. */
  onState(state: LinkState, problem: string | undefined): void;
  /**
   * Runs on each new link after the first, before any call goes through it: the place to check
   * that the server still knows us. A LinkDown it throws counts as a failed attempt.
   */
  onReconnect(link: Link): Promise<void>;
  /** Pauses between attempts, in ms, the last one repeating (tests pass short ones). */
  backoffMs?: readonly number[];
}

export const CALL_TIMEOUT_MS = 15_000;
const BACKOFF_MS = [250, 500, 1000, 2000, 3000] as const;

export class ReconnectingLink {
  private readonly options: ReconnectingLinkOptions;
  private readonly backoffMs: readonly number[];
  /** Aborted by close(): every call, connection attempt and pause stops. */
  private readonly closing = new AbortController();
  private link: Link | undefined;
  private linking: Promise<Link> | undefined;
  private onlineOnce = false;

  constructor(options: ReconnectingLinkOptions) {
    this.options = options;
    this.backoffMs = options.backoffMs ?? BACKOFF_MS;
  }

  /** True once a connection has worked: from then on, every failure is an outage to ride out. */
  get everOnline(): boolean {
    return this.onlineOnce;
  }

  get closed(): boolean {
    return this.closing.signal.aborted;
  }

  /**
   * Calls a tool, riding out outages: when the server cannot be reached (or says it is
   * unavailable) the call waits for the reconnection and is made again, with the same arguments.
   * A LinkRefused before the first connection worked is thrown: retrying will not fix it.
   */
  async call(
    name: string,
    args: Body,
    options: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<ToolOutcome> {
    const signal = options.signal
      ? AbortSignal.any([options.signal, this.closing.signal])
      : this.closing.signal;
    for (;;) {
      const link = await this.connected(signal);
      try {
        return await link.call(name, args, { signal, timeoutMs: options.timeoutMs ?? CALL_TIMEOUT_MS });
      } catch (error) {
        signal.throwIfAborted();
        if (error instanceof LinkRefused) return { ok: false, code: 'client_error', error: error.message };
        if (!(error instanceof LinkDown)) throw error;
        this.lost(link, error.message);
      }
    }
  }

  /** The server said it is going away: reconnect rather than wait for the next call to fail. */
  drop(problem: string): void {
    if (this.link) this.lost(this.link, problem);
  }

  /**
   * Stops every call and attempt, then closes the connection. `goodbye` runs first on the link
   * that was up, if one was: a last word that must not wait for a reconnection.
   */
  async close(goodbye?: (link: Link) => Promise<void>): Promise<void> {
    this.closing.abort();
    const link = this.link;
    this.link = undefined;
    if (!link) return;
    await goodbye?.(link).catch(() => undefined);
    await link.close().catch(() => undefined);
  }

  /** Pauses for the n-th backoff step; rejects when `signal` aborts. */
  pause(attempt: number, signal: AbortSignal): Promise<void> {
    const ms = this.backoffMs[Math.min(attempt, this.backoffMs.length - 1)] ?? 3000;
    return pause(ms, signal);
  }

  private connected(signal: AbortSignal): Promise<Link> {
    if (this.link) return Promise.resolve(this.link);
    // One reconnection shared by every caller waiting on it.
    if (!this.linking) {
      const linking = this.establish().finally(() => {
        this.linking = undefined;
      });
      // Each caller hears how it ended through abortable(), even one that gave up already.
      linking.catch(() => undefined);
      this.linking = linking;
    }
    return abortable(this.linking, signal);
  }

  /** Connects (again), with backoff, until a link opens and, after the first, passes onReconnect. */
  private async establish(): Promise<Link> {
    const closing = this.closing.signal;
    for (let attempt = 0; ; attempt++) {
      closing.throwIfAborted();
      let link: Link | undefined;
      try {
        link = await this.options.open(this.options.url, closing, this.options.onPush);
        if (this.onlineOnce) await this.options.onReconnect(link);
        closing.throwIfAborted();
        this.link = link;
        this.onlineOnce = true;
        this.options.onState('online', undefined);
        return link;
      } catch (error) {
        await link?.close().catch(() => undefined);
        closing.throwIfAborted();
        if (error instanceof LinkRefused && !this.onlineOnce) throw error;
        const problem = error instanceof Error ? error.message : String(error);
        this.options.onState(this.onlineOnce ? 'reconnecting' : 'connecting', problem);
        await this.pause(attempt, closing);
      }
    }
  }

  private lost(link: Link, problem: string): void {
    if (this.link !== link) return;
    this.link = undefined;
    void link.close().catch(() => undefined);
    this.options.onState('reconnecting', problem);
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The shared reconnection, given up on by this caller alone when its signal aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
