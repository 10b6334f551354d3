import type Database from 'better-sqlite3';
import type { EnqueueOutcome, MatchRequest, MatchState } from '../../chat/engine.js';
import { roomValues } from './finding.js';
import { type MemberNameRow, type RoomRow, toMember, toRoom } from './rows.js';
import type { Statements } from './statements.js';

/**
 * Pairing by interests, with blocks and the last partner honoured (the rule is `MatchRequest`
 * in chat/safety-port.ts). Each function runs inside the engine's transaction.
 */

/** Queued participants one look examines per kind of candidate (sharing a tag, or anyone). */
const CANDIDATES_PER_LOOK = 50;

interface QueuedRow {
  user_id: string;
  display_name: string;
  enqueued_at: number;
  last_partner: string | null;
  tags: number;
}

export type MatchingStatements = ReturnType<typeof prepareMatching>;

export function prepareMatching(db: Database.Database) {
  const candidate = `q.user_id, p.display_name, q.enqueued_at, p.last_partner,
    (SELECT count(*) FROM queue_interests t WHERE t.user_id = q.user_id) AS tags
    FROM queue q JOIN participants p ON p.user_id = q.user_id`;
  const unblocked = `q.user_id <> @user AND NOT EXISTS (SELECT 1 FROM blocks b
    WHERE (b.blocker_id = @user AND b.blocked_id = q.user_id) OR (b.blocker_id = q.user_id AND b.blocked_id = @user))`;
  return {
    queued: db.prepare(`SELECT ${candidate} WHERE q.user_id = @user`),
    tagsOf: db.prepare('SELECT tag FROM queue_interests WHERE user_id = ? ORDER BY tag'),
    addTag: db.prepare('INSERT OR IGNORE INTO queue_interests (tag, user_id) VALUES (?, ?)'),
    sharers: db.prepare(
      `SELECT ${candidate} WHERE q.user_id IN (SELECT i.user_id FROM queue_interests i
         WHERE i.tag IN (SELECT t.tag FROM queue_interests t WHERE t.user_id = @user))
       AND ${unblocked} ORDER BY q.ticket LIMIT ${CANDIDATES_PER_LOOK}`,
    ),
    // Those who accept anyone: no interests, or waiting since the cutoff.
    open: db.prepare(
      `SELECT ${candidate} WHERE (q.enqueued_at <= @cutoff
         OR NOT EXISTS (SELECT 1 FROM queue_interests i WHERE i.user_id = q.user_id))
       AND ${unblocked} ORDER BY q.ticket LIMIT ${CANDIDATES_PER_LOOK}`,
    ),
    overdue: db.prepare('SELECT user_id FROM queue WHERE enqueued_at <= ? ORDER BY ticket LIMIT ?'),
    setLastPartner: db.prepare('UPDATE participants SET last_partner = ? WHERE user_id = ?'),
    setShared: db.prepare('UPDATE rooms SET shared_interests = ? WHERE room_id = ?'),
  };
}

/** enqueue and rematch: `onlyIfQueued` is rematch. */
export function enqueue(
  sql: Statements,
  own: MatchingStatements,
  userId: string,
  request: MatchRequest,
  onlyIfQueued: boolean,
): EnqueueOutcome | { kind: 'not_queued' } {
  const active = sql.activeQueueRoom.get(userId) as RoomRow | undefined;
  if (active) return { kind: 'already_in_chat', roomId: active.room_id };
  let fresh = false;
  if (!sql.queueStanding.get(userId)) {
    if (onlyIfQueued) return { kind: 'not_queued' };
    sql.enqueue.run(userId, request.now);
    for (const tag of request.interests ?? []) own.addTag.run(tag, userId);
    fresh = true;
  }
  const me = own.queued.get({ user: userId }) as QueuedRow;
  const partner = choosePartner(own, me, request);
  if (partner) return pair(sql, own, me, partner, request);
  return { kind: fresh ? 'waiting' : 'already_waiting', ...standing(sql, userId) };
}

function choosePartner(own: MatchingStatements, me: QueuedRow, request: MatchRequest): QueuedRow | null {
  const waitMs = request.interestWaitMs ?? 0;
  const cutoff = request.now - waitMs;
  const waited = (row: QueuedRow) => row.enqueued_at <= cutoff;
  const lastPair = (row: QueuedRow) => row.last_partner === me.user_id || me.last_partner === row.user_id;
  let fallback: QueuedRow | null = null;
  const consider = (rows: QueuedRow[]) => {
    for (const row of rows) {
      if (!lastPair(row)) return row;
      if (fallback === null && waited(row) && waited(me)) fallback = row;
    }
    return null;
  };
  if (me.tags > 0) {
    const sharer = consider(own.sharers.all({ user: me.user_id }) as QueuedRow[]);
    if (sharer) return sharer;
  }
  if (me.tags === 0 || waited(me)) {
    const anyone = consider(own.open.all({ user: me.user_id, cutoff }) as QueuedRow[]);
    if (anyone) return anyone;
  }
  return fallback;
}

function pair(
  sql: Statements,
  own: MatchingStatements,
  me: QueuedRow,
  partner: QueuedRow,
  { now, matchRoomId }: MatchRequest,
): EnqueueOutcome {
  const mine = new Set(tagsOf(own, me.user_id));
  const shared = tagsOf(own, partner.user_id).filter((tag) => mine.has(tag));
  sql.dequeue.run(partner.user_id);
  sql.dequeue.run(me.user_id);
  sql.insertRoom.run(roomValues({ roomId: matchRoomId, kind: 'queue', capacity: 2, now }));
  own.setShared.run(JSON.stringify(shared), matchRoomId);
  sql.upsertMember.run(matchRoomId, partner.user_id, now, 0, 0);
  sql.upsertMember.run(matchRoomId, me.user_id, now, 0, 0);
  own.setLastPartner.run(partner.user_id, me.user_id);
  own.setLastPartner.run(me.user_id, partner.user_id);
  const room = toRoom(sql.roomById.get(matchRoomId) as RoomRow);
  return { kind: 'matched', room, partner: toMember(partner), sharedInterests: shared };
}

export function matchState(sql: Statements, userId: string): MatchState {
  const active = sql.activeQueueRoom.get(userId) as
    | (RoomRow & { shared_interests: string | null })
    | undefined;
  if (active) {
    const members = (sql.activeMembers.all(active.room_id) as MemberNameRow[]).map(toMember);
    const partner = members.find((member) => member.userId !== userId);
    if (partner) return { kind: 'matched', room: toRoom(active), partner, sharedInterests: sharedOf(active) };
  }
  const row = sql.queueStanding.get(userId);
  return row ? { kind: 'waiting', ...standing(sql, userId) } : { kind: 'idle' };
}

export function overdueInQueue(own: MatchingStatements, cutoff: number, limit: number): string[] {
  return (own.overdue.all(cutoff, limit) as { user_id: string }[]).map((row) => row.user_id);
}

function sharedOf(row: { shared_interests: string | null }): string[] {
  return row.shared_interests === null ? [] : (JSON.parse(row.shared_interests) as string[]);
}

function tagsOf(own: MatchingStatements, userId: string): string[] {
  return (own.tagsOf.all(userId) as { tag: string }[]).map((row) => row.tag);
}

function standing(sql: Statements, userId: string): { position: number; queueLength: number } {
  const row = sql.queueStanding.get(userId) as { position: number; queue_length: number };
  return { position: row.position, queueLength: row.queue_length };
}
