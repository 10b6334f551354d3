import { announce, tell } from './broadcast.js';
import type { ChatEngine, LeaveReason } from './engine.js';
import type { Clock, IdSource } from './identity.js';
import { leftNotice, PARTNER_LEFT_NOTICE, refusal, systemMessage } from './notices.js';
import type { Member, Room } from './types.js';

/** Leaving: by leave_chat, or by the idle sweep on someone's behalf. */
export class Departures {
  constructor(
    private readonly engine: ChatEngine,
    private readonly ids: IdSource,
    private readonly clock: Clock,
  ) {}

  /** Writes the leave, then tells whoever remains (system message and `partner_left`). */
  async leave(room: Room, leaver: Member, reason: LeaveReason): Promise<void> {
    const now = this.clock.now();
    const farewell =
      room.capacity === 2
        ? { ...systemMessage(this.ids, PARTNER_LEFT_NOTICE, now), disconnect: true }
        : systemMessage(this.ids, leftNotice(leaver.displayName), now);
    const outcome = await this.engine.leaveRoom({
      roomId: room.roomId,
      userId: leaver.userId,
      now,
      farewell,
      endRoom: room.kind === 'queue',
    });
    if (outcome.kind !== 'left') throw refusal(room.roomId, outcome);
    const remaining = outcome.remaining.map((member) => member.userId);
    if (outcome.farewell) await announce(this.engine.bus, room.roomId, outcome.farewell, remaining);
    const written = outcome.farewell
      ? { seq: outcome.farewell.seq, messageId: outcome.farewell.messageId }
      : undefined;
    await tell(this.engine.bus, remaining, {
      type: 'partner_left',
      roomId: room.roomId,
      member: leaver,
      reason,
      ...(written ? { farewell: written } : {}),
    });
  }

  /** Out of the queue and every room, exactly as if the participant had called leave_chat in each. */
  async leaveEverything(userId: string, reason: LeaveReason): Promise<void> {
    await this.engine.leaveQueue(userId);
    for (const summary of await this.engine.roomsOf(userId)) {
      const self = summary.members.find((member) => member.userId === userId);
      const access = await this.engine.roomAccess(summary.roomId, userId);
      if (self && access.room) await this.leave(access.room, self, reason);
    }
  }
}
