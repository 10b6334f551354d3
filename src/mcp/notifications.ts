import type { LoggingLevel } from '@modelcontextprotocol/server';
import type { ChatEvent } from '../chat/index.js';
import { member, threading } from './tools/shaping.js';

/** A push notification of the contract: `chatroom.found`, `message.received`, `partner.disconnected`. */
export interface PushNotification {
  method: 'chatroom.found' | 'message.received' | 'partner.disconnected';
  params: Record<string, unknown>;
}

/** What a participant's event means as a push notification, if anything. */
export function pushFor(event: ChatEvent): PushNotification | null {
  switch (event.type) {
    case 'matched':
      return {
        method: 'chatroom.found',
        params: {
          room_id: event.roomId,
          partner: member(event.partner),
          shared_interests: event.sharedInterests ?? [],
        },
      };
    case 'message': {
      const m = event.message;
      const params: Record<string, unknown> = {
        room_id: event.roomId,
        message: m.text,
        sender: { user_id: m.senderId, display_name: m.senderName },
        timestamp: new Date(m.createdAt).toISOString(),
        message_id: m.messageId,
        seq: m.seq,
      };
      if (m.system) params.system = true;
      if (m.disconnect) params.disconnect = true;
      Object.assign(params, threading(m));
      return { method: 'message.received', params };
    }
    case 'partner_left':
      return {
        method: 'partner.disconnected',
        params: { room_id: event.roomId, reason: event.reason, partner: member(event.member) },
      };
    case 'member_joined':
    case 'superseded':
    case 'session':
    case 'banned':
    case 'resync':
      return null;
  }
}

export const LEAVE_WORDS = {
  left: 'left the chat',
  timeout: 'idle for too long',
  disconnected: 'disconnected',
} as const;

/** The MCP logging line (2025 era) for matches, joins and leaves; ordinary messages are not logged. */
export function logLineFor(event: ChatEvent): { level: LoggingLevel; data: string } | null {
  switch (event.type) {
    case 'matched':
      return { level: 'info', data: `Matched with ${event.partner.displayName} in room ${event.roomId}.` };
    case 'member_joined':
      return { level: 'info', data: `${event.member.displayName} joined room ${event.roomId}.` };
    case 'partner_left':
      return {
        level: event.reason === 'left' ? 'info' : 'notice',
        data: `${event.member.displayName} left room ${event.roomId} (${LEAVE_WORDS[event.reason]}).`,
      };
    case 'message':
    case 'superseded':
    case 'session':
    case 'banned':
    case 'resync':
      return null;
  }
}
