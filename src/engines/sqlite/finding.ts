import type { DirectoryPage, DirectoryRequest, SearchRequest } from '../../chat/engine.js';
import { foldText } from '../../chat/search-text.js';
import type { ChatMessage, RoomVisibility } from '../../chat/types.js';
import { type ListingRow, type MessageRow, toListing, toMessage } from './rows.js';
import type { Statements } from './statements.js';

/** Finding rooms and messages: the directory and full-text search, each one indexed statement. */

/**
 * A new room's row, as the `insertRoom` statement takes it, with what its directory entry is
 * matched against: its id and topic, folded.
 */
export function roomValues(room: {
  roomId: string;
  kind: 'queue' | 'named';
  capacity: number;
  now: number;
  topic?: string;
  visibility?: RoomVisibility;
  invite?: string | null;
}) {
  const { topic = '', visibility = 'public', invite = null } = room;
  return { ...room, topic, visibility, invite, listingText: foldText(`${room.roomId}\n${topic}`) };
}

export function listRooms(sql: Statements, { query, limit, after }: DirectoryRequest): DirectoryPage {
  const rows = sql.listRooms.all({
    at: after?.lastActivity ?? Number.MAX_SAFE_INTEGER,
    room: after?.roomId ?? '',
    query: query ?? null,
    limit: limit + 1,
  }) as ListingRow[];
  const rooms = rows.slice(0, limit).map(toListing);
  const last = rooms.at(-1);
  return rows.length > limit && last
    ? { rooms, next: { lastActivity: last.lastActivity, roomId: last.roomId } }
    : { rooms };
}

/**
 * Each phrase becomes one FTS5 string ("word word"), all of them required. Words are letters and
 * digits only (chat/search-text.ts), so nothing the caller typed is read as FTS5 syntax.
 */
export function searchMessages(
  sql: Statements,
  { userId, phrases, roomId, limit }: SearchRequest,
): ChatMessage[] {
  if (phrases.length === 0) return [];
  const match = phrases.map((words) => `"${words.join(' ')}"`).join(' ');
  const rows = sql.searchMessages.all({ user: userId, match, room: roomId ?? null, limit }) as MessageRow[];
  return rows.map(toMessage);
}
