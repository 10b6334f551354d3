import { requireReader } from './access.js';
import { tell } from './broadcast.js';
import type { Ban, ChatEngine, Report } from './engine.js';
import { ChatError } from './errors.js';
import type { Clock, IdSource } from './identity.js';
import type { Participants } from './participants.js';
import { checkReportReason, checkRoomId, checkUserId } from './rules.js';
import type { ChatMessage, Origin } from './types.js';

/** How far back a report looks for the reported participant's messages, per room. */
const REPORT_LOOKBACK = 100;
/** Most message ids one report keeps. */
const REPORT_MESSAGE_IDS = 50;

/** A call about another participant, as a caller makes it. */
export interface AboutSomeone {
  clientId: string;
  origin?: Origin;
  userId: string;
}

/**
 * Keeping people safe: blocks (never matched again; the blocked one's messages hidden from the
 * blocker everywhere), reports for operators, and bans, which operators give from any process
 * on the same storage (mcp-chat admin) and which reach every instance through the bus.
 */
export class Safety {
  constructor(
    private readonly engine: ChatEngine,
    private readonly participants: Participants,
    private readonly ids: IdSource,
    private readonly clock: Clock,
    /** Takes a participant out of its queue and rooms, as leave_chat would. */
    private readonly leaveEverything: (userId: string) => Promise<void>,
  ) {}

  /** block_user: repeating it changes nothing. */
  async block(input: AboutSomeone): Promise<void> {
    const { caller, userId } = await this.about(input);
    await this.engine.block({ blockerId: caller, blockedId: userId, now: this.clock.now() });
  }

  /** unblock_user: false when there was no block. */
  async unblock(input: AboutSomeone): Promise<boolean> {
    const { caller, userId } = await this.about(input);
    return this.engine.unblock(caller, userId);
  }

  /**
   * report_user: stored for operators with the ids of the reported one's messages the reporter
   * could read (in `roomId`, or else in the open rooms they share).
   */
  async report(input: AboutSomeone & { reason: string; roomId?: string }): Promise<Report> {
    const reason = checkReportReason(input.reason);
    const roomId = input.roomId === undefined ? undefined : checkRoomId(input.roomId);
    const { caller, userId } = await this.about(input);
    let rooms: string[];
    if (roomId !== undefined) {
      await requireReader(this.engine, roomId, caller);
      rooms = [roomId];
    } else {
      rooms = (await this.engine.roomsOf(caller))
        .filter((room) => room.members.some((member) => member.userId === userId))
        .map((room) => room.roomId);
    }
    const messages: ChatMessage[] = [];
    for (const room of rooms) {
      const page = await this.engine.readHistory({ roomId: room, limit: REPORT_LOOKBACK });
      messages.push(...page.messages.filter((message) => message.senderId === userId));
    }
    messages.sort((a, b) => b.createdAt - a.createdAt);
    const report: Report = {
      reportId: `rep_${this.ids.messageId()}`,
      reporterId: caller,
      reportedId: userId,
      reason,
      roomId: roomId ?? null,
      messageIds: messages.slice(0, REPORT_MESSAGE_IDS).map((message) => message.messageId),
      createdAt: this.clock.now(),
    };
    await this.engine.fileReport(report);
    return report;
  }

  /**
   * An operator's ban: stored (which takes the participant out of the queue), its parked waits
   * told on every instance, then it leaves every room as with leave_chat, so partners hear it left.
   */
  async ban(userId: string, reason: string): Promise<boolean> {
    const fresh = await this.engine.ban({ userId, reason, now: this.clock.now() });
    await tell(this.engine.bus, [userId], { type: 'banned' });
    await this.leaveEverything(userId);
    return fresh;
  }

  unban(userId: string): Promise<boolean> {
    return this.engine.unban(userId);
  }

  banOf(userId: string): Promise<Ban | null> {
    return this.engine.banOf(userId);
  }

  listReports(limit: number): Promise<Report[]> {
    return this.engine.listReports(limit);
  }

  /** The messages the participant may see: none from those it blocked. */
  async visibleTo(userId: string, messages: ChatMessage[]): Promise<ChatMessage[]> {
    if (messages.length === 0) return messages;
    const hidden = new Set(await this.engine.blockedBy(userId));
    return hidden.size === 0 ? messages : messages.filter((message) => !hidden.has(message.senderId));
  }

  private async about(input: AboutSomeone): Promise<{ caller: string; userId: string }> {
    const userId = checkUserId(input.userId);
    const caller = await this.participants.identify(input.clientId, input.origin?.subject);
    if (userId === caller.userId) {
      throw new ChatError('invalid_argument', 'user_id is your own: name the other participant.');
    }
    return { caller: caller.userId, userId };
  }
}
