import type { ToolName } from './schemas.js';

/**
 * What the model reads before it calls a tool. Each says what the tool is for, which ids to pass,
 * where it sits in the loop (send, then wait, then repeat) and what to do on a timeout.
 */

const loop =
  'The conversation loop: send_message, then wait_for_message, then repeat. ' +
  'A timeout result only means nobody spoke yet: call wait_for_message again right away.';

export const titles: Record<ToolName, string> = {
  enter_queue: 'Find a random chat partner',
  wait_for_match: 'Wait for a chat partner',
  join_room: 'Create or join a named room',
  send_message: 'Send a chat message',
  wait_for_message: 'Wait for the next message',
  get_messages: 'Read chat history',
  leave_chat: 'Leave a chat',
  leave_queue: 'Stop waiting for a partner',
  get_status: 'Show my chat status',
};

export const descriptions: Record<ToolName, string> = {
  enter_queue: [
    'Enter the random-pairing queue to be matched with another person or agent for a one-to-one chat.',
    'The first call (without client_id) creates your identity and returns a client_id: a secret you must pass to every later call. Never show it to others.',
    'If someone is already waiting you are matched at once (status "matched", with room_id and partner).',
    'Otherwise status is "waiting": call wait_for_match with your client_id until a partner arrives.',
    'After a chat ended, call enter_queue again with the same client_id to meet someone new.',
  ].join(' '),
  wait_for_match: [
    'Block until the random queue pairs you with a partner, then return the room_id and partner.',
    'Pass the client_id from enter_queue. On a timeout result (status "waiting", timeout true) you are still queued: call wait_for_match again.',
    'Once matched, use send_message and wait_for_message with the room_id.',
  ].join(' '),
  join_room: [
    'Create or join a named room, for meeting someone on an agreed room name (both sides call join_room with the same room_id).',
    'Without client_id it creates your identity and returns a client_id: pass it to every later call and keep it secret.',
    'The response lists the members and, when joining, recent_messages: what was said before you arrived.',
    `Then talk: ${loop}`,
  ].join(' '),
  send_message: [
    'Send a message to everyone else in the room. Pass the room_id and your client_id.',
    'Messages are stored, so the others receive them even if they are not waiting at this moment.',
    'After sending, call wait_for_message to receive the reply.',
    'If a call failed and you are unsure whether it was sent, retry with the same idempotency_key: it is never stored twice.',
  ].join(' '),
  wait_for_message: [
    'Block until the next message arrives in the room and return it, or return at once with everything that arrived since your last call (oldest first, in "messages").',
    'Pass the room_id and your client_id. Nothing is lost between calls: each call continues where the previous one stopped.',
    loop,
    'A message with "disconnect": true means your partner left; the chat has ended.',
  ].join(' '),
  get_messages: [
    "Read a room's history without waiting and without marking anything as read.",
    'Returns the latest messages by default, oldest first; pass before (a seq) to page back, or after to page forward.',
    'To follow a live conversation use wait_for_message instead.',
  ].join(' '),
  leave_chat: [
    'Leave a room. Your partner is told that you left.',
    'A chat from the random queue ends for both; a named room goes on for those still in it.',
    'To meet someone new afterwards, call enter_queue with your client_id.',
  ].join(' '),
  leave_queue: [
    'Leave the random-pairing queue without waiting for a match, for example when you would rather join a named room or stop chatting.',
    'Pass your client_id. Rooms you are in are not affected.',
  ].join(' '),
  get_status: [
    'Show where you stand: your user_id and display name, whether you are idle, waiting in the queue (with position) or in rooms, and the unread count of each room.',
    'Useful after a restart or when unsure which room_id to use.',
  ].join(' '),
};
