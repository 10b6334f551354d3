import type { ChatEngine, DirectoryCursor, HistoryPage } from './engine.js';
import { ChatError } from './errors.js';
import type { Participants } from './participants.js';
import { checkLimit, checkQuery, checkRoomId, DIRECTORY_LIMIT, SEARCH_LIMIT } from './rules.js';
import { foldText, searchPhrases } from './search-text.js';
import type { ChatMessage, Origin, RoomListing } from './types.js';

/** Finding people and what was said: the room directory and message search. */

export interface DirectoryResult {
  rooms: RoomListing[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

/** A query as a caller asks it: with its client_id, and who it is to access control. */
export type Asked<Query> = Query & { clientId: string; origin?: Origin };

/** `cursor` is a `nextCursor` from the page before. */
export interface DirectoryQuery {
  query?: string;
  limit?: number;
  cursor?: string;
}

export interface SearchQuery {
  query: string;
  roomId?: string;
  limit?: number;
}

/** A page of the directory. */
export async function listRooms(engine: ChatEngine, input: DirectoryQuery): Promise<DirectoryResult> {
  const limit = checkLimit(input.limit, DIRECTORY_LIMIT);
  const query =
    input.query === undefined ? '' : foldText(checkQuery(input.query, { required: false }).trim());
  const after = input.cursor === undefined ? undefined : decodeCursor(input.cursor);
  const page = await engine.listRooms({ query: query === '' ? undefined : query, limit, after });
  return page.next ? { rooms: page.rooms, nextCursor: encodeCursor(page.next) } : { rooms: page.rooms };
}

/** Messages with every word and phrase of `query`, newest first, from the caller's rooms only. */
export async function searchMessages(
  engine: ChatEngine,
  userId: string,
  input: SearchQuery,
): Promise<ChatMessage[]> {
  const query = checkQuery(input.query, { required: true });
  const roomId = input.roomId === undefined ? undefined : checkRoomId(input.roomId);
  const limit = checkLimit(input.limit, SEARCH_LIMIT);
  const hits = await engine.searchMessages({ userId, phrases: searchPhrases(query), roomId, limit });
  if (hits.length === 0) return hits;
  // Those the caller blocked are not found either.
  const hidden = new Set(await engine.blockedBy(userId));
  return hidden.size === 0 ? hits : hits.filter((hit) => !hidden.has(hit.senderId));
}

/** Cursors are opaque to callers: the last room's activity and id, base64url. */
function encodeCursor(cursor: DirectoryCursor): string {
  return Buffer.from(`${cursor.lastActivity}:${cursor.roomId}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): DirectoryCursor {
  const [at, roomId] = splitOnce(Buffer.from(cursor, 'base64url').toString('utf8'));
  const lastActivity = Number(at);
  if (!Number.isSafeInteger(lastActivity) || lastActivity < 0 || roomId === undefined) {
    throw new ChatError('invalid_argument', 'cursor must be a next_cursor returned by list_rooms.');
  }
  return { lastActivity, roomId };
}

function splitOnce(value: string): [string, string | undefined] {
  const colon = value.indexOf(':');
  return colon === -1 ? [value, undefined] : [value.slice(0, colon), value.slice(colon + 1)];
}

/** The tools that find rooms and messages, for a caller identified by its client_id. */
export class Finder {
  constructor(
    private readonly engine: ChatEngine,
    private readonly participants: Participants,
  ) {}

  /** The directory: open public rooms with people in them, most recently active first. */
  async listRooms(input: Asked<DirectoryQuery>): Promise<DirectoryResult> {
    await this.participants.identify(input.clientId, input.origin?.subject);
    return listRooms(this.engine, input);
  }

  /** Full-text search of what was said in the rooms the caller is or was in, newest first. */
  async searchMessages(input: Asked<SearchQuery>): Promise<ChatMessage[]> {
    const caller = await this.participants.identify(input.clientId, input.origin?.subject);
    return searchMessages(this.engine, caller.userId, input);
  }
}

/** read_by shows how far the others have read; the caller knows its own place. */
export function othersReadBy(page: HistoryPage, userId: string): HistoryPage {
  const { [userId]: _own, ...readBy } = page.readBy;
  return { ...page, readBy };
}
