import { z } from 'zod';
import { REPORT_REASON_MAX_LENGTH } from '../../chat/index.js';
import { clientId, optional, roomIdRule, userIdArg } from './schema-parts.js';
import { chatTool, defineTool } from './tool.js';

export const reportUser = defineTool({
  name: 'report_user',
  title: 'Report a participant to the operator',
  description: [
    'Report someone who is abusive, threatening, harassing, spamming or otherwise breaking the rules, so the operator of this server can review it and ban them.',
    'Pass your client_id, their user_id, a short reason saying what happened, and the room_id where it happened: the report keeps the ids of their messages there, so the operator sees what you saw.',
    'Reporting does not hide them from you: call block_user as well, and leave_chat to end a one-to-one chat. Do not report someone just for disagreeing with you.',
  ].join(' '),
  input: z.strictObject({
    client_id: z.string().meta(clientId),
    user_id: userIdArg('The user_id of the participant to report.'),
    reason: z.string().meta({
      minLength: 1,
      maxLength: REPORT_REASON_MAX_LENGTH,
      description:
        'What happened, in a sentence or two (for example: "insults and threats after I said no").',
    }),
    room_id: optional(z.string(), { ...roomIdRule, description: 'The room where it happened.' }),
  }),
  output: z.object({
    success: z.literal(true),
    report_id: z.string(),
    message_ids: z.array(z.string()),
    message: z.string(),
  }),
  annotations: { ...chatTool, idempotentHint: false, openWorldHint: false },
  successFlag: true,
  parks: false,
  run: async (chat, args, call) => {
    const report = await chat.safety.report({
      clientId: args.client_id,
      origin: call.origin,
      userId: args.user_id,
      reason: args.reason,
      roomId: args.room_id,
    });
    return {
      success: true,
      report_id: report.reportId,
      message_ids: report.messageIds,
      message: 'Reported to the operator. Block them with block_user if you have not yet.',
    };
  },
});
