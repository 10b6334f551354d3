import type { ChatMessage, Member, Participant, Room, RoomSummary } from './types.js';

/** What the chat's calls answer: the protocol face turns these into the contract's JSON. */

/** Who made a call: the participant behind a valid client_id. */
export interface Caller extends Participant {
  clientId: string;
}

export type QueueStanding =
  | { status: 'matched'; roomId: string; partner: Member; sharedInterests: string[] }
  | { status: 'waiting'; position: number; queueLength: number }
  | { status: 'already_waiting'; position: number; queueLength: number }
  | { status: 'already_in_chat'; roomId: string };

export type MatchWaitResult =
  | { status: 'matched'; roomId: string; partner: Member; sharedInterests: string[] }
  | { status: 'waiting'; position: number; queueLength: number; endedBy: WaitEnd };

export type JoinRoomResult =
  /** `room.invite` is set for private rooms: members see it, to pass it on. */
  | { status: 'room_created'; room: Room; members: Member[] }
  | {
      status: 'joined';
      room: Room;
      partner: Member | null;
      members: Member[];
      recentMessages: ChatMessage[];
    };

export type MessageWaitResult =
  | {
      status: 'messages';
      messages: ChatMessage[];
      /**
       * Puts the messages back (moves the cursor back, unless another wait moved it since): for
       * the protocol face to call when the answer could not be delivered.
       */
      undo(): Promise<void>;
    }
  | { status: 'timeout'; endedBy: WaitEnd };

/**
 * Why a wait came back empty: its own timeout, the server stopping (call again after the
 * restart), or a newer wait of the same participant taking its place (MCP_CHAT_MAX_WAITS).
 */
export type WaitEnd = 'timeout' | 'shutdown' | 'superseded';

export interface StatusResult {
  participant: Participant;
  state: 'idle' | 'waiting' | 'in_room';
  position?: number;
  rooms: RoomSummary[];
}

/** A room where messages from others wait, as the `unread` summary of every answer shows it. */
export interface UnreadNote {
  roomId: string;
  count: number;
  /** The newest unread message: its sender's name, its first characters, its seq. */
  latest: { sender: string; message: string; seq: number };
}

export interface MarkReadResult {
  roomId: string;
  /** Where the cursor stands now. */
  readUpTo: number;
  /** Messages from others still unread in the room. */
  remaining: number;
}
