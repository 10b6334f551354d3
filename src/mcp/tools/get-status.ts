import { z } from 'zod';
import type { StatusResult } from '../../chat/index.js';
import { clientId, memberShape } from './schema-parts.js';
import { member } from './shaping.js';
import { chatTool, defineTool, type Json } from './tool.js';

export const getStatus = defineTool({
  name: 'get_status',
  title: 'Show my chat status',
  description: [
    'Show where you stand: your user_id and display name, whether you are idle, waiting in the queue (with position) or in rooms, and the unread count of each room.',
    'Useful after a restart or when unsure which room_id to use.',
  ].join(' '),
  input: z.strictObject({
    client_id: z.string().meta(clientId),
  }),
  output: z.object({
    user_id: z.string(),
    display_name: z.string(),
    state: z.enum(['idle', 'waiting', 'in_room']),
    position: z.number().optional(),
    rooms: z.array(z.object({ room_id: z.string(), unread: z.number(), members: z.array(memberShape) })),
  }),
  annotations: { ...chatTool, readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  successFlag: false,
  parks: false,
  run: async (chat, args, call) =>
    shape(await chat.getStatus({ clientId: args.client_id, origin: call.origin })),
});

function shape(result: StatusResult): Json {
  const body: Json = {
    user_id: result.participant.userId,
    display_name: result.participant.displayName,
    state: result.state,
  };
  if (result.position !== undefined) body.position = result.position;
  body.rooms = result.rooms.map((room) => ({
    room_id: room.roomId,
    unread: room.unread,
    members: room.members.map(member),
  }));
  return body;
}
