import { z } from 'zod';
import { HISTORY_LIMIT } from '../../chat/index.js';
import { clientId, messageShape, optional, roomId, seq } from './schema-parts.js';
import { message } from './shaping.js';
import { chatTool, defineTool } from './tool.js';

export const getMessages = defineTool({
  name: 'get_messages',
  title: 'Read chat history',
  description: [
    "Read a room's history without waiting and without marking anything as read.",
    'Returns the latest messages by default, oldest first; pass before (a seq) to page back, or after to page forward.',
    'read_by says, for each other member, the seq up to which they have read.',
    'To follow a live conversation use wait_for_message instead; to find something said long ago, search_messages.',
  ].join(' '),
  input: z.strictObject({
    room_id: roomId,
    client_id: z.string().meta(clientId),
    limit: optional(z.number(), {
      type: 'integer',
      minimum: HISTORY_LIMIT.min,
      maximum: HISTORY_LIMIT.max,
      description: `How many messages (default ${HISTORY_LIMIT.default}).`,
    }),
    before: seq('Return messages with seq lower than this (page backwards).'),
    after: seq('Return messages with seq greater than this (page forwards).'),
  }),
  output: z.object({
    room_id: z.string(),
    messages: z.array(messageShape),
    has_more: z.boolean(),
    latest_seq: z.number(),
    read_by: z.record(z.string(), z.number()),
  }),
  annotations: { ...chatTool, readOnlyHint: true, idempotentHint: true },
  successFlag: false,
  parks: false,
  run: async (chat, args, call) => {
    const page = await chat.getMessages({
      origin: call.origin,
      roomId: args.room_id,
      clientId: args.client_id,
      limit: args.limit,
      before: args.before,
      after: args.after,
    });
    return {
      room_id: args.room_id,
      messages: page.messages.map(message),
      has_more: page.hasMore,
      latest_seq: page.latestSeq,
      read_by: page.readBy,
    };
  },
});
