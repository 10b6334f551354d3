import type { ChatMessage, Member, RoomListing } from './types.js';

/**
 * The part of the engine port (chat/engine.ts, whose general rules hold here too) that finds
 * people and what was said: members, the room directory and message search.
 */
export interface FindingPort {
  /** The active members of a room in the order they joined (empty for a room that does not exist). */
  membersOf(roomId: string): Promise<Member[]>;

  /**
   * The directory: open named public rooms with an active member, most recently active first
   * (creation and every append count; ties: room id descending). `query` (folded, see
   * chat/search-text.ts): only rooms whose folded id or topic contains it. `after` continues a
   * page; `next` is set when more may follow. Indexed by activity, so fast with 100,000 rooms; an
   * engine may bound the rooms one `query` call examines (README), returning fewer with a `next`.
   */
  listRooms(request: DirectoryRequest): Promise<DirectoryPage>;

  /**
   * Full-text search, newest first, at most `limit` messages that contain every phrase (each a
   * list of folded words that must occur in this order, see chat/search-text.ts). Only rooms the
   * participant is or was a member of (only `roomId` when given), and in a room it left only
   * messages up to its leave. System messages are not searched. An engine may bound the
   * messages one call examines (say so in the README); every hit it returns is still a match.
   */
  searchMessages(request: SearchRequest): Promise<ChatMessage[]>;
}

/** Where a directory page ends: the last room listed, by its place in the order. */
export interface DirectoryCursor {
  lastActivity: number;
  roomId: string;
}

export interface DirectoryRequest {
  query?: string;
  limit: number;
  after?: DirectoryCursor;
}

export interface DirectoryPage {
  rooms: RoomListing[];
  next?: DirectoryCursor;
}

export interface SearchRequest {
  userId: string;
  phrases: string[][];
  roomId?: string;
  limit: number;
}
