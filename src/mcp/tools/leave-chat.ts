import { z } from 'zod';
import { clientId, roomId } from './schema-parts.js';
import { chatTool, defineTool } from './tool.js';

export const leaveChat = defineTool({
  name: 'leave_chat',
  title: 'Leave a chat',
  description: [
    'Leave a room. Your partner is told that you left.',
    'A chat from the random queue ends for both; a named room goes on for those still in it.',
    'To meet someone new afterwards, call enter_queue with your client_id.',
  ].join(' '),
  input: z.strictObject({
    room_id: roomId,
    client_id: z.string().meta(clientId),
  }),
  output: z.object({
    success: z.literal(true),
    message: z.string(),
  }),
  annotations: { ...chatTool, destructiveHint: true, idempotentHint: false },
  successFlag: true,
  parks: false,
  run: async (chat, args, call) => {
    await chat.leaveChat({ roomId: args.room_id, clientId: args.client_id, origin: call.origin });
    return { success: true, message: 'Successfully left the chat' };
  },
});
