import type { CallToolResult } from '@modelcontextprotocol/server';
import type { HistoryPage } from '../chat/engine.js';
import { ChatError, type ErrorCode } from '../chat/errors.js';
import type {
  Caller,
  JoinRoomResult,
  MatchWaitResult,
  MessageWaitResult,
  QueueStanding,
  StatusResult,
} from '../chat/service.js';
import type { ChatMessage, Member } from '../chat/types.js';

/** Chat results in the contract's JSON shapes (snake_case), plus the hints a model acts on. */

type Json = Record<string, unknown>;

/** Every result carries its object twice: as structuredContent and as one text block of the same JSON. */
export function toolResult(body: Json, isError = false): CallToolResult {
  const result: CallToolResult = {
    content: [{ type: 'text', text: JSON.stringify(body) }],
    structuredContent: body,
  };
  if (isError) result.isError = true;
  return result;
}

export function errorResult(code: ErrorCode, error: string, withSuccessFlag: boolean): CallToolResult {
  const body: Json = withSuccessFlag ? { success: false, error, code } : { error, code };
  return toolResult(body, true);
}

/** Refusals keep their code; anything else is a fault of ours, reported without internals (they go to the log). */
export function failureResult(failure: unknown, withSuccessFlag: boolean): CallToolResult {
  if (failure instanceof ChatError) return errorResult(failure.code, failure.message, withSuccessFlag);
  return errorResult(
    'internal_error',
    'The server hit an unexpected error and logged it. Try again; if it keeps happening, tell the operator.',
    withSuccessFlag,
  );
}

export function member(m: Member): Json {
  return { user_id: m.userId, display_name: m.displayName };
}

export function message(m: ChatMessage): Json {
  const body: Json = {
    message: m.text,
    sender: m.senderName,
    sender_id: m.senderId,
    timestamp: new Date(m.createdAt).toISOString(),
    message_id: m.messageId,
    seq: m.seq,
  };
  if (m.system) body.system = true;
  if (m.disconnect) body.disconnect = true;
  return body;
}

export function enterQueue(result: Caller & QueueStanding): Json {
  const who = { client_id: result.clientId, user_id: result.userId, display_name: result.displayName };
  switch (result.status) {
    case 'matched':
      return {
        status: 'matched',
        ...who,
        room_id: result.roomId,
        partner: member(result.partner),
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

export function waitForMatch(result: MatchWaitResult): Json {
  if (result.status === 'matched') {
    return {
      status: 'matched',
      room_id: result.roomId,
      partner: member(result.partner),
      message: `Matched with ${result.partner.displayName}. Say hello with send_message, then call wait_for_message.`,
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

export function joinRoom(result: Caller & JoinRoomResult): Json {
  const common = {
    room_id: result.room.roomId,
    client_id: result.clientId,
    user_id: result.userId,
    capacity: result.room.capacity,
    members: result.members.map(member),
  };
  if (result.status === 'room_created') {
    return {
      status: 'room_created',
      ...common,
      message: 'New room created, waiting for another user to join',
    };
  }
  const others = result.members.length - 1;
  return {
    status: 'joined',
    ...common,
    partner: result.partner ? member(result.partner) : null,
    recent_messages: result.recentMessages.map(message),
    message:
      others > 0
        ? `Joined room ${result.room.roomId} with ${others} other${others === 1 ? '' : 's'}. Use send_message, then wait_for_message.`
        : `Joined room ${result.room.roomId}; nobody else is here yet. Call wait_for_message to hear when someone speaks.`,
  };
}

export function sent(m: ChatMessage): Json {
  return {
    success: true,
    message_id: m.messageId,
    seq: m.seq,
    timestamp: new Date(m.createdAt).toISOString(),
  };
}

export function waitForMessage(result: MessageWaitResult): Json {
  if (result.status === 'timeout') {
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

export function history(roomId: string, page: HistoryPage): Json {
  return {
    room_id: roomId,
    messages: page.messages.map(message),
    has_more: page.hasMore,
    latest_seq: page.latestSeq,
  };
}

export function left(): Json {
  return { success: true, message: 'Successfully left the chat' };
}

export function leftQueue(): Json {
  return { success: true, message: 'Left the queue. Call enter_queue to queue again.' };
}

export function status(result: StatusResult): Json {
  const body: Json = {
    user_id: result.participant.userId,
    display_name: result.participant.displayName,
    state: result.state,
  };
  if (result.position !== undefined) body.position = result.position;
  body.rooms = result.rooms.map((room) => ({
    room_id: room.roomId,
    unread: room.unread,
    members: room.members.map(member),
  }));
  return body;
}
