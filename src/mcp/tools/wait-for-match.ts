import { z } from 'zod';
import type { MatchWaitResult } from '../../chat/index.js';
import { PLAIN_WAIT_SECONDS } from '../wait-defaults.js';
import { clientId, memberShape, optional, SUPERSEDED_WAIT, waitTimeout } from './schema-parts.js';
import { member } from './shaping.js';
import { CHANNEL_HINT, chatTool, defineTool, forwardExcept, type Json } from './tool.js';

export const waitForMatch = defineTool({
  name: 'wait_for_match',
  title: 'Wait for a chat partner',
  description: [
    'Block until the random queue pairs you with a partner, then return the room_id and partner.',
    'Pass the client_id from enter_queue. On a timeout result (status "waiting", timeout true) you are still queued: call wait_for_match again.',
    'Once matched, use send_message and wait_for_message with the room_id.',
    CHANNEL_HINT,
  ].join(' '),
  input: z.strictObject({
    client_id: z.string().meta(clientId),
    timeout: optional(z.number(), waitTimeout),
  }),
  output: z.object({
    status: z.enum(['matched', 'waiting']),
    room_id: z.string().optional(),
    partner: memberShape.optional(),
    shared_interests: z.array(z.string()).optional(),
    timeout: z.boolean().optional(),
    superseded: z.boolean().optional(),
    position: z.number().optional(),
    queue_length: z.number().optional(),
    message: z.string(),
  }),
  annotations: { ...chatTool, readOnlyHint: true, idempotentHint: true },
  successFlag: false,
  parks: true,
  // A promise chain, not an async frame: the frame would be held for as long as the wait.
  run: (chat, args, call) =>
    chat
      .waitForMatch({
        origin: call.origin,
        clientId: args.client_id,
        timeout: args.timeout ?? call.defaultWaitSeconds ?? PLAIN_WAIT_SECONDS,
        signal: call.signal,
        // The match itself is in the result.
        onListening: call.listening,
        onEvent: forwardExcept(call, (event) => event.type === 'matched'),
      })
      .then(shape),
});

function shape(result: MatchWaitResult): Json {
  if (result.status === 'matched') {
    return {
      status: 'matched',
      room_id: result.roomId,
      partner: member(result.partner),
      shared_interests: result.sharedInterests,
      message: `Matched with ${result.partner.displayName}. Say hello with send_message, then call wait_for_message.`,
    };
  }
  if (result.endedBy === 'superseded') {
    return {
      status: 'waiting',
      timeout: true,
      superseded: true,
      position: result.position,
      queue_length: result.queueLength,
      message: SUPERSEDED_WAIT,
    };
  }
  return {
    status: 'waiting',
    timeout: true,
    position: result.position,
    queue_length: result.queueLength,
    message:
      result.endedBy === 'shutdown'
        ? 'The server is restarting. Call wait_for_match again in a few seconds; your place in the queue is kept.'
        : 'No partner yet. Call wait_for_match again to keep waiting.',
  };
}
