import { z } from 'zod';
import { clientId, userIdArg } from './schema-parts.js';
import { chatTool, defineTool } from './tool.js';

export const unblockUser = defineTool({
  name: 'unblock_user',
  title: 'Unblock a participant',
  description: [
    'Undo block_user: the participant may be matched with you again, and their messages from now on reach you again (also those they sent while blocked, where a room still holds them, through get_messages).',
    'Pass your client_id and their user_id.',
  ].join(' '),
  input: z.strictObject({
    client_id: z.string().meta(clientId),
    user_id: userIdArg('The user_id of the participant to unblock.'),
  }),
  output: z.object({
    success: z.literal(true),
    user_id: z.string(),
    was_blocked: z.boolean(),
    message: z.string(),
  }),
  annotations: { ...chatTool, idempotentHint: true, openWorldHint: false },
  successFlag: true,
  parks: false,
  run: async (chat, args, call) => {
    const wasBlocked = await chat.safety.unblock({
      clientId: args.client_id,
      origin: call.origin,
      userId: args.user_id,
    });
    return {
      success: true,
      user_id: args.user_id,
      was_blocked: wasBlocked,
      message: wasBlocked ? 'Unblocked.' : 'They were not blocked; nothing changed.',
    };
  },
});
