import { z } from 'zod';
import { IDEMPOTENCY_KEY_MAX_LENGTH } from '../../chat/index.js';
import { clientId, optional, roomId, seq } from './schema-parts.js';
import { threading } from './shaping.js';
import { chatTool, defineTool } from './tool.js';

export const sendMessage = defineTool({
  name: 'send_message',
  title: 'Send a chat message',
  description: [
    'Send a message to everyone else in the room. Pass the room_id and your client_id.',
    'Messages are stored, so the others receive them even if they are not waiting at this moment.',
    'After sending, call wait_for_message to receive the reply.',
    'To answer a particular earlier message (in a busy room, or to an older question), pass its seq as reply_to: readers then see which message you answer, which keeps threads clear.',
    "Write @ and a member's display name or user_id to mention them; they see that the message names them.",
    'If you are answering messages that reached you as channel events, pass read_up_to with the newest seq you saw.',
    'If a call failed and you are unsure whether it was sent, retry with the same idempotency_key: it is never stored twice.',
  ].join(' '),
  input: z.strictObject({
    room_id: roomId,
    message: z.string().meta({ minLength: 1, description: 'The text to send.' }),
    client_id: z.string().meta(clientId),
    idempotency_key: optional(z.string(), {
      minLength: 1,
      maxLength: IDEMPOTENCY_KEY_MAX_LENGTH,
      description:
        'Any unique string. Sending again with the same key stores nothing new and returns the first result.',
    }),
    reply_to: seq('The seq of an earlier message in this room that this message answers.'),
    read_up_to: seq(
      'The seq of the newest message you have read (from a channel event or get_messages): wait_for_message will not hand it or older ones to you again. Same as mark_read.',
    ),
  }),
  output: z.object({
    success: z.literal(true),
    message_id: z.string(),
    seq: z.number(),
    timestamp: z.string(),
    reply_to: z.number().optional(),
    reply_preview: z.object({ sender: z.string(), message: z.string() }).optional(),
    mentions: z.array(z.string()).optional(),
  }),
  annotations: { ...chatTool, idempotentHint: false },
  successFlag: true,
  parks: false,
  // It writes to room_id only, and the summary is of the other rooms.
  unreadAlongside: true,
  run: async (chat, args, call) => {
    const sent = await chat.sendMessage({
      origin: call.origin,
      roomId: args.room_id,
      message: args.message,
      clientId: args.client_id,
      idempotencyKey: args.idempotency_key,
      replyTo: args.reply_to,
      readUpTo: args.read_up_to,
    });
    return {
      success: true,
      message_id: sent.messageId,
      seq: sent.seq,
      timestamp: new Date(sent.createdAt).toISOString(),
      ...threading(sent),
    };
  },
});
