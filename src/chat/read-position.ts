import type { ChatEngine } from './engine.js';
import { ChatError } from './errors.js';
import { refusal } from './notices.js';
import type { Participants } from './participants.js';
import type { MarkReadResult, UnreadNote } from './results.js';
import { checkRoomId, checkSeq } from './rules.js';
import type { Origin } from './types.js';

/** How much of the newest unread message the `unread` summary quotes, in characters. */
export const UNREAD_PREVIEW_CHARS = 200;

export interface MarkReadInput {
  roomId: string;
  clientId: string;
  seq: number;
  origin?: Origin;
}

/**
 * Read position: what waits for a participant in its rooms, and moving its cursor forward when it
 * saw messages some other way (a channel event, get_messages) so no wait hands them over again.
 */
export class ReadPosition {
  constructor(
    private readonly engine: ChatEngine,
    private readonly participants: Participants,
  ) {}

  /** mark_read: moves the caller's cursor forward to `seq`. */
  async markReadFor(input: MarkReadInput): Promise<MarkReadResult> {
    const roomId = checkRoomId(input.roomId);
    const seq = checkSeq('seq', input.seq) ?? 0;
    const caller = await this.participants.identify(input.clientId, input.origin?.subject);
    return this.markRead(roomId, caller.userId, seq, 'seq');
  }

  /**
   * The `unread` of an answer to a call that already identified the caller (so no ownership
   * check here); [] for a client_id nobody has.
   */
  async unreadFor(clientId: string, exceptRoomId?: string): Promise<UnreadNote[]> {
    const userId = await this.participants.userIdOf(clientId);
    return userId === null ? [] : this.unreadElsewhere(userId, exceptRoomId);
  }

  /**
   * The rooms but `exceptRoomId` where messages from others wait, the most recently active
   * first: one engine call, over the participant's own rooms only.
   */
  async unreadElsewhere(userId: string, exceptRoomId?: string): Promise<UnreadNote[]> {
    const rooms = await this.engine.unreadSummary(userId, exceptRoomId);
    return rooms
      .sort((a, b) => b.latest.createdAt - a.latest.createdAt)
      .map((room) => ({
        roomId: room.roomId,
        count: room.count,
        latest: {
          sender: room.latest.senderName,
          // By code point, so a preview never ends in half a surrogate pair.
          message: Array.from(room.latest.text).slice(0, UNREAD_PREVIEW_CHARS).join(''),
          seq: room.latest.seq,
        },
      }));
  }

  /** send_message's `read_up_to`, for a caller already identified. */
  async readUpTo(roomId: string, userId: string, seq: number | undefined): Promise<void> {
    const checked = checkSeq('read_up_to', seq);
    if (checked !== undefined) await this.markRead(roomId, userId, checked, 'read_up_to');
  }

  /** Moves the cursor forward to `seq` (never back); `argument` names it in a refusal. */
  private async markRead(
    roomId: string,
    userId: string,
    seq: number,
    argument: string,
  ): Promise<MarkReadResult> {
    const outcome = await this.engine.markRead({ roomId, userId, seq });
    switch (outcome.kind) {
      case 'marked':
        return { roomId, readUpTo: outcome.cursor, remaining: outcome.remaining };
      case 'beyond_end':
        throw new ChatError(
          'invalid_argument',
          `${argument} ${seq} is past the last message of room ${roomId} (seq ${outcome.lastSeq}). Pass the seq of a message you have seen.`,
        );
      default:
        throw refusal(roomId, outcome);
    }
  }
}
