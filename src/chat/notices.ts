import type { RoomRefusal } from './engine.js';
import { ChatError } from './errors.js';
import type { IdSource } from './identity.js';
import { type MessageDraft, SYSTEM_SENDER_ID, SYSTEM_SENDER_NAME } from './types.js';

/** The words of every refusal, in one place, so each says what to do next. */

export function unknownClient(clientId: string): ChatError {
  // Echo at most a prefix: enough to spot a copy-paste slip, never a huge payload.
  const shown = clientId.length > 48 ? `${clientId.slice(0, 48)}...` : clientId;
  return new ChatError(
    'invalid_client',
    `User not found. Invalid client_id: ${shown}. Use the client_id returned by enter_queue or join_room, or call one of them without client_id to get a new one.`,
  );
}

export function roomNotFound(roomId: string): ChatError {
  return new ChatError(
    'room_not_found',
    `Room not found: ${roomId}. Use the room_id returned by enter_queue, wait_for_match or join_room.`,
  );
}

export function chatEnded(roomId: string): ChatError {
  return new ChatError(
    'chat_ended',
    `The chat in room ${roomId} has ended. Call enter_queue with your client_id to meet someone new, or join_room to enter a named room.`,
  );
}

export function notInRoom(roomId: string): ChatError {
  return new ChatError('not_in_room', `You are not in room ${roomId}. Call join_room to enter it.`);
}

export function roomFull(roomId: string): ChatError {
  return new ChatError('room_full', `Room is full: ${roomId} has no free place. Try another room_id.`);
}

export function notInQueue(): ChatError {
  return new ChatError(
    'not_in_queue',
    'You are not waiting in the queue and not in a matched chat. Call enter_queue with your client_id first.',
  );
}

export function banned(): ChatError {
  return new ChatError(
    'banned',
    'This participant has been banned by the operator of this chat server: its calls are refused. Stop calling the chat tools.',
  );
}

export function rateLimited(ratePerSecond: number): ChatError {
  return new ChatError(
    'rate_limited',
    `Too many messages: the limit is ${ratePerSecond} per second. Wait a moment, then send again.`,
  );
}

export function tooManyNewParticipants(perMinute: number): ChatError {
  return new ChatError(
    'rate_limited',
    `Too many new participants: at most ${perMinute} a minute from one caller. Reuse your client_id, or wait a minute.`,
  );
}

export function refusal(roomId: string, outcome: RoomRefusal): ChatError {
  switch (outcome.kind) {
    case 'room_not_found':
      return roomNotFound(roomId);
    case 'chat_ended':
      return chatEnded(roomId);
    case 'not_in_room':
      return notInRoom(roomId);
  }
}

/** The words of system messages: what everyone in a room reads when someone comes or goes. */

export function joinedNotice(displayName: string): string {
  return `[System] ${displayName} has joined the chat.`;
}

/** Two people: the one left behind is told plainly that the conversation is over for them. */
export const PARTNER_LEFT_NOTICE = '[System] Your chat partner has left the conversation.';

export function leftNotice(displayName: string): string {
  return `[System] ${displayName} has left the chat.`;
}

/** A system message with these words, ready to store. */
export function systemMessage(ids: IdSource, text: string, now: number): MessageDraft {
  return {
    messageId: ids.messageId(),
    senderId: SYSTEM_SENDER_ID,
    senderName: SYSTEM_SENDER_NAME,
    text,
    createdAt: now,
    system: true,
    disconnect: false,
  };
}
