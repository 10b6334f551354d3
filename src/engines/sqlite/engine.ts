import { announce } from '../../chat/broadcast.js';
import {
  type AppendOutcome,
  type AppendRequest,
  type ChatEngine,
  type DirectoryPage,
  type DirectoryRequest,
  type EngineOptions,
  type EnqueueOutcome,
  type HistoryPage,
  type HistoryRequest,
  type JoinOutcome,
  type JoinRequest,
  type LeaveOutcome,
  type LeaveRequest,
  type MarkReadOutcome,
  type MarkReadRequest,
  type MatchRequest,
  type MatchState,
  NO_RETENTION,
  type RoomAccess,
  type RoomRefusal,
  type SearchRequest,
  type TakeRequest,
  type TakeResult,
} from '../../chat/engine.js';
import { lifetimesOf, sweepInterval } from '../../chat/lifetimes.js';
import type {
  ChatMessage,
  Member,
  Membership,
  MessageDraft,
  NewParticipant,
  Participant,
  Room,
  RoomSummary,
  UnreadRoom,
} from '../../chat/types.js';
import { LocalBus } from '../local-bus.js';
import { appendMessage, insertMessage, type LogRetention } from './append.js';
import { BackgroundSweep } from './background-sweep.js';
import { Checkpointer } from './checkpointer.js';
import { SharedFileBus } from './commit-watch.js';
import { listRooms, roomValues, searchMessages } from './finding.js';
import { GroupCommit } from './group-commit.js';
import { SqliteLifetimes } from './lifetimes.js';
import { SqliteLimits } from './limits.js';
import { enqueue, type MatchingStatements, matchState, overdueInQueue, prepareMatching } from './matching.js';
import { markRead, openRoomsOf, rewindCursor, takeUnread, unreadSummary } from './read-position.js';
import {
  type MemberNameRow,
  type MemberRow,
  type MessageRow,
  type ParticipantRow,
  type RoomRow,
  toMember,
  toMembership,
  toMessage,
  toParticipant,
  toRoom,
} from './rows.js';
import * as safety from './safety.js';
import { SearchBacklog } from './search-backlog.js';
import { SqliteSessionRecords } from './session-records.js';
import { SqliteStorage } from './storage.js';

export interface SqliteEngineOptions extends EngineOptions {
  /** A file path, or `:memory:` for nothing on disk. Any number of processes may share a file. */
  path: string;
  /** How often to look for other processes' commits (tests and the benchmark vary it). */
  watchIntervalMs?: number;
}

/**
 * The embedded engine: one SQLite file in WAL mode, shared by every process that opens it.
 * better-sqlite3 is synchronous, so each method body runs as one transaction with no other
 * JavaScript interleaved: atomicity comes from SQLite transactions (IMMEDIATE for writes, so
 * processes queue on the write lock), wake-ups from the shared-file bus (commit-watch.ts), or an
 * in-process bus for `:memory:`. Statements are in statements.ts, row shapes in rows.ts,
 * failures in storage.ts.
 */
export class SqliteEngine implements ChatEngine {
  readonly bus: LocalBus | SharedFileBus;
  readonly sessions: SqliteSessionRecords;
  private readonly storage: SqliteStorage;
  private readonly limits: SqliteLimits;
  private readonly retention: LogRetention;
  private readonly background: BackgroundSweep;
  private readonly lifetimes: SqliteLifetimes;
  private readonly matching: MatchingStatements;
  private readonly own: safety.SafetyStatements;
  /** Every write of a call's hot path joins this (group-commit.ts). */
  private readonly writes: GroupCommit;
  private readonly search: SearchBacklog;
  /** None for `:memory:`: there is no file to copy the WAL into. */
  private readonly checkpoints: Checkpointer | undefined;

  constructor(options: SqliteEngineOptions) {
    const { path, retention = NO_RETENTION, onListenerError, watchIntervalMs } = options;
    // A storage failure wakes every parked wait: they look again and answer `unavailable` at once.
    this.storage = new SqliteStorage(path, () => this.bus.deliverToAll({ type: 'resync' }));
    this.matching = prepareMatching(this.storage.db);
    this.own = safety.prepareSafety(this.storage.db);
    this.bus =
      path === ':memory:'
        ? new LocalBus(onListenerError)
        : new SharedFileBus({ db: this.storage.db, intervalMs: watchIntervalMs, onListenerError });
    this.sessions = new SqliteSessionRecords(this.storage, this.bus);
    this.retention = { maxMessages: retention.maxMessages, maxAgeMs: retention.maxAgeSeconds * 1000 };
    this.writes = new GroupCommit(
      this.storage,
      this.bus instanceof SharedFileBus ? this.bus.riding : undefined,
    );
    this.limits = new SqliteLimits(this.storage, this.writes);
    this.search = new SearchBacklog(this.storage);
    this.checkpoints = path === ':memory:' ? undefined : new Checkpointer(path);
    this.lifetimes = new SqliteLifetimes(this.storage.sql, lifetimesOf(options.lifetimes));
    const sweep = (now: number) => {
      this.lifetimes.sweep(now);
      this.limits.forgetFullBuckets(now);
      this.sessions.sweep(now);
      if (this.bus instanceof SharedFileBus) this.bus.prune(now);
    };
    const every = sweepInterval(this.lifetimes.lifetimes);
    this.background = new BackgroundSweep(this.storage, this.retention.maxAgeMs, sweep, every);
  }

  private get sql() {
    return this.storage.sql;
  }

  async createParticipant(p: NewParticipant): Promise<void> {
    this.storage.run(() =>
      this.sql.insertParticipant.run(
        ...[p.userId, p.credential, p.displayName, p.now, p.now, p.owner ?? null],
        this.lifetimes.forgetAfter(),
      ),
    );
  }

  async findParticipant(credential: string): Promise<Participant | null> {
    const row = this.storage.run(
      () => this.sql.participantByCredential.get(credential, Date.now()) as ParticipantRow | undefined,
    );
    return row ? toParticipant(row) : null;
  }

  async touchParticipant(userId: string, now: number, displayName?: string): Promise<void> {
    const forgetAfter = this.lifetimes.forgetAfter();
    await this.writes.submit(() =>
      this.sql.touchParticipant.run(now, displayName ?? null, forgetAfter, userId),
    );
  }

  async claimIdle(cutoff: number, limit: number): Promise<string[]> {
    return this.storage.transaction(() =>
      (this.sql.claimIdle.all({ cutoff, limit }) as { user_id: string }[]).map((row) => row.user_id),
    );
  }

  // Matching by interests: matching.ts. Blocks, reports and bans: safety.ts.
  async enqueue(userId: string, request: MatchRequest): Promise<EnqueueOutcome> {
    return this.storage.transaction(
      () => enqueue(this.sql, this.matching, userId, request, false) as EnqueueOutcome,
    );
  }

  rematch: ChatEngine['rematch'] = async (userId, request) =>
    this.storage.transaction(() => enqueue(this.sql, this.matching, userId, request, true));

  async matchState(userId: string): Promise<MatchState> {
    return this.storage.read(() => matchState(this.sql, userId));
  }

  overdueInQueue: ChatEngine['overdueInQueue'] = async (cutoff, limit) =>
    this.storage.run(() => overdueInQueue(this.matching, cutoff, limit));

  private readonly safe =
    <A extends unknown[], R>(step: (own: safety.SafetyStatements, ...args: A) => R) =>
    async (...args: A): Promise<R> =>
      this.storage.run(() => step(this.own, ...args));
  block: ChatEngine['block'] = this.safe(safety.block);
  unblock: ChatEngine['unblock'] = this.safe(safety.unblock);
  blockedBy: ChatEngine['blockedBy'] = this.safe(safety.blockedBy);
  fileReport: ChatEngine['fileReport'] = this.safe(safety.fileReport);
  listReports: ChatEngine['listReports'] = this.safe(safety.listReports);
  unban: ChatEngine['unban'] = this.safe(safety.unban);
  banOf: ChatEngine['banOf'] = this.safe(safety.banOf);
  ban: ChatEngine['ban'] = async (request) =>
    this.storage.transaction(() => safety.ban(this.sql, this.own, request));

  async leaveQueue(userId: string): Promise<boolean> {
    return this.storage.run(() => this.sql.dequeue.run(userId).changes > 0);
  }

  async joinRoom(request: JoinRequest): Promise<JoinOutcome> {
    const { roomId, userId, capacity, now, notice, recentLimit, topic = '' } = request;
    return this.storage.transaction((): JoinOutcome => {
      const room = this.room(roomId);
      if (!room) {
        if (request.createIfMissing === false) return { kind: 'room_not_found' };
        const { visibility = 'public', newInvite } = request;
        const invite = visibility === 'private' ? (newInvite ?? null) : null;
        this.sql.insertRoom.run(
          roomValues({ roomId, kind: 'named', capacity, now, topic, visibility, invite }),
        );
        this.sql.upsertMember.run(roomId, userId, now, 0, 0);
        return { kind: 'created', room: this.room(roomId) as Room, members: this.activeMembers(roomId) };
      }
      if (room.endedAt !== null) return { kind: 'chat_ended' };
      const membership = this.membership(roomId, userId);
      if (membership && membership.leftAt === null) {
        const recent = this.recentBefore(roomId, room.lastSeq + 1, recentLimit);
        return { kind: 'already_member', room, members: this.activeMembers(roomId), recent };
      }
      if (room.visibility === 'private' && (room.invite === null || request.invite !== room.invite)) {
        return { kind: 'room_not_found' };
      }
      const count = (this.sql.activeMemberCount.get(roomId) as { n: number }).n;
      if (count >= room.capacity) return { kind: 'room_full' };
      const stored = this.insertMessage(roomId, notice);
      this.sql.upsertMember.run(roomId, userId, now, stored.seq, stored.seq);
      this.lifetimes.joined(roomId);
      return {
        kind: 'joined',
        room: this.room(roomId) as Room,
        members: this.activeMembers(roomId),
        recent: this.recentBefore(roomId, stored.seq, recentLimit),
        notice: stored,
      };
    });
  }

  async roomAccess(roomId: string, userId: string): Promise<RoomAccess> {
    return this.storage.read(() => ({
      room: this.room(roomId),
      membership: this.membership(roomId, userId),
    }));
  }

  async leaveRoom({ roomId, userId, now, farewell, endRoom }: LeaveRequest): Promise<LeaveOutcome> {
    return this.storage.transaction((): LeaveOutcome => {
      const refused = this.refuseUnlessActive(roomId, userId);
      if (refused) return refused;
      this.sql.markLeft.run({ now, roomId, userId });
      const remaining = this.activeMembers(roomId);
      const stored = remaining.length > 0 ? this.insertMessage(roomId, farewell) : null;
      if (endRoom) this.lifetimes.ended(roomId, now);
      else if (remaining.length === 0) this.lifetimes.emptied(roomId);
      return { kind: 'left', farewell: stored, remaining };
    });
  }

  async roomsOf(userId: string): Promise<RoomSummary[]> {
    return this.storage.read(() =>
      openRoomsOf(this.sql, userId).map((room) => ({ ...room, members: this.activeMembers(room.roomId) })),
    );
  }

  async membersOf(roomId: string): Promise<Member[]> {
    return this.storage.run(() => this.activeMembers(roomId));
  }

  async listRooms(request: DirectoryRequest): Promise<DirectoryPage> {
    return this.storage.run(() => listRooms(this.sql, request));
  }

  async searchMessages(request: SearchRequest): Promise<ChatMessage[]> {
    this.search.catchUp();
    return this.storage.run(() => searchMessages(this.sql, request));
  }

  async unreadSummary(userId: string, exceptRoomId?: string): Promise<UnreadRoom[]> {
    // A read (after every call with a client_id): a snapshot, never the write lock.
    return this.storage.read(() => unreadSummary(this.sql, userId, exceptRoomId));
  }

  async markRead(request: MarkReadRequest): Promise<MarkReadOutcome> {
    return this.writes.submit(() => markRead(this.sql, request));
  }

  /** The writes of one turn of the event loop share a transaction (group-commit.ts). */
  async appendMessage(request: AppendRequest): Promise<AppendOutcome> {
    const outcome = await this.writes.submit(() =>
      appendMessage(this.sql, this.own, this.retention, request),
    );
    // Once committed, as the port asks; the bus rows ride in the next batch (commit-watch.ts).
    if (outcome.kind === 'stored')
      await announce(this.bus, request.roomId, outcome.message, outcome.recipients);
    return outcome;
  }

  async takeUnread(request: TakeRequest): Promise<TakeResult> {
    return this.writes.submit(() => takeUnread(this.sql, request));
  }

  async rewindCursor({ roomId, userId, from, to }: Parameters<ChatEngine['rewindCursor']>[0]) {
    await this.writes.submit(() => rewindCursor(this.sql, roomId, userId, from, to));
  }

  async readHistory({ roomId, limit, before, after }: HistoryRequest): Promise<HistoryPage> {
    return this.storage.read((): HistoryPage => {
      const latestSeq = this.room(roomId)?.lastSeq ?? 0;
      const upper = before ?? Number.MAX_SAFE_INTEGER;
      const rows =
        after !== undefined
          ? (this.sql.historyForward.all(roomId, after, upper, limit + 1) as MessageRow[])
          : (this.sql.historyBackward.all(roomId, upper, limit + 1) as MessageRow[]).reverse();
      const hasMore = rows.length > limit;
      // The extra row only told us there is more; it lies beyond the page in the paging direction.
      const page = hasMore ? (after !== undefined ? rows.slice(0, limit) : rows.slice(1)) : rows;
      const cursors = this.sql.memberCursors.all(roomId) as { user_id: string; cursor: number }[];
      const readBy = Object.fromEntries(cursors.map((row) => [row.user_id, row.cursor]));
      return { messages: page.map(toMessage), hasMore, latestSeq, readBy };
    });
  }

  // Limits (limits.ts): rate buckets and parked waits, shared by every process on the file.
  takeSendToken: ChatEngine['takeSendToken'] = async (userId, request) =>
    this.limits.takeSendToken(userId, request);
  takeCreationToken: ChatEngine['takeCreationToken'] = async (limitKey, request) =>
    this.limits.takeCreationToken(limitKey, request);
  holdWait: ChatEngine['holdWait'] = async (request) => this.limits.holdWait(request);
  releaseWait: ChatEngine['releaseWait'] = async (userId, waitId) => this.limits.releaseWait(userId, waitId);

  /** Proves the file is writable (takes and releases the write lock); the only call that ignores the backoff. */
  async ping(): Promise<void> {
    this.storage.retryNow();
    this.storage.run(() => {
      this.storage.db.exec('BEGIN IMMEDIATE');
      this.storage.db.exec('ROLLBACK');
    });
  }

  async close(): Promise<void> {
    this.writes.flush();
    this.background.stop();
    this.search.stop();
    if (this.bus instanceof SharedFileBus) this.bus.close();
    await this.checkpoints?.stop();
    this.storage.close();
  }

  private refuseUnlessActive(roomId: string, userId: string): RoomRefusal | null {
    const room = this.room(roomId);
    if (!room) return { kind: 'room_not_found' };
    const membership = this.membership(roomId, userId);
    if (room.endedAt !== null) return membership ? { kind: 'chat_ended' } : { kind: 'not_in_room' };
    if (!membership || membership.leftAt !== null) return { kind: 'not_in_room' };
    return null;
  }

  private insertMessage(roomId: string, draft: MessageDraft): ChatMessage {
    return insertMessage(this.sql, this.retention, roomId, draft);
  }

  private room(roomId: string): Room | null {
    const row = this.sql.roomById.get(roomId) as RoomRow | undefined;
    return row ? toRoom(row) : null;
  }

  private membership(roomId: string, userId: string): Membership | null {
    const row = this.sql.membership.get(roomId, userId) as MemberRow | undefined;
    return row ? toMembership(row) : null;
  }

  private activeMembers(roomId: string): Member[] {
    return (this.sql.activeMembers.all(roomId) as MemberNameRow[]).map(toMember);
  }

  private recentBefore(roomId: string, seq: number, limit: number): ChatMessage[] {
    return (this.sql.historyBackward.all(roomId, seq, limit) as MessageRow[]).reverse().map(toMessage);
  }
}
