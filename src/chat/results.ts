import type { ChatMessage, Member, Participant, Room, RoomSummary } from './types.js';

/** What the chat's calls answer: the protocol face turns these into the contract's JSON. */

/** Who made a call: the participant behind a valid client_id. */
export interface Caller extends Participant {
  clientId: string;
}

export type QueueStanding =
  | { status: 'matched'; roomId: string; partner: Member }
  | { status: 'waiting'; position: number; queueLength: number }
  | { status: 'already_waiting'; position: number; queueLength: number }
  | { status: 'already_in_chat'; roomId: string };

export type MatchWaitResult =
  | { status: 'matched'; roomId: string; partner: Member }
  | { status: 'waiting'; position: number; queueLength: number; endedBy: WaitEnd };

export type JoinRoomResult =
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

/** Why a wait came back empty: its own timeout, or the server stopping (call again after the restart). */
export type WaitEnd = 'timeout' | 'shutdown';

export interface StatusResult {
  participant: Participant;
  state: 'idle' | 'waiting' | 'in_room';
  position?: number;
  rooms: RoomSummary[];
}

/** A join's answer as the caller sees it: `partner` is the one other member, when there is one. */
export function joinedView(
  caller: Caller,
  outcome: { room: Room; members: Member[]; recent: ChatMessage[] },
): JoinRoomResult {
  const others = outcome.members.filter((member) => member.userId !== caller.userId);
  return {
    status: 'joined',
    room: outcome.room,
    partner: others.length === 1 ? (others[0] ?? null) : null,
    members: outcome.members,
    recentMessages: outcome.recent,
  };
}
