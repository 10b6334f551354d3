import { refuseStranger } from './access.js';
import { announce, tell } from './broadcast.js';
import type { ChatEngine } from './engine.js';
import { type Clock, type IdSource, newInvite } from './identity.js';
import { chatEnded, joinedNotice, roomFull, roomNotFound, systemMessage } from './notices.js';
import type { Participants } from './participants.js';
import type { Caller, JoinRoomResult } from './results.js';
import { RECENT_ON_JOIN } from './rules.js';
import type { ChatMessage, Member, Origin, Room, RoomVisibility } from './types.js';

/** A join_room call whose arguments have been checked. */
export interface Arrival {
  roomId: string;
  displayName: string;
  clientId: string | undefined;
  origin: Origin;
  capacity: number;
  visibility: RoomVisibility;
  /** What the room is about ('' for nothing), for a room this call creates. */
  topic: string;
  invite: string | undefined;
}

/** Joining named rooms: creating them (public or private), and coming in (with an invite for a private one). */
export class Arrivals {
  constructor(
    private readonly engine: ChatEngine,
    private readonly participants: Participants,
    private readonly ids: IdSource,
    private readonly clock: Clock,
  ) {}

  async join(arrival: Arrival): Promise<Caller & JoinRoomResult> {
    const { roomId, invite, visibility } = arrival;
    // A newcomer refused at the door would leave an identity nobody holds: look before creating one.
    if (arrival.clientId === undefined) await refuseStranger(this.engine, roomId, invite);
    const caller = await this.participants.callerOrNew(arrival.clientId, arrival.displayName, arrival.origin);
    const now = this.clock.now();
    const outcome = await this.engine.joinRoom({
      roomId,
      userId: caller.userId,
      // An invite is for a room that exists: it never creates one.
      createIfMissing: invite === undefined,
      capacity: arrival.capacity,
      visibility,
      topic: arrival.topic,
      newInvite: visibility === 'private' ? newInvite(this.ids) : undefined,
      invite,
      now,
      notice: systemMessage(this.ids, joinedNotice(caller.displayName), now),
      recentLimit: RECENT_ON_JOIN,
    });
    switch (outcome.kind) {
      case 'room_not_found':
        throw roomNotFound(roomId);
      case 'room_full':
        throw roomFull(roomId);
      case 'chat_ended':
        throw chatEnded(roomId);
      case 'created':
        return { ...caller, status: 'room_created', room: outcome.room, members: outcome.members };
      case 'joined': {
        const others = outcome.members.filter((m) => m.userId !== caller.userId).map((m) => m.userId);
        await announce(this.engine.bus, roomId, outcome.notice, others);
        const joiner: Member = { userId: caller.userId, displayName: caller.displayName };
        await tell(this.engine.bus, others, { type: 'member_joined', roomId, member: joiner });
        return { ...caller, ...joinedView(caller, outcome) };
      }
      case 'already_member':
        return { ...caller, ...joinedView(caller, outcome) };
    }
  }
}

function joinedView(
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
