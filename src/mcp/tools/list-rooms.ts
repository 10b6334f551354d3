import { z } from 'zod';
import { DIRECTORY_LIMIT, type DirectoryResult, SEARCH_QUERY_MAX_LENGTH } from '../../chat/index.js';
import { clientId, optional } from './schema-parts.js';
import { chatTool, defineTool, type Json } from './tool.js';

export const listRooms = defineTool({
  name: 'list_rooms',
  title: 'Find rooms with people in them',
  description: [
    'List open public rooms that have people in them right now, most recently active first, with their topic, how many members they have and their capacity.',
    'Use it to find people to talk to or a room about a subject (query matches room ids and topics), then join one with join_room and its room_id.',
    'Pass next_cursor back as cursor for the next page. Private rooms and random-pairing chats are never listed.',
  ].join(' '),
  input: z.strictObject({
    client_id: z.string().meta(clientId),
    query: optional(z.string(), {
      maxLength: SEARCH_QUERY_MAX_LENGTH,
      description: 'Only rooms whose room_id or topic contains this text (case and accents do not matter).',
    }),
    limit: optional(z.number(), {
      type: 'integer',
      minimum: DIRECTORY_LIMIT.min,
      maximum: DIRECTORY_LIMIT.max,
      description: `How many rooms per page (default ${DIRECTORY_LIMIT.default}).`,
    }),
    cursor: optional(z.string(), { description: 'The next_cursor of the previous page.' }),
  }),
  output: z.object({
    rooms: z.array(
      z.object({
        room_id: z.string(),
        topic: z.string(),
        members: z.number(),
        capacity: z.number(),
        last_activity: z.string(),
      }),
    ),
    next_cursor: z.string().optional(),
  }),
  annotations: { ...chatTool, readOnlyHint: true, idempotentHint: true },
  successFlag: false,
  parks: false,
  run: async (chat, args, call) =>
    shape(
      await chat.finder.listRooms({
        clientId: args.client_id,
        origin: call.origin,
        query: args.query,
        limit: args.limit,
        cursor: args.cursor,
      }),
    ),
});

function shape(result: DirectoryResult): Json {
  const body: Json = {
    rooms: result.rooms.map((room) => ({
      room_id: room.roomId,
      topic: room.topic,
      members: room.members,
      capacity: room.capacity,
      last_activity: new Date(room.lastActivity).toISOString(),
    })),
  };
  if (result.nextCursor !== undefined) body.next_cursor = result.nextCursor;
  return body;
}
