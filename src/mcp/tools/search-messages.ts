import { z } from 'zod';
import { SEARCH_LIMIT, SEARCH_QUERY_MAX_LENGTH } from '../../chat/index.js';
import { clientId, messageShape, optional, roomIdRule } from './schema-parts.js';
import { message } from './shaping.js';
import { chatTool, defineTool } from './tool.js';

export const searchMessages = defineTool({
  name: 'search_messages',
  title: 'Search what was said',
  description: [
    'Search the messages of the rooms you are in or were in (also after you left), newest first; each hit is a message with its room_id.',
    'Search before asking someone again for something they may already have said (an address, a decision, a link).',
    'The query is plain words, all of which must occur (case and accents do not matter); put words in double quotes to find them as a phrase.',
    'Pass room_id to search one room only.',
  ].join(' '),
  input: z.strictObject({
    client_id: z.string().meta(clientId),
    query: z.string().meta({
      minLength: 1,
      maxLength: SEARCH_QUERY_MAX_LENGTH,
      description: 'Words to find, such as: meeting "next tuesday"',
    }),
    room_id: optional(z.string(), { ...roomIdRule, description: 'Search only this room.' }),
    limit: optional(z.number(), {
      type: 'integer',
      minimum: SEARCH_LIMIT.min,
      maximum: SEARCH_LIMIT.max,
      description: `Most hits to return (default ${SEARCH_LIMIT.default}).`,
    }),
  }),
  output: z.object({ messages: z.array(messageShape.extend({ room_id: z.string() })) }),
  annotations: { ...chatTool, readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  successFlag: false,
  parks: false,
  run: async (chat, args, call) => {
    const hits = await chat.finder.searchMessages({
      clientId: args.client_id,
      origin: call.origin,
      query: args.query,
      roomId: args.room_id,
      limit: args.limit,
    });
    return { messages: hits.map((hit) => ({ room_id: hit.roomId, ...message(hit) })) };
  },
});
