import type { EventStore, JSONRPCMessage } from '@modelcontextprotocol/server';
import type { ReplayBounds, SessionRecords } from '../chat/index.js';
import { SessionEventStore } from './event-store.js';

/** The SDK's name for a session's GET stream (the standalone SSE stream). */
export const GET_STREAM_ID = '_GET_stream';

/** Event ids of the GET stream: `g` and the event's number in the session's stored replay log. */
const SHARED_ID = /^g(\d+)$/;

/**
 * Resumability for one 2025-era session. The GET stream's events go to the session's replay log in
 * storage, numbered there, so a client that reconnects with `Last-Event-ID` to another instance,
 * or after a restart, is sent what it missed. The streams of POST responses stay in this
 * process's memory as before: their requests live here and die with it, so nobody else could
 * answer them anyway.
 */
export class SharedEventStore implements EventStore {
  private readonly local: SessionEventStore;

  constructor(
    private readonly sessionId: string,
    private readonly records: SessionRecords,
    private readonly window: ReplayBounds,
  ) {
    this.local = new SessionEventStore(window);
  }

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    if (streamId !== GET_STREAM_ID) return this.local.store(streamId, message);
    const event = { streamId, message: JSON.stringify(message), at: Date.now() };
    return `g${await this.records.appendEvent(this.sessionId, event, this.window)}`;
  }

  /**
   * An event of a POST response's stream, as the session transport stores it (the lean lane,
   * session-stream.ts, writes such streams itself): numbered with the transport's own, so that
   * `Last-Event-ID` replays either kind.
   */
  storePostEvent(streamId: string, message: JSONRPCMessage): string {
    return this.local.store(streamId, message);
  }

  /**
   * Any well-formed GET stream id resumes the GET stream, even one the log no longer holds (it
   * aged out, or the event was never stored): the client then gets what is left, not an error that
   * would make it give up the stream.
   */
  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    if (SHARED_ID.test(eventId)) return GET_STREAM_ID;
    return this.local.getStreamIdForEventId(eventId);
  }

  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> },
  ): Promise<string> {
    const shared = SHARED_ID.exec(lastEventId);
    if (!shared) return this.local.replayEventsAfter(lastEventId, { send });
    const oldest = Date.now() - this.window.maxAgeMs;
    const events = await this.records.eventsAfter(this.sessionId, GET_STREAM_ID, Number(shared[1]));
    for (const event of events) {
      if (event.at >= oldest) await send(`g${event.seq}`, JSON.parse(event.message) as JSONRPCMessage);
    }
    return GET_STREAM_ID;
  }
}
