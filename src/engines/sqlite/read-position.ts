import type { MarkReadOutcome, MarkReadRequest } from '../../chat/engine.js';
import type { UnreadRoom } from '../../chat/types.js';
import { type MemberRow, type MessageRow, type RoomRow, toMembership, toMessage, toRoom } from './rows.js';
import type { Statements } from './statements.js';

/** Read position: the unread summary and moving a cursor forward, each run inside one transaction. */

export function unreadSummary(sql: Statements, userId: string, exceptRoomId?: string): UnreadRoom[] {
  const rows = sql.unreadRoomsOf.all({ user: userId, except: exceptRoomId ?? '' }) as {
    room_id: string;
    cursor: number;
    unread: number;
  }[];
  return rows
    .filter((row) => row.unread > 0)
    .map((row) => ({
      roomId: row.room_id,
      count: row.unread,
      latest: toMessage(sql.newestUnread.get(row.room_id, row.cursor, userId) as MessageRow),
    }));
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
  if (cursor !== membership.cursor) sql.setCursor.run(cursor, roomId, userId);
  const remaining = (sql.unreadCount.get(roomId, cursor, userId) as { n: number }).n;
  return { kind: 'marked', cursor, remaining };
}
