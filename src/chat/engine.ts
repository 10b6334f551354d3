import type { EventBus } from './events.js';
import type { FindingPort } from './finding-port.js';
import type { Lifetimes } from './lifetimes.js';
import type { MatchRequest, SafetyPort } from './safety-port.js';
import type { SessionRecords } from './session-records.js';
import type {
  ChatMessage,
  Member,
  Membership,
  MessageDraft,
  NewParticipant,
  Participant,
  Room,
  RoomSummary,
  RoomVisibility,
  UnreadRoom,
} from './types.js';

export * from './events.js';
export type { DirectoryCursor, DirectoryPage, DirectoryRequest, SearchRequest } from './finding-port.js';
export type { Ban, MatchRequest, Report } from './safety-port.js';

/**
 * The port the chat needs: where chat state lives and how instances wake each other.
 *
 * Implementations (engines/sqlite, engines/redis) are interchangeable; the shared contract suite
 * in test/engine-contract.ts is the executable form of the guarantees written here. Every
 * guarantee holds across all processes that share one store, not just within one process.
 *
 * General rules for every method:
 * - Each method is atomic: no other call, on any instance, observes half of it.
 * - A method that cannot reach its storage rejects with `StorageUnavailableError` and changes
 *   nothing. Refusals that are part of the chat (a full room, a missing membership) are returned
 *   as outcome values, never thrown, so the chat layer decides how to word them.
 * - Engines store what they are given. They make no product decisions: the texts of system
 *   messages, which rooms end on a leave and every validation belong to the chat layer.
 * - Once `close` was called, every method (but `close` itself, which is harmless to repeat)
 *   rejects with `StorageUnavailableError`.
 * - Every engine takes `EngineOptions` and honours them as written there: retention of the room
 *   log, and idempotency keys remembered for `IDEMPOTENCY_WINDOW_SECONDS` whatever the retention.
 */
export interface ChatEngine extends FindingPort, SafetyPort {
  /** How events reach waiters on this instance and on every other instance sharing the store. */
  readonly bus: EventBus;
  /** 2025-era MCP sessions, kept where every instance can read them (chat/session-records.ts). */
  readonly sessions: SessionRecords;

  // --- participants ---------------------------------------------------------------------------

  /** Stores a new participant. `userId` and `credential` are fresh and unique (the caller made them). */
  createParticipant(participant: NewParticipant): Promise<void>;

  /** The participant whose credential digest this is, or null. */
  findParticipant(credential: string): Promise<Participant | null>;

  /** Records activity (presence) and, when given, a new display name. */
  touchParticipant(userId: string, now: number, displayName?: string): Promise<void>;

  /**
   * Presence: up to `limit` participants whose last activity is before `cutoff` and who are
   * queued or an active member of a room that has not ended. Across all instances sharing the
   * store, each such participant is handed to exactly one caller until it is touched again; the
   * caller then takes it out of its queue and rooms.
   */
  claimIdle(cutoff: number, limit: number): Promise<string[]>;

  // --- queue and matching ---------------------------------------------------------------------

  /**
   * Pairing, in one atomic step:
   * - the participant is a member of a queue room that has not ended → `already_in_chat`;
   * - it is queued → it looks for a partner again (see `rematch`), else `already_waiting`;
   * - otherwise it joins the end of the queue with its interests; when a partner is eligible
   *   (`MatchRequest`, chat/safety-port.ts), both leave the queue and become the two members of a
   *   new queue room `matchRoomId` (capacity 2, cursors at 0, each the other's last partner)
   *   → `matched` with the partner and the interests they share; else → `waiting`.
   * Under any concurrency a participant is never matched with itself and never lands in two rooms.
   */
  enqueue(userId: string, request: MatchRequest): Promise<EnqueueOutcome>;

  /** Where the participant stands: in a queue room that has not ended, queued, or neither. */
  matchState(userId: string): Promise<MatchState>;

  /** Takes the participant out of the queue; false when it was not queued. */
  leaveQueue(userId: string): Promise<boolean>;

  // --- rooms ------------------------------------------------------------------------------------

  /**
   * Creates or joins a named room, atomically:
   * - no room `roomId` → with `createIfMissing`, create it (kind `named`, the given capacity,
   *   topic, visibility and invite) with the participant as its only member, cursor 0, no
   *   message written → `created`; without it → `room_not_found`;
   * - the room has ended → `chat_ended`; the participant is already in it → `already_member`
   *   (nothing written);
   * - the room is private and `invite` is not its invite → `room_not_found`, exactly as if it did
   *   not exist (checked before capacity: a stranger learns nothing about it);
   * - it holds `capacity` members → `room_full`;
   * - otherwise append `notice` to the log, add the member with `joinedSeq` and cursor at the
   *   notice's seq (the joiner does not receive its own notice), and return the up to
   *   `recentLimit` messages before the notice → `joined`.
   * A member who left earlier joins again like a newcomer.
   */
  joinRoom(request: JoinRequest): Promise<JoinOutcome>;

  /** The room and this participant's membership in it (null when it never joined). */
  roomAccess(roomId: string, userId: string): Promise<RoomAccess>;

  /**
   * Removes an active member, atomically: sets `leftAt`; appends `farewell` when anybody remains;
   * ends the room when `endRoom` is set. Refuses with `room_not_found`, `chat_ended` (the room had
   * already ended) or `not_in_room` (not an active member).
   */
  leaveRoom(request: LeaveRequest): Promise<LeaveOutcome>;

  /** Active (not ended) rooms the participant is a member of, with unread counts. */
  roomsOf(userId: string): Promise<RoomSummary[]>;

  /**
   * What waits for the participant, for the `unread` summary every answer carries: each active
   * (not ended) room it is a member of, but `exceptRoomId`, that has messages from others (and
   * system notices) past its cursor, with their count and the newest of them. Rooms with nothing
   * unread are left out; the order is unspecified. One call, reading only the participant's own
   * rooms: a room whose last seq is at the cursor costs no scan of its log.
   */
  unreadSummary(userId: string, exceptRoomId?: string): Promise<UnreadRoom[]>;

  // --- the log ------------------------------------------------------------------------------------

  /**
   * Appends a message from an active member of an open room, atomically with its checks:
   * seq = previous seq + 1, no gaps, no reuse. With an `idempotencyKey` already used by the same
   * sender in the same room, nothing is written and the first message comes back as `duplicate`
   * (checked before the membership: a retry after leaving still gets its first answer). Keys are
   * remembered for `IDEMPOTENCY_WINDOW_SECONDS`, even when retention has removed the message.
   * Refuses with `room_not_found`, `chat_ended` or `not_in_room`. A stored message is announced
   * by the append itself (broadcast.ts `announce`: the room's topic and each recipient's), so an
   * engine can do it in the same step as the write (on Redis, inside the append script).
   */
  appendMessage(request: AppendRequest): Promise<AppendOutcome>;

  /**
   * Hands a member what it has not been handed yet, atomically: the messages with
   * seq > (`after` ?? cursor), except the member's own, oldest first, at most `limit`; then moves
   * the cursor to the newest seq returned, never backwards. Two concurrent calls by the same
   * member without `after` never return the same message. A room that does not exist is `gone`.
   */
  takeUnread(request: TakeRequest): Promise<TakeResult>;

  /**
   * Read position: moves an active member's cursor forward to `seq`, atomically. Never back (a
   * `seq` at or below the cursor changes nothing) and never past the room's last message (refused
   * with `beyond_end`, nothing changed). Like `takeUnread`, it works in a room that has ended.
   * `remaining` counts the messages from others still past the cursor afterwards. Refuses with
   * `room_not_found`, `chat_ended` (a former member of an ended room) or `not_in_room`.
   */
  markRead(request: MarkReadRequest): Promise<MarkReadOutcome>;

  /**
   * Undoes a take whose answer could not be delivered (the wait was cancelled meanwhile): moves
   * the cursor from `from` back to `to`, only if it still stands at `from`.
   */
  rewindCursor(request: { roomId: string; userId: string; from: number; to: number }): Promise<void>;

  /**
   * History without side effects, oldest first. With `after`, the first `limit` messages past it;
   * otherwise the last `limit` messages before `before` (or before the end). `hasMore` says
   * whether more messages lie beyond the page in the direction of paging.
   */
  readHistory(request: HistoryRequest): Promise<HistoryPage>;

  // --- limits and health --------------------------------------------------------------------------

  /**
   * Token bucket per participant, shared by every instance: `ratePerSecond` tokens a second up to
   * `burst`. Takes one token and answers true, or answers false and takes nothing.
   */
  takeSendToken(
    userId: string,
    request: { now: number; ratePerSecond: number; burst: number },
  ): Promise<boolean>;

  /**
   * Token bucket per creator (`limitKey`: a subject, or a client address), shared by every
   * instance, for creating participants; the same rule as `takeSendToken`, in its own buckets.
   */
  takeCreationToken(
    limitKey: string,
    request: { now: number; ratePerSecond: number; burst: number },
  ): Promise<boolean>;

  /**
   * Registers a parked wait of a participant, shared by every instance. Waits registered longer
   * ago than `maxAgeMs` are forgotten (their instance died). When the participant then holds more
   * than `max`, the oldest beyond it are unregistered and their ids returned, for the chat to
   * answer them (`superseded`).
   */
  holdWait(request: {
    userId: string;
    waitId: string;
    now: number;
    max: number;
    maxAgeMs: number;
  }): Promise<string[]>;

  /** Unregisters a wait that ended; harmless for one already gone. */
  releaseWait(userId: string, waitId: string): Promise<void>;

  /** Resolves when storage answers; rejects with `StorageUnavailableError` otherwise. */
  ping(): Promise<void>;

  /** Releases storage and bus connections. Calls after close reject; closing twice is harmless. */
  close(): Promise<void>;
}

/**
 * What every engine is configured with, besides where its storage is. The chat layer does not
 * read these: they are the operator's policy, which each engine applies in its own storage.
 */
export interface EngineOptions {
  /** Room log retention; absent keeps everything. */
  retention?: Retention;
  /** When rooms and participants nobody uses go (lifetimes.ts); absent: the defaults there. */
  lifetimes?: Partial<Lifetimes>;
  /** A bus listener threw; the engine goes on delivering to the others. */
  onListenerError?: (error: unknown) => void;
}

/**
 * Room log retention, applied by every engine on each append to a room (so a busy room never
 * holds more than allowed) and, for rooms gone silent, in the background. 0 switches a limit off.
 * Removed messages keep their seq: numbering goes on without reuse, `latestSeq` is unchanged, and
 * cursors past them stay valid. Idempotency keys outlive retention (see `appendMessage`).
 */
export interface Retention {
  /** Most messages kept per room: the oldest go as new ones arrive. */
  maxMessages: number;
  /**
   * Messages created more than this before the newest message of their room go when it is
   * appended; a silent room's messages go within a minute or so of reaching this age.
   */
  maxAgeSeconds: number;
}

export const NO_RETENTION: Retention = { maxMessages: 0, maxAgeSeconds: 0 };

/** How long an idempotency key is remembered, by the storage's wall clock: 24 hours. */
export const IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60;

export type EnqueueOutcome =
  | { kind: 'matched'; room: Room; partner: Member; sharedInterests: string[] }
  | { kind: 'waiting'; position: number; queueLength: number }
  | { kind: 'already_waiting'; position: number; queueLength: number }
  | { kind: 'already_in_chat'; roomId: string };

export type MatchState =
  | { kind: 'matched'; room: Room; partner: Member; sharedInterests: string[] }
  | { kind: 'waiting'; position: number; queueLength: number }
  | { kind: 'idle' };

/** Why an engine refused a room operation; the chat layer words it. */
export type RoomRefusal = { kind: 'room_not_found' } | { kind: 'chat_ended' } | { kind: 'not_in_room' };

export interface JoinRequest {
  roomId: string;
  userId: string;
  /** False when the caller only wants an existing room (it presented an invite); default true. */
  createIfMissing?: boolean;
  /**
   * How a room this call creates is set up: capacity, topic ('' for none), visibility (default
   * public), and a private room's invite.
   */
  capacity: number;
  topic?: string;
  visibility?: RoomVisibility;
  newInvite?: string;
  /** What the joiner presented, for a private room. */
  invite?: string;
  now: number;
  notice: MessageDraft;
  recentLimit: number;
}

export type JoinOutcome =
  | { kind: 'created'; room: Room; members: Member[] }
  | { kind: 'joined'; room: Room; members: Member[]; recent: ChatMessage[]; notice: ChatMessage }
  | { kind: 'already_member'; room: Room; members: Member[]; recent: ChatMessage[] }
  | { kind: 'room_full' }
  | { kind: 'chat_ended' }
  | { kind: 'room_not_found' };

export interface RoomAccess {
  room: Room | null;
  membership: Membership | null;
}

export interface LeaveRequest {
  roomId: string;
  userId: string;
  now: number;
  farewell: MessageDraft;
  endRoom: boolean;
}

export type LeaveOutcome = { kind: 'left'; farewell: ChatMessage | null; remaining: Member[] } | RoomRefusal;

export interface AppendRequest {
  roomId: string;
  userId: string;
  draft: MessageDraft;
  idempotencyKey?: string;
}

export type AppendOutcome =
  /** `recipients`: user ids of the other active members, who were told. */
  | { kind: 'stored'; message: ChatMessage; recipients: string[] }
  | { kind: 'duplicate'; message: ChatMessage }
  | RoomRefusal;

export interface TakeRequest {
  roomId: string;
  userId: string;
  after?: number;
  limit: number;
}

export interface TakeResult {
  messages: ChatMessage[];
  /**
   * `open`: an active member of an open room. `ended`: an active member of a room that has ended
   * (what was left unread is still handed over). `gone`: not an active member (never joined, or
   * left), in which case nothing is handed over and no cursor moves.
   */
  state: 'open' | 'ended' | 'gone';
  /** The cursor before this take and after it (equal when nothing moved it). */
  cursorBefore: number;
  cursorAfter: number;
}

export interface MarkReadRequest {
  roomId: string;
  userId: string;
  seq: number;
}

export type MarkReadOutcome =
  | { kind: 'marked'; cursor: number; remaining: number }
  | { kind: 'beyond_end'; lastSeq: number }
  | RoomRefusal;

export interface HistoryRequest {
  roomId: string;
  limit: number;
  before?: number;
  after?: number;
}

export interface HistoryPage {
  messages: ChatMessage[];
  hasMore: boolean;
  latestSeq: number;
  /** The cursor of every active member of the room, by user id: how far each has read. */
  readBy: Record<string, number>;
}
