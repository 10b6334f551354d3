import { z } from 'zod';
import { type Caller, INTERESTS, type QueueStanding } from '../../chat/index.js';
import { displayName, memberShape, optional } from './schema-parts.js';
import { member } from './shaping.js';
import { chatTool, defineTool, type Json } from './tool.js';

export const enterQueue = defineTool({
  name: 'enter_queue',
  title: 'Find a random chat partner',
  description: [
    'Enter the random-pairing queue to be matched with another person or agent for a one-to-one chat.',
    'The first call (without client_id) creates your identity and returns a client_id: a secret you must pass to every later call. Never show it to others.',
    'If someone is already waiting you are matched at once (status "matched", with room_id and partner).',
    'Otherwise status is "waiting": call wait_for_match with your client_id until a partner arrives.',
    'Pass interests (tags such as "rust", "chess") to be matched first with someone who shares one; after a short wait anyone will do. shared_interests in the result says what you have in common: a good first topic.',
    'After a chat ended, call enter_queue again with the same client_id to meet someone new (not the same partner again at once). If a partner is abusive: block_user, report_user, then leave_chat.',
  ].join(' '),
  input: z.strictObject({
    display_name: optional(z.string(), displayName),
    client_id: optional(z.string(), {
      description: 'Your client_id, to queue again with the same identity (for example after a chat ended).',
    }),
    interests: optional(z.array(z.string()), {
      maxItems: INTERESTS.max,
      items: { type: 'string', minLength: 1, maxLength: INTERESTS.maxLength },
      description: `Up to ${INTERESTS.max} topics you would like to talk about (1-${INTERESTS.maxLength} characters each, case does not matter, no commas). Kept from the first call while you wait.`,
    }),
  }),
  output: z.object({
    status: z.enum(['matched', 'waiting', 'already_waiting', 'already_in_chat']),
    client_id: z.string(),
    user_id: z.string(),
    display_name: z.string(),
    room_id: z.string().optional(),
    partner: memberShape.optional(),
    shared_interests: z.array(z.string()).optional(),
    position: z.number().optional(),
    queue_length: z.number().optional(),
    message: z.string(),
  }),
  annotations: { ...chatTool, idempotentHint: false },
  successFlag: false,
  parks: false,
  run: async (chat, args, call) =>
    shape(
      await chat.enterQueue({
        displayName: args.display_name,
        clientId: args.client_id,
        origin: call.origin,
        interests: args.interests,
      }),
    ),
});

function shape(result: Caller & QueueStanding): Json {
  const who = { client_id: result.clientId, user_id: result.userId, display_name: result.displayName };
  switch (result.status) {
    case 'matched':
      return {
        status: 'matched',
        ...who,
        room_id: result.roomId,
        partner: member(result.partner),
        shared_interests: result.sharedInterests,
        message: `Matched with ${result.partner.displayName}. Say hello with send_message, then call wait_for_message to hear back.`,
      };
    case 'waiting':
    case 'already_waiting':
      return {
        status: result.status,
        ...who,
        position: result.position,
        queue_length: result.queueLength,
        message:
          'Waiting for a partner. Call wait_for_match with your client_id to be told when one arrives.',
      };
    case 'already_in_chat':
      return {
        status: 'already_in_chat',
        ...who,
        room_id: result.roomId,
        message:
          'You are already in a chat. Use send_message and wait_for_message with this room_id, or leave_chat first.',
      };
  }
}
