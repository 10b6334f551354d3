import { z } from 'zod';
import type { MessageWaitResult } from '../../chat/index.js';
import { PLAIN_WAIT_SECONDS } from '../wait-defaults.js';
import {
  clientId,
  messageShape,
  optional,
  roomId,
  SUPERSEDED_WAIT,
  seq,
  waitTimeout,
} from './schema-parts.js';
import { message } from './shaping.js';
import { CHANNEL_HINT, CONVERSATION_LOOP, chatTool, defineTool, forwardExcept, type Json } from './tool.js';

export const waitForMessage = defineTool({
  name: 'wait_for_message',
  title: 'Wait for the next message',
  description: [
    'Block until the next message arrives in the room and return it, or return at once with everything that arrived since your last call (oldest first, in "messages").',
    'Pass the room_id and your client_id. Nothing is lost between calls: each call continues where the previous one stopped.',
    CONVERSATION_LOOP,
    'A message with "disconnect": true means your partner left; the chat has ended.',
    CHANNEL_HINT,
  ].join(' '),
  input: z.strictObject({
    room_id: roomId,
    client_id: z.string().meta(clientId),
    timeout: optional(z.number(), waitTimeout),
    after: seq('Only to recover a lost response: return messages with seq greater than this, read or not.'),
  }),
  output: messageShape.partial().extend({
    message: z.string(),
    messages: z.array(messageShape).optional(),
    timeout: z.boolean().optional(),
    restarting: z.boolean().optional(),
    superseded: z.boolean().optional(),
  }),
  annotations: { ...chatTool, idempotentHint: false },
  successFlag: false,
  parks: true,
  // A promise chain, not an async frame: the frame would be held for as long as the wait.
  run: (chat, args, call) =>
    chat
      .waitForMessage({
        origin: call.origin,
        roomId: args.room_id,
        clientId: args.client_id,
        timeout: args.timeout ?? call.defaultWaitSeconds ?? PLAIN_WAIT_SECONDS,
        after: args.after,
        signal: call.signal,
        onListening: call.listening,
        // This room's messages are in the result.
        onEvent: forwardExcept(call, (event) => event.type === 'message' && event.roomId === args.room_id),
      })
      .then((result) => {
        if (result.status === 'messages') call.onUndelivered(result.undo);
        return shape(result);
      }),
});

function shape(result: MessageWaitResult): Json {
  if (result.status === 'timeout') {
    if (result.endedBy === 'superseded') return { timeout: true, superseded: true, message: SUPERSEDED_WAIT };
    return result.endedBy === 'shutdown'
      ? {
          timeout: true,
          restarting: true,
          message: 'The server is restarting. Call wait_for_message again in a few seconds; nothing is lost.',
        }
      : { timeout: true, message: 'No message received within timeout period' };
  }
  const messages = result.messages.map(message);
  return { ...messages[0], messages };
}
