import { z } from 'zod';
import { clientId, roomId } from './schema-parts.js';
import { chatTool, defineTool } from './tool.js';

export const markRead = defineTool({
  name: 'mark_read',
  title: 'Mark messages as read',
  description: [
    'Tell the server you have read a room up to a message (its seq), for example after a channel event or get_messages showed it to you.',
    'wait_for_message then does not hand you those messages again; later ones still come. The read position only moves forward.',
    'send_message takes the same thing as read_up_to, so answering a message you saw and marking it read is one call.',
  ].join(' '),
  input: z.strictObject({
    room_id: roomId,
    client_id: z.string().meta(clientId),
    seq: z.number().meta({
      type: 'integer',
      minimum: 0,
      description: 'The seq of the newest message you have read; at most the last seq of the room.',
    }),
  }),
  output: z.object({
    room_id: z.string(),
    read_up_to: z.number(),
    remaining: z.number(),
    message: z.string(),
  }),
  annotations: { ...chatTool, idempotentHint: true, openWorldHint: false },
  successFlag: false,
  parks: false,
  run: async (chat, args, call) => {
    const marked = await chat.markRead({
      origin: call.origin,
      roomId: args.room_id,
      clientId: args.client_id,
      seq: args.seq,
    });
    return {
      room_id: marked.roomId,
      read_up_to: marked.readUpTo,
      remaining: marked.remaining,
      message:
        marked.remaining === 0
          ? 'Read up to date. wait_for_message returns the next new message.'
          : `${marked.remaining} newer message${marked.remaining === 1 ? '' : 's'} still unread: wait_for_message returns ${marked.remaining === 1 ? 'it' : 'them'} at once.`,
    };
  },
});
