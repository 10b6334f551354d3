import type { DirectoryPage, DirectoryRequest, HistoryPage, SearchRequest } from '../../chat/engine.js';
import { foldText } from '../../chat/search-text.js';
import type { ChatMessage, RoomListing } from '../../chat/types.js';
import { fields, integer, list, text, toMessage, toMessages } from './decode.js';
import type { SlotRun } from './room-steps.js';
import type { Reply, ScriptName } from './scripts.js';

/**
 * Finding rooms and messages on Redis: the directory (control slot, with the copy of what it
 * shows of each room) and search (the caller's joined rooms from the control slot, then each
 * room's log in its own slot, merged here newest first), with their bounds.
 */

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
  run: SlotRun,
  { userId, phrases, roomId, limit }: SearchRequest,
): Promise<ChatMessage[]> {
  if (phrases.length === 0) return [];
  const rooms =
    roomId !== undefined
      ? [roomId]
      : list(await run('joinedRooms', { control: true }, [userId, SEARCH_ROOMS])).map(text);
  // Each room is read newest first within the budget shared out among the rooms.
  const budget = Math.max(100, Math.ceil(SEARCH_BUDGET / Math.max(1, rooms.length)));
  const words = phrases.map((phrase) => ` ${phrase.join(' ')} `);
  const perRoom = await Promise.all(
    rooms.map((room) =>
      run('searchMessages', { room }, [userId, room, limit, budget, SEARCH_ROOMS, ...words]),
    ),
  );
  const hits = perRoom.flatMap((reply) =>
    list(reply).map((hit) => {
      const [room, entry] = list(hit);
      return toMessage(text(room), entry);
    }),
  );
  return hits.sort((a, b) => b.createdAt - a.createdAt).slice(0, limit);
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
