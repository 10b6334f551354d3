import type { EnqueueOutcome } from './engine.js';

/**
 * The part of the engine port (chat/engine.ts, whose general rules hold here too) that keeps
 * people safe and matching fair: blocks, reports, bans, and the queue's second look at those who
 * waited long enough to be matched with anyone.
 *
 * Blocks are also honoured by the engine's own reads: `takeUnread`, `unreadSummary`, `roomsOf`
 * and `markRead` never count or hand over messages whose sender the member blocked (its cursor
 * simply goes on past them when later messages are handed over), `appendMessage` leaves those
 * who blocked the sender out of its `recipients`, and `enqueue` never pairs two participants of
 * whom either blocked the other.
 */
export interface SafetyPort {
  /** Records that `blockerId` blocks `blockedId`; repeating it changes nothing. */
  block(request: { blockerId: string; blockedId: string; now: number }): Promise<void>;

  /** Lifts a block; false when there was none. */
  unblock(blockerId: string, blockedId: string): Promise<boolean>;

  /** Whom the participant blocked. */
  blockedBy(userId: string): Promise<string[]>;

  /** Stores a report for operators. */
  fileReport(report: Report): Promise<void>;

  /** The newest reports first, at most `limit`. */
  listReports(limit: number): Promise<Report[]>;

  /**
   * Bans a participant, atomically taking it out of the queue; its rooms are the chat layer's to
   * leave (with the usual notices). False when it was banned already (the reason is kept).
   */
  ban(request: { userId: string; reason: string; now: number }): Promise<boolean>;

  /** Lifts a ban; false when there was none. */
  unban(userId: string): Promise<boolean>;

  /** The participant's ban, or null. */
  banOf(userId: string): Promise<Ban | null>;

  /**
   * The queue's second look: up to `limit` queued participants who arrived at or before `cutoff`
   * (so they now accept anyone), oldest first.
   */
  overdueInQueue(cutoff: number, limit: number): Promise<string[]>;

  /**
   * `enqueue` for a participant that is queued already, looking for a partner again with the
   * time that has passed; `not_queued` (nothing written) when it is not queued.
   */
  rematch(userId: string, request: MatchRequest): Promise<EnqueueOutcome | { kind: 'not_queued' }>;
}

/**
 * How `enqueue` and `rematch` choose a partner, atomically. Eligible are the other queued
 * participants of whom neither blocked the other. A participant accepts someone who shares one
 * of its interests at once, and anyone once it has waited `interestWaitMs` (at once, if it gave
 * no interests). A pair is matched when each accepts the other; the two members of the last
 * queue room either was in (its `lastPartner`) only when both have waited `interestWaitMs`. The
 * partner is the oldest arrival among those sharing a tag, else the oldest among the others,
 * else the last partner. Engines may bound how many queued participants one call looks at (the
 * README says how many); every partner they choose is still eligible.
 */
export interface MatchRequest {
  now: number;
  matchRoomId: string;
  /** Folded tags (see chat/matching.ts); stored with a new arrival, ignored for one queued already. */
  interests?: readonly string[];
  interestWaitMs?: number;
}

export interface Report {
  reportId: string;
  reporterId: string;
  reportedId: string;
  reason: string;
  roomId: string | null;
  /** Ids of the reported participant's messages that the reporter could read, newest first. */
  messageIds: string[];
  createdAt: number;
}

export interface Ban {
  userId: string;
  reason: string;
  bannedAt: number;
}
