import type { OpenLink } from './connection.js';
import type { Member } from './wire.js';

/** What the terminal client's session shows and is told: the shapes its front ends render. */

export type ConnectionState = 'connecting' | 'online' | 'reconnecting' | 'closed';

export type Place =
  /** Before the first enter_queue or join_room has answered. */
  | { kind: 'starting' }
  | { kind: 'idle' }
  | { kind: 'queued'; position: number; queueLength: number }
  | {
      kind: 'room';
      roomId: string;
      /** Everyone in the room, the person included. */
      members: Member[];
      /** A partner left a room of two (`"disconnect": true`); cleared when someone joins. */
      partnerLeft: boolean;
      /** A queue-matched chat that is over: nothing more can be said in it. */
      ended: boolean;
    };

export interface SessionState {
  url: string;
  connection: ConnectionState;
  /** Why the connection is down, while it is. */
  problem: string | undefined;
  displayName: string;
  userId: string | undefined;
  place: Place;
}

export type ChatLine =
  | {
      kind: 'message';
      time: Date;
      sender: string;
      text: string;
      own: boolean;
      /** Its place in the room's log, for /reply (absent only while a send is on its way). */
      seq?: number;
      /** The earlier message it answers. */
      reply?: { seq: number; sender: string; text: string };
      /** It names the person with @. */
      mentionsMe?: boolean;
    }
  | { kind: 'system' | 'notice' | 'error'; time: Date; text: string };

export type SessionEvent =
  | { type: 'state'; state: SessionState }
  | { type: 'line'; line: ChatLine }
  /** Earlier messages of the room, oldest first, to show before everything else. */
  | { type: 'history'; lines: ChatLine[] }
  /** The session is over; `error` says why when it did not end at the person's request. */
  | { type: 'closed'; error: string | undefined };

export interface SessionOptions {
  url: URL;
  displayName: string;
  open: OpenLink;
  /** Seconds a wait_for_message or wait_for_match may park (always passed: the server's default depends on the client). */
  waitSeconds?: number;
}

export interface StartIntent {
  room: string | undefined;
  capacity: number | undefined;
  clientId: string | undefined;
}
