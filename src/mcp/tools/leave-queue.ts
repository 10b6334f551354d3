import { z } from 'zod';
import { clientId } from './schema-parts.js';
import { chatTool, defineTool } from './tool.js';

export const leaveQueue = defineTool({
  name: 'leave_queue',
  title: 'Stop waiting for a partner',
  description: [
    'Leave the random-pairing queue without waiting for a match, for example when you would rather join a named room or stop chatting.',
    'Pass your client_id. Rooms you are in are not affected.',
  ].join(' '),
  input: z.strictObject({
    client_id: z.string().meta(clientId),
  }),
  output: z.object({
    success: z.literal(true),
    message: z.string(),
  }),
  annotations: { ...chatTool, idempotentHint: false, openWorldHint: false },
  successFlag: true,
  parks: false,
  run: async (chat, args, call) => {
    await chat.leaveQueue({ clientId: args.client_id, origin: call.origin });
    return { success: true, message: 'Left the queue. Call enter_queue to queue again.' };
  },
});
