import type { EventStore, JSONRPCMessage } from '@modelcontextprotocol/server';

interface StoredEvent {
  id: string;
  streamId: string;
  message: JSONRPCMessage;
  at: number;
}

export interface ReplayWindow {
  /** Events older than this are forgotten (a client reconnecting later starts fresh). */
  maxAgeMs: number;
  /** At most this many events are kept per session. */
  maxEvents: number;
}

/**
 * Resumability for one 2025-era session: SSE events get ids, and a client that reconnects with
 * `Last-Event-ID` within the window is sent what it missed. Bounded in age and count, and owned
 * by the session, so it is freed with it.
 */
export class SessionEventStore implements EventStore {
  private readonly events: StoredEvent[] = [];
  private counter = 0;

  constructor(
    private readonly window: ReplayWindow,
    private readonly now: () => number = Date.now,
  ) {}

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    return this.store(streamId, message);
  }

  /** Stores at once and returns the event's id (`storeEvent` for those that need no promise). */
  store(streamId: string, message: JSONRPCMessage): string {
    const id = `${streamId}_${++this.counter}`;
    this.events.push({ id, streamId, message, at: this.now() });
    this.prune();
    return id;
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return this.events.find((event) => event.id === eventId)?.streamId;
  }

  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> },
  ): Promise<string> {
    this.prune();
    const index = this.events.findIndex((event) => event.id === lastEventId);
    if (index < 0) throw new Error(`Event ${lastEventId} is unknown or older than the replay window.`);
    const streamId = (this.events[index] as StoredEvent).streamId;
    for (const event of this.events.slice(index + 1)) {
      if (event.streamId === streamId) await send(event.id, event.message);
    }
    return streamId;
  }

  private prune(): void {
    const oldest = this.now() - this.window.maxAgeMs;
    let drop = 0;
    while (drop < this.events.length && (this.events[drop] as StoredEvent).at < oldest) drop++;
    drop = Math.max(drop, this.events.length - this.window.maxEvents);
    if (drop > 0) this.events.splice(0, drop);
  }
}
