import type { DirectoryPage, DirectoryRequest, HistoryPage, SearchRequest } from '../../chat/engine.js';
import { foldText } from '../../chat/search-text.js';
import type { ChatMessage, RoomListing } from '../../chat/types.js';
import { fields, integer, list, text, toMessage, toMessages } from './decode.js';
import type { Reply, ScriptName } from './scripts.js';

/** Finding rooms and messages on Redis: the directory and search scripts, with their bounds. */

type RunScript = (name: ScriptName, args: (string | number)[]) => Promise<Reply>;

/** Most directory rooms one list_rooms call looks at when a query skips rooms (README: costs). */
const DIRECTORY_BUDGET = 1000;
/** Most messages one search_messages call examines, newest first (README: costs). */
const SEARCH_BUDGET = 2000;
/** Search looks through this many of the participant's rooms, the most recently joined. */
const SEARCH_ROOMS = 200;

/** What a room's directory entry is matched against: its id and topic, folded. */
export function listingText(roomId: string, topic: string): string {
  return foldText(`${roomId}\n${topic}`);
}

export async function listRooms(
  script: RunScript,
  { query, limit, after }: DirectoryRequest,
): Promise<DirectoryPage> {
  const [rooms, nextAt, nextRoom] = list(
    await script('listRooms', [
      query ?? '',
      limit,
      DIRECTORY_BUDGET,
      after ? after.lastActivity : '',
      after ? after.roomId : '',
    ]),
  );
  const listed = list(rooms).map((row): RoomListing => {
    const [roomId, topic, members, capacity, lastActivity] = list(row);
    return {
      roomId: text(roomId),
      topic: text(topic),
      members: integer(members),
      capacity: integer(capacity),
      lastActivity: integer(lastActivity),
    };
  });
  if (nextAt === '') return { rooms: listed };
  return { rooms: listed, next: { lastActivity: integer(nextAt), roomId: text(nextRoom) } };
}

export async function searchMessages(
  script: RunScript,
  { userId, phrases, roomId, limit }: SearchRequest,
): Promise<ChatMessage[]> {
  if (phrases.length === 0) return [];
  const hits = await script('searchMessages', [
    userId,
    roomId ?? '',
    limit,
    SEARCH_BUDGET,
    SEARCH_ROOMS,
    ...phrases.map((words) => ` ${words.join(' ')} `),
  ]);
  return list(hits).map((hit) => {
    const [room, entry] = list(hit);
    return toMessage(text(room), entry);
  });
}

/** A readHistory reply: {latest seq, has more, entries, cursors of the active members}. */
export function toHistoryPage(roomId: string, reply: Reply): HistoryPage {
  const [latestSeq, hasMore, entries, cursors] = list(reply);
  const readBy: Record<string, number> = {};
  for (const [userId, cursor] of fields(cursors)) readBy[userId] = integer(cursor);
  return {
    messages: toMessages(roomId, entries),
    hasMore: integer(hasMore) === 1,
    latestSeq: integer(latestSeq),
    readBy,
  };
}
