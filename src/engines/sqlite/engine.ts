import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type {
  AppendOutcome,
  AppendRequest,
  ChatEngine,
  EnqueueOutcome,
  HistoryPage,
  HistoryRequest,
  JoinOutcome,
  JoinRequest,
  LeaveOutcome,
  LeaveRequest,
  MatchState,
  RoomAccess,
  RoomRefusal,
  TakeRequest,
  TakeResult,
} from '../../chat/engine.js';
import { StorageUnavailableError } from '../../chat/errors.js';
import type {
  ChatMessage,
  Member,
  Membership,
  MessageDraft,
  NewParticipant,
  Participant,
  Room,
  RoomSummary,
} from '../../chat/types.js';
import { LocalBus } from '../local-bus.js';
import { type Bucket, takeToken } from '../token-bucket.js';
import { migrate } from './schema.js';

export interface SqliteEngineOptions {
  /** A file path, or `:memory:` for nothing on disk. */
  path: string;
  /** Room log retention; absent or 0 keeps everything (the default). */
  retention?: { maxMessages: number; maxAgeSeconds: number };
  onListenerError?: (error: unknown) => void;
}

/** How often messages older than the retention age are deleted. */
const AGE_PRUNE_EVERY_MS = 60_000;

interface RoomRow {
  room_id: string;
  kind: 'queue' | 'named';
  capacity: number;
  created_at: number;
  ended_at: number | null;
  last_seq: number;
}

interface MemberRow {
  room_id: string;
  user_id: string;
  joined_at: number;
  joined_seq: number;
  cursor: number;
  left_at: number | null;
}

interface MessageRow {
  room_id: string;
  seq: number;
  message_id: string;
  sender_id: string;
  sender_name: string;
  body: string;
  created_at: number;
  system: number;
  disconnect: number;
}

interface ParticipantRow {
  user_id: string;
  display_name: string;
  created_at: number;
  last_seen_at: number;
}

interface MemberNameRow {
  user_id: string;
  display_name: string;
}

/**
 * How long a statement waits for a lock held by another connection (a backup, the sqlite3 shell).
 * better-sqlite3 is synchronous, so this wait blocks the whole process: keep it short.
 */
const BUSY_TIMEOUT_MS = 500;
/** After storage failed, calls fail at once for this long instead of each blocking on the lock again. */
const BACKOFF_MS = 1000;

/** SQLite result codes that mean "storage is out of reach", as opposed to a bug in a statement. */
const UNAVAILABLE_CODES = /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY|NOTADB|CORRUPT|PROTOCOL)/;

/**
 * The embedded engine: one SQLite file in WAL mode, one process. better-sqlite3 is synchronous,
 * so each method body runs as one transaction with no other JavaScript interleaved: atomicity
 * comes from SQLite transactions, wake-ups from an in-process bus.
 */
export class SqliteEngine implements ChatEngine {
  readonly bus: LocalBus;
  private readonly db: Database.Database;
  private readonly sql: ReturnType<typeof prepareStatements>;
  /** Rate-limit buckets: per process is per deployment here, since SQLite serves one instance. */
  private readonly buckets = new Map<string, Bucket>();
  /** Until when calls fail fast after a storage failure (see BACKOFF_MS); 0 while healthy. */
  private failingUntil = 0;

  private readonly maxMessages: number;
  private readonly pruneTimer: NodeJS.Timeout | undefined;

  constructor({ path, retention, onListenerError }: SqliteEngineOptions) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a commit survives a crash of this process; only a power cut can lose
    // the last commits (see the README on durability).
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    migrate(this.db);
    this.sql = prepareStatements(this.db);
    this.bus = new LocalBus(onListenerError);
    this.maxMessages = retention?.maxMessages ?? 0;
    const maxAgeMs = (retention?.maxAgeSeconds ?? 0) * 1000;
    if (maxAgeMs > 0) {
      const prune = () => this.pruneOlderThan(Date.now() - maxAgeMs);
      prune();
      this.pruneTimer = setInterval(prune, Math.min(AGE_PRUNE_EVERY_MS, maxAgeMs / 2));
      this.pruneTimer.unref();
    }
  }

  async createParticipant(p: NewParticipant): Promise<void> {
    this.run(() => this.sql.insertParticipant.run(p.userId, p.credential, p.displayName, p.now, p.now));
  }

  async findParticipant(credential: string): Promise<Participant | null> {
    const row = this.run(
      () => this.sql.participantByCredential.get(credential) as ParticipantRow | undefined,
    );
    return row ? toParticipant(row) : null;
  }

  async touchParticipant(userId: string, now: number, displayName?: string): Promise<void> {
    this.run(() => this.sql.touchParticipant.run(now, displayName ?? null, userId));
  }

  async claimIdle(cutoff: number, limit: number): Promise<string[]> {
    return this.transaction(() =>
      (this.sql.claimIdle.all({ cutoff, limit }) as { user_id: string }[]).map((row) => row.user_id),
    );
  }

  async enqueue(
    userId: string,
    { now, matchRoomId }: { now: number; matchRoomId: string },
  ): Promise<EnqueueOutcome> {
    return this.transaction((): EnqueueOutcome => {
      const active = this.sql.activeQueueRoom.get(userId) as RoomRow | undefined;
      if (active) return { kind: 'already_in_chat', roomId: active.room_id };
      const standing = this.queueStanding(userId);
      if (standing) return { kind: 'already_waiting', ...standing };
      const partner = this.sql.oldestQueuedOther.get(userId) as MemberNameRow | undefined;
      if (!partner) {
        this.sql.enqueue.run(userId, now);
        return {
          kind: 'waiting',
          ...(this.queueStanding(userId) as { position: number; queueLength: number }),
        };
      }
      this.sql.dequeue.run(partner.user_id);
      this.sql.insertRoom.run(matchRoomId, 'queue', 2, now);
      this.sql.upsertMember.run(matchRoomId, partner.user_id, now, 0, 0);
      this.sql.upsertMember.run(matchRoomId, userId, now, 0, 0);
      return { kind: 'matched', room: this.room(matchRoomId) as Room, partner: toMember(partner) };
    });
  }

  async matchState(userId: string): Promise<MatchState> {
    return this.transaction((): MatchState => {
      const active = this.sql.activeQueueRoom.get(userId) as RoomRow | undefined;
      if (active) {
        const partner = this.membersOf(active.room_id).find((member) => member.userId !== userId);
        if (partner) return { kind: 'matched', room: toRoom(active), partner };
      }
      const standing = this.queueStanding(userId);
      return standing ? { kind: 'waiting', ...standing } : { kind: 'idle' };
    });
  }

  async leaveQueue(userId: string): Promise<boolean> {
    return this.run(() => this.sql.dequeue.run(userId).changes > 0);
  }

  async joinRoom(request: JoinRequest): Promise<JoinOutcome> {
    const { roomId, userId, capacity, now, notice, recentLimit } = request;
    return this.transaction((): JoinOutcome => {
      const room = this.room(roomId);
      if (!room) {
        this.sql.insertRoom.run(roomId, 'named', capacity, now);
        this.sql.upsertMember.run(roomId, userId, now, 0, 0);
        return { kind: 'created', room: this.room(roomId) as Room, members: this.membersOf(roomId) };
      }
      if (room.endedAt !== null) return { kind: 'chat_ended' };
      const membership = this.membership(roomId, userId);
      if (membership && membership.leftAt === null) {
        const recent = this.recentBefore(roomId, room.lastSeq + 1, recentLimit);
        return { kind: 'already_member', room, members: this.membersOf(roomId), recent };
      }
      const count = (this.sql.activeMemberCount.get(roomId) as { n: number }).n;
      if (count >= room.capacity) return { kind: 'room_full' };
      const stored = this.insertMessage(roomId, notice, null);
      this.sql.upsertMember.run(roomId, userId, now, stored.seq, stored.seq);
      return {
        kind: 'joined',
        room: this.room(roomId) as Room,
        members: this.membersOf(roomId),
        recent: this.recentBefore(roomId, stored.seq, recentLimit),
        notice: stored,
      };
    });
  }

  async roomAccess(roomId: string, userId: string): Promise<RoomAccess> {
    return this.transaction(() => ({ room: this.room(roomId), membership: this.membership(roomId, userId) }));
  }

  async members(roomId: string): Promise<Member[]> {
    return this.run(() => this.membersOf(roomId));
  }

  async leaveRoom({ roomId, userId, now, farewell, endRoom }: LeaveRequest): Promise<LeaveOutcome> {
    return this.transaction((): LeaveOutcome => {
      const refused = this.refuseUnlessActive(roomId, userId);
      if (refused) return refused;
      this.sql.markLeft.run(now, roomId, userId);
      const remaining = this.membersOf(roomId);
      const stored = remaining.length > 0 ? this.insertMessage(roomId, farewell, null) : null;
      if (endRoom) this.sql.endRoom.run(now, roomId);
      return { kind: 'left', farewell: stored, remaining };
    });
  }

  async roomsOf(userId: string): Promise<RoomSummary[]> {
    return this.transaction(() =>
      (this.sql.openRoomsOf.all(userId, userId) as { room_id: string; unread: number }[]).map((row) => ({
        roomId: row.room_id,
        unread: row.unread,
        members: this.membersOf(row.room_id),
      })),
    );
  }

  async appendMessage({ roomId, userId, draft, idempotencyKey }: AppendRequest): Promise<AppendOutcome> {
    return this.transaction((): AppendOutcome => {
      if (idempotencyKey !== undefined) {
        const first = this.sql.messageByIdempotencyKey.get(roomId, userId, idempotencyKey) as
          | MessageRow
          | undefined;
        if (first) return { kind: 'duplicate', message: toMessage(first) };
      }
      const refused = this.refuseUnlessActive(roomId, userId);
      if (refused) return refused;
      const message = this.insertMessage(roomId, draft, idempotencyKey ?? null);
      const recipients = this.membersOf(roomId)
        .map((member) => member.userId)
        .filter((memberId) => memberId !== userId);
      return { kind: 'stored', message, recipients };
    });
  }

  async takeUnread({ roomId, userId, after, limit }: TakeRequest): Promise<TakeResult> {
    return this.transaction((): TakeResult => {
      const room = this.room(roomId);
      const membership = this.membership(roomId, userId);
      if (!room || !membership || membership.leftAt !== null) {
        return { messages: [], state: 'gone', cursorBefore: 0, cursorAfter: 0 };
      }
      const rows = this.sql.unreadAfter.all(
        roomId,
        after ?? membership.cursor,
        userId,
        limit,
      ) as MessageRow[];
      const messages = rows.map(toMessage);
      const newest = messages.at(-1)?.seq ?? 0;
      const cursorAfter = Math.max(membership.cursor, newest);
      if (cursorAfter !== membership.cursor) this.sql.setCursor.run(cursorAfter, roomId, userId);
      return {
        messages,
        state: room.endedAt === null ? 'open' : 'ended',
        cursorBefore: membership.cursor,
        cursorAfter,
      };
    });
  }

  async rewindCursor({
    roomId,
    userId,
    from,
    to,
  }: {
    roomId: string;
    userId: string;
    from: number;
    to: number;
  }) {
    this.run(() => this.sql.rewindCursor.run(to, roomId, userId, from));
  }

  async readHistory({ roomId, limit, before, after }: HistoryRequest): Promise<HistoryPage> {
    return this.transaction((): HistoryPage => {
      const latestSeq = this.room(roomId)?.lastSeq ?? 0;
      const upper = before ?? Number.MAX_SAFE_INTEGER;
      const rows =
        after !== undefined
          ? (this.sql.historyForward.all(roomId, after, upper, limit + 1) as MessageRow[])
          : (this.sql.historyBackward.all(roomId, upper, limit + 1) as MessageRow[]).reverse();
      const hasMore = rows.length > limit;
      // The extra row only told us there is more; it lies beyond the page in the paging direction.
      const page = hasMore ? (after !== undefined ? rows.slice(0, limit) : rows.slice(1)) : rows;
      return { messages: page.map(toMessage), hasMore, latestSeq };
    });
  }

  async takeSendToken(userId: string, request: { now: number; ratePerSecond: number; burst: number }) {
    const { bucket, taken } = takeToken(
      this.buckets.get(userId),
      request.now,
      request.ratePerSecond,
      request.burst,
    );
    this.buckets.set(userId, bucket);
    if (this.buckets.size > 10_000) this.forgetFullBuckets(request);
    return taken;
  }

  /** Proves the file is writable (takes and releases the write lock); the only call that ignores the backoff. */
  async ping(): Promise<void> {
    this.failingUntil = 0;
    this.run(() => {
      this.db.exec('BEGIN IMMEDIATE');
      this.db.exec('ROLLBACK');
    });
  }

  async close(): Promise<void> {
    clearInterval(this.pruneTimer);
    if (this.db.open) this.db.close();
  }

  /** Retention by age: deletes every message written before `cutoff`; a failure waits for the next round. */
  private pruneOlderThan(cutoff: number): void {
    try {
      this.run(() => this.sql.deleteOlderThan.run(cutoff));
    } catch {
      // Storage away: the next round catches up.
    }
  }

  /** A full bucket holds nothing worth keeping: dropping it changes no decision. */
  private forgetFullBuckets({
    now,
    ratePerSecond,
    burst,
  }: {
    now: number;
    ratePerSecond: number;
    burst: number;
  }) {
    for (const [userId, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) * ratePerSecond) / 1000 >= burst) this.buckets.delete(userId);
    }
  }

  private refuseUnlessActive(roomId: string, userId: string): RoomRefusal | null {
    const room = this.room(roomId);
    if (!room) return { kind: 'room_not_found' };
    const membership = this.membership(roomId, userId);
    if (room.endedAt !== null) return membership ? { kind: 'chat_ended' } : { kind: 'not_in_room' };
    if (!membership || membership.leftAt !== null) return { kind: 'not_in_room' };
    return null;
  }

  private insertMessage(roomId: string, draft: MessageDraft, idempotencyKey: string | null): ChatMessage {
    const seq = (this.sql.bumpSeq.get(roomId) as { last_seq: number }).last_seq;
    this.sql.insertMessage.run(
      roomId,
      seq,
      draft.messageId,
      draft.senderId,
      draft.senderName,
      draft.text,
      draft.createdAt,
      draft.system ? 1 : 0,
      draft.disconnect ? 1 : 0,
      idempotencyKey,
    );
    // Retention by count: keep the newest maxMessages of the room.
    if (this.maxMessages > 0) this.sql.deleteBeyondCount.run(roomId, seq - this.maxMessages);
    return { ...draft, roomId, seq };
  }

  private queueStanding(userId: string): { position: number; queueLength: number } | null {
    const row = this.sql.queueStanding.get(userId) as { position: number; queue_length: number } | undefined;
    return row ? { position: row.position, queueLength: row.queue_length } : null;
  }

  private room(roomId: string): Room | null {
    const row = this.sql.roomById.get(roomId) as RoomRow | undefined;
    return row ? toRoom(row) : null;
  }

  private membership(roomId: string, userId: string): Membership | null {
    const row = this.sql.membership.get(roomId, userId) as MemberRow | undefined;
    return row ? toMembership(row) : null;
  }

  private membersOf(roomId: string): Member[] {
    return (this.sql.activeMembers.all(roomId) as MemberNameRow[]).map(toMember);
  }

  private recentBefore(roomId: string, seq: number, limit: number): ChatMessage[] {
    return (this.sql.historyBackward.all(roomId, seq, limit) as MessageRow[]).reverse().map(toMessage);
  }

  private transaction<T>(body: () => T): T {
    return this.run(this.db.transaction(body));
  }

  /**
   * Runs a storage step, turning "cannot reach storage" failures into `StorageUnavailableError`.
   * The first failure wakes every parked wait (they look again and answer `unavailable` at once)
   * and starts a short backoff during which calls fail without waiting on the lock.
   */
  private run<T>(step: () => T): T {
    if (!this.db.open) throw new StorageUnavailableError('the database is closed');
    if (Date.now() < this.failingUntil) throw new StorageUnavailableError('SQLite failed a moment ago');
    try {
      return step();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code !== 'string' || !UNAVAILABLE_CODES.test(code)) throw error;
      this.failingUntil = Date.now() + BACKOFF_MS;
      this.bus.deliverToAll({ type: 'resync' });
      throw new StorageUnavailableError(`SQLite: ${code}`);
    }
  }
}

function prepareStatements(db: Database.Database) {
  const messageColumns =
    'room_id, seq, message_id, sender_id, sender_name, body, created_at, system, disconnect';
  return {
    insertParticipant: db.prepare(
      'INSERT INTO participants (user_id, credential, display_name, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)',
    ),
    participantByCredential: db.prepare(
      'SELECT user_id, display_name, created_at, last_seen_at FROM participants WHERE credential = ?',
    ),
    touchParticipant: db.prepare(
      `UPDATE participants SET last_seen_at = ?, display_name = coalesce(?, display_name), idle_claimed_at = NULL
       WHERE user_id = ?`,
    ),
    // Candidates come from the queue and open memberships, never from the whole participant table.
    claimIdle: db.prepare(
      `UPDATE participants SET idle_claimed_at = @cutoff
       WHERE user_id IN (
         SELECT p.user_id FROM (
           SELECT user_id FROM queue
           UNION
           SELECT m.user_id FROM members m JOIN rooms r ON r.room_id = m.room_id
           WHERE m.left_at IS NULL AND r.ended_at IS NULL
         ) present JOIN participants p ON p.user_id = present.user_id
         WHERE p.last_seen_at < @cutoff AND p.idle_claimed_at IS NULL
         LIMIT @limit)
       RETURNING user_id`,
    ),
    activeQueueRoom: db.prepare(
      `SELECT r.* FROM members m JOIN rooms r ON r.room_id = m.room_id
       WHERE m.user_id = ? AND m.left_at IS NULL AND r.kind = 'queue' AND r.ended_at IS NULL LIMIT 1`,
    ),
    queueStanding: db.prepare(
      `SELECT (SELECT count(*) FROM queue q2 WHERE q2.ticket <= q.ticket) AS position,
              (SELECT count(*) FROM queue) AS queue_length
       FROM queue q WHERE q.user_id = ?`,
    ),
    oldestQueuedOther: db.prepare(
      `SELECT q.user_id, p.display_name FROM queue q JOIN participants p ON p.user_id = q.user_id
       WHERE q.user_id <> ? ORDER BY q.ticket LIMIT 1`,
    ),
    enqueue: db.prepare('INSERT INTO queue (user_id, enqueued_at) VALUES (?, ?)'),
    dequeue: db.prepare('DELETE FROM queue WHERE user_id = ?'),
    insertRoom: db.prepare('INSERT INTO rooms (room_id, kind, capacity, created_at) VALUES (?, ?, ?, ?)'),
    roomById: db.prepare('SELECT * FROM rooms WHERE room_id = ?'),
    endRoom: db.prepare('UPDATE rooms SET ended_at = ? WHERE room_id = ? AND ended_at IS NULL'),
    bumpSeq: db.prepare('UPDATE rooms SET last_seq = last_seq + 1 WHERE room_id = ? RETURNING last_seq'),
    membership: db.prepare('SELECT * FROM members WHERE room_id = ? AND user_id = ?'),
    upsertMember: db.prepare(
      `INSERT INTO members (room_id, user_id, joined_at, joined_seq, cursor) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (room_id, user_id) DO UPDATE SET
         joined_at = excluded.joined_at, joined_seq = excluded.joined_seq, cursor = excluded.cursor, left_at = NULL`,
    ),
    activeMembers: db.prepare(
      `SELECT m.user_id, p.display_name FROM members m JOIN participants p ON p.user_id = m.user_id
       WHERE m.room_id = ? AND m.left_at IS NULL ORDER BY m.joined_at, m.rowid`,
    ),
    activeMemberCount: db.prepare('SELECT count(*) AS n FROM members WHERE room_id = ? AND left_at IS NULL'),
    markLeft: db.prepare('UPDATE members SET left_at = ? WHERE room_id = ? AND user_id = ?'),
    setCursor: db.prepare('UPDATE members SET cursor = ? WHERE room_id = ? AND user_id = ?'),
    rewindCursor: db.prepare(
      'UPDATE members SET cursor = ? WHERE room_id = ? AND user_id = ? AND cursor = ?',
    ),
    openRoomsOf: db.prepare(
      `SELECT m.room_id,
              (SELECT count(*) FROM messages x
               WHERE x.room_id = m.room_id AND x.seq > m.cursor AND x.sender_id <> ?) AS unread
       FROM members m JOIN rooms r ON r.room_id = m.room_id
       WHERE m.user_id = ? AND m.left_at IS NULL AND r.ended_at IS NULL ORDER BY m.joined_at`,
    ),
    insertMessage: db.prepare(
      `INSERT INTO messages (${messageColumns}, idempotency_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    messageByIdempotencyKey: db.prepare(
      `SELECT ${messageColumns} FROM messages WHERE room_id = ? AND sender_id = ? AND idempotency_key = ?`,
    ),
    unreadAfter: db.prepare(
      `SELECT ${messageColumns} FROM messages
       WHERE room_id = ? AND seq > ? AND sender_id <> ? ORDER BY seq LIMIT ?`,
    ),
    historyForward: db.prepare(
      `SELECT ${messageColumns} FROM messages WHERE room_id = ? AND seq > ? AND seq < ? ORDER BY seq LIMIT ?`,
    ),
    deleteBeyondCount: db.prepare('DELETE FROM messages WHERE room_id = ? AND seq <= ?'),
    deleteOlderThan: db.prepare('DELETE FROM messages WHERE created_at < ?'),
    historyBackward: db.prepare(
      `SELECT ${messageColumns} FROM messages WHERE room_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
    ),
  };
}

function toRoom(row: RoomRow): Room {
  return {
    roomId: row.room_id,
    kind: row.kind,
    capacity: row.capacity,
    createdAt: row.created_at,
    endedAt: row.ended_at,
    lastSeq: row.last_seq,
  };
}

function toMembership(row: MemberRow): Membership {
  return {
    roomId: row.room_id,
    userId: row.user_id,
    joinedAt: row.joined_at,
    joinedSeq: row.joined_seq,
    cursor: row.cursor,
    leftAt: row.left_at,
  };
}

function toParticipant(row: ParticipantRow): Participant {
  return {
    userId: row.user_id,
    displayName: row.display_name,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
  };
}

function toMember(row: MemberNameRow): Member {
  return { userId: row.user_id, displayName: row.display_name };
}

function toMessage(row: MessageRow): ChatMessage {
  return {
    roomId: row.room_id,
    seq: row.seq,
    messageId: row.message_id,
    senderId: row.sender_id,
    senderName: row.sender_name,
    text: row.body,
    createdAt: row.created_at,
    system: row.system === 1,
    disconnect: row.disconnect === 1,
  };
}
