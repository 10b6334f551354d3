import { tell } from './broadcast.js';
import type { ChatEngine, EnqueueOutcome } from './engine.js';
import type { Clock, IdSource } from './identity.js';
import type { Participants } from './participants.js';
import type { Caller, QueueStanding } from './results.js';
import { checkInterests } from './rules.js';
import { LOCAL_ORIGIN, type Member, type Origin } from './types.js';

/** How many of those who waited past the interest wait one round of the second look takes on. */
const OVERDUE_PER_ROUND = 200;

/** Contract default for MCP_CHAT_INTEREST_WAIT: 10 seconds with sharers only, then anyone. */
export const DEFAULT_INTEREST_WAIT_MS = 10_000;

/**
 * The queue: pairing by interests (sharers first, anyone after the interest wait), never with a
 * blocked participant, and not at once with the last partner. The engine chooses atomically;
 * this class tells both sides, and gives those who waited long enough a second look.
 */
export class Matchmaker {
  constructor(
    private readonly engine: ChatEngine,
    private readonly participants: Participants,
    private readonly ids: IdSource,
    private readonly clock: Clock,
    private readonly interestWaitMs = DEFAULT_INTEREST_WAIT_MS,
  ) {}

  /** enter_queue: creates a participant, or identifies one when a client_id is given. */
  async enter(input: {
    displayName?: string;
    clientId?: string;
    origin?: Origin;
    interests?: readonly string[];
  }): Promise<Caller & QueueStanding> {
    const interests = checkInterests(input.interests);
    const caller = await this.participants.callerOrNew(
      input.clientId,
      input.displayName,
      input.origin ?? LOCAL_ORIGIN,
    );
    const outcome = await this.engine.enqueue(caller.userId, this.request(interests));
    switch (outcome.kind) {
      case 'matched': {
        await this.announce(caller, outcome);
        const { partner, sharedInterests } = outcome;
        return { ...caller, status: 'matched', roomId: outcome.room.roomId, partner, sharedInterests };
      }
      case 'waiting':
      case 'already_waiting':
        return {
          ...caller,
          status: outcome.kind,
          position: outcome.position,
          queueLength: outcome.queueLength,
        };
      case 'already_in_chat':
        return { ...caller, status: 'already_in_chat', roomId: outcome.roomId };
    }
  }

  /**
   * The second look, run with the presence sweep on every instance: those queued longer than the
   * interest wait now accept anyone, so each is offered the queue again. Returns the matches made.
   */
  async matchOverdue(): Promise<number> {
    const now = this.clock.now();
    let matches = 0;
    for (const userId of await this.engine.overdueInQueue(now - this.interestWaitMs, OVERDUE_PER_ROUND)) {
      const outcome = await this.engine.rematch(userId, this.request([]));
      if (outcome.kind !== 'matched') continue;
      const members = await this.engine.membersOf(outcome.room.roomId);
      const me = members.find((member) => member.userId === userId);
      if (me) await this.announce(me, outcome);
      matches++;
    }
    return matches;
  }

  private request(interests: string[]) {
    return {
      now: this.clock.now(),
      matchRoomId: this.ids.matchRoomId(),
      interests,
      interestWaitMs: this.interestWaitMs,
    };
  }

  /** Both sides hear of the match (push, and the wake-up of wait_for_match), on any instance. */
  private async announce(me: Member, outcome: Extract<EnqueueOutcome, { kind: 'matched' }>): Promise<void> {
    const { room, partner, sharedInterests } = outcome;
    const self: Member = { userId: me.userId, displayName: me.displayName };
    const roomId = room.roomId;
    await tell(this.engine.bus, [partner.userId], {
      type: 'matched',
      roomId,
      partner: self,
      sharedInterests,
    });
    await tell(this.engine.bus, [me.userId], { type: 'matched', roomId, partner, sharedInterests });
  }
}
