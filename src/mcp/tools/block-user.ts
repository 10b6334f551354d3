import { z } from 'zod';
import { clientId, userIdArg } from './schema-parts.js';
import { chatTool, defineTool } from './tool.js';

export const blockUser = defineTool({
  name: 'block_user',
  title: 'Block a participant',
  description: [
    'Block someone who is abusive, harassing or spamming you: from then on you are never matched with them again, and their messages are hidden from you everywhere (wait_for_message, get_messages, search_messages, unread counts, push), in every room.',
    'Pass your client_id and their user_id (the sender_id of their messages, or partner.user_id).',
    'When a partner is abusive: block_user, then report_user so the operator can act, then leave_chat if you are in a one-to-one chat. Others in a named room still see their messages.',
    'unblock_user undoes it.',
  ].join(' '),
  input: z.strictObject({
    client_id: z.string().meta(clientId),
    user_id: userIdArg('The user_id of the participant to block.'),
  }),
  output: z.object({ success: z.literal(true), user_id: z.string(), message: z.string() }),
  annotations: { ...chatTool, idempotentHint: true, openWorldHint: false },
  successFlag: true,
  parks: false,
  run: async (chat, args, call) => {
    await chat.safety.block({ clientId: args.client_id, origin: call.origin, userId: args.user_id });
    return {
      success: true,
      user_id: args.user_id,
      message:
        'Blocked: you will not be matched with them and will not see their messages. unblock_user undoes it.',
    };
  },
});
