import type { MarkReadOutcome, MarkReadRequest, TakeRequest, TakeResult } from '../../chat/engine.js';
import type { UnreadRoom } from '../../chat/types.js';
import { type MemberRow, type MessageRow, type RoomRow, toMembership, toMessage, toRoom } from './rows.js';
import type { Statements } from './statements.js';

/**
 * Read position: the unread summary, handing over unread messages, and moving a cursor, each run
 * inside one transaction. Unread counts cost O(1) per room: the messages from others past a
 * cursor are last_seq - cursor - own_after, where members.own_after counts the member's own
 * messages past its cursor (raised by its sends, lowered as the cursor passes them); the newest
 * of them is found from rooms.last_sender and run_start. When retention removed messages past the
 * cursor, or a membership predates own_after (NULL), the count reads the log instead.
 *
 * Blocks: messages from senders the member blocked are not unread for it. The O(1) count cannot
 * tell them apart, so a member who blocked anybody falls back to counting the log past its cursor
 * (skipping hidden senders); a member who blocked nobody keeps the O(1) count.
 */

/** A membership's read position and its room's latest state, as the room queries select them. */
interface PositionRow {
  room_id: string;
  cursor: number;
  own_after: number | null;
  last_seq: number;
  last_sender: string | null;
  run_start: number | null;
  /** 1 when the member blocked anybody. */
  blocks: number;
}

/** Whether retention removed messages after `seq` (up to `last`). */
function trimmedAfter(sql: Statements, roomId: string, seq: number, last: number): boolean {
  if (last <= seq) return false;
  const { first } = sql.firstSeq.get(roomId) as { first: number | null };
  return first === null || first > seq + 1;
}

export function unreadCount(sql: Statements, userId: string, row: PositionRow): number {
  if (row.last_seq <= row.cursor) return 0;
  if (!row.blocks && row.own_after !== null && !trimmedAfter(sql, row.room_id, row.cursor, row.last_seq)) {
    return row.last_seq - row.cursor - row.own_after;
  }
  return (sql.unreadCount.get(row.room_id, row.cursor, userId, userId) as { n: number }).n;
}

function newestUnread(sql: Statements, userId: string, row: PositionRow): MessageRow {
  // The latest run's sender may be one the member blocked: then only the log can say.
  if (!row.blocks && row.last_sender !== null && row.run_start !== null) {
    const seq = row.last_sender === userId ? row.run_start - 1 : row.last_seq;
    const found =
      seq > row.cursor ? (sql.messageAt.get(row.room_id, seq) as MessageRow | undefined) : undefined;
    if (found) return found;
  }
  return sql.newestUnread.get(row.room_id, row.cursor, userId, userId) as MessageRow;
}

/** After a cursor moved from `from` to `to` (either way): keeps own_after exact, or unknown. */
function cursorMoved(sql: Statements, roomId: string, userId: string, from: number, to: number): void {
  if (from === to) return;
  const last = (sql.roomById.get(roomId) as RoomRow).last_seq;
  const own = (sql.membership.get(roomId, userId) as { own_after: number | null }).own_after;
  const between = (lo: number, hi: number) => (sql.ownBetween.get(roomId, lo, hi, userId) as { n: number }).n;
  let next: number | null;
  if (to >= last) next = 0;
  else if (trimmedAfter(sql, roomId, Math.min(from, to), last)) next = null;
  else if (own === null) next = between(to, last);
  else next = to > from ? own - between(from, to) : own + between(to, from);
  sql.setOwnAfter.run(next, roomId, userId);
}

export function unreadSummary(sql: Statements, userId: string, exceptRoomId?: string): UnreadRoom[] {
  const rows = sql.unreadRoomsOf.all({ user: userId, except: exceptRoomId ?? '' }) as PositionRow[];
  return rows.flatMap((row) => {
    const count = unreadCount(sql, userId, row);
    if (count === 0) return [];
    return [{ roomId: row.room_id, count, latest: toMessage(newestUnread(sql, userId, row)) }];
  });
}

/** The participant's open rooms with their unread counts, in the order joined. */
export function openRoomsOf(sql: Statements, userId: string): { roomId: string; unread: number }[] {
  const rows = sql.openRoomsOf.all(userId) as PositionRow[];
  return rows.map((row) => ({ roomId: row.room_id, unread: unreadCount(sql, userId, row) }));
}

export function markRead(sql: Statements, { roomId, userId, seq }: MarkReadRequest): MarkReadOutcome {
  const roomRow = sql.roomById.get(roomId) as RoomRow | undefined;
  if (!roomRow) return { kind: 'room_not_found' };
  const room = toRoom(roomRow);
  const memberRow = sql.membership.get(roomId, userId) as MemberRow | undefined;
  const membership = memberRow ? toMembership(memberRow) : null;
  if (!membership || membership.leftAt !== null) {
    return membership && room.endedAt !== null ? { kind: 'chat_ended' } : { kind: 'not_in_room' };
  }
  if (seq > room.lastSeq) return { kind: 'beyond_end', lastSeq: room.lastSeq };
  const cursor = Math.max(membership.cursor, seq);
  if (cursor !== membership.cursor) {
    sql.setCursor.run(cursor, roomId, userId);
    cursorMoved(sql, roomId, userId, membership.cursor, cursor);
  }
  const position = sql.membership.get(roomId, userId) as { own_after: number | null };
  const remaining = unreadCount(sql, userId, {
    room_id: roomId,
    cursor,
    own_after: position.own_after,
    last_seq: room.lastSeq,
    last_sender: null,
    run_start: null,
    blocks: (sql.blocksAnybody.get(userId) as { blocks: number }).blocks,
  });
  return { kind: 'marked', cursor, remaining };
}

export function takeUnread(sql: Statements, { roomId, userId, after, limit }: TakeRequest): TakeResult {
  const roomRow = sql.roomById.get(roomId) as RoomRow | undefined;
  const memberRow = sql.membership.get(roomId, userId) as MemberRow | undefined;
  const membership = memberRow ? toMembership(memberRow) : null;
  if (!roomRow || !membership || membership.leftAt !== null) {
    return { messages: [], state: 'gone', cursorBefore: 0, cursorAfter: 0 };
  }
  // The user twice: its own messages, and those of whom it blocked, are not handed over.
  const rows = sql.unreadAfter.all(roomId, after ?? membership.cursor, userId, userId, limit) as MessageRow[];
  const messages = rows.map(toMessage);
  const cursorAfter = Math.max(membership.cursor, messages.at(-1)?.seq ?? 0);
  if (cursorAfter !== membership.cursor) {
    sql.setCursor.run(cursorAfter, roomId, userId);
    cursorMoved(sql, roomId, userId, membership.cursor, cursorAfter);
  }
  const state = toRoom(roomRow).endedAt === null ? 'open' : 'ended';
  return { messages, state, cursorBefore: membership.cursor, cursorAfter };
}

/** Moves the cursor from `from` back to `to`, only if it still stands at `from`. */
export function rewindCursor(
  sql: Statements,
  roomId: string,
  userId: string,
  from: number,
  to: number,
): void {
  if (sql.rewindCursor.run(to, roomId, userId, from).changes > 0) cursorMoved(sql, roomId, userId, from, to);
}
