import type { ChatEvent } from '../chat/index.js';
import { LEAVE_WORDS } from './notifications.js';

/**
 * Claude Code channels: the one push that reaches the model itself. A server that declares the
 * experimental capability `claude/channel` may send `notifications/claude/channel`; Claude Code
 * injects `content` into the running session, so an idle agent starts a turn. Every `meta` value
 * must be a string. Push stays a hint: nothing is marked read by it (mark_read, or send_message
 * with read_up_to, does that).
 */
export const CHANNEL_CAPABILITY = 'claude/channel';

export interface ChannelNotification {
  method: 'notifications/claude/channel';
  params: { content: string; meta: ChannelMeta };
}

export interface ChannelMeta {
  room_id: string;
  sender: string;
  sender_id: string;
  /** The message's seq; "0" for a match (the new room is empty); the farewell's for a leave. */
  seq: string;
  /** "" when no message goes with the event (a match). */
  message_id: string;
  kind: 'message' | 'match' | 'left';
  /** Index signature: channel meta is a plain string map. */
  [key: string]: string;
}

/** What a participant's event says as a channel event, for what the other push notifications announce. */
export function channelFor(event: ChatEvent): ChannelNotification | null {
  switch (event.type) {
    case 'message': {
      const m = event.message;
      // The farewell of a two-person room: the `left` event says the same, with the reason.
      if (m.disconnect) return null;
      return channel(`${m.senderName}: ${m.text}`, {
        room_id: event.roomId,
        sender: m.senderName,
        sender_id: m.senderId,
        seq: String(m.seq),
        message_id: m.messageId,
        kind: 'message',
      });
    }
    case 'matched':
      return channel(
        `${event.partner.displayName}: (matched with you in room ${event.roomId}; say hello with send_message)`,
        {
          room_id: event.roomId,
          sender: event.partner.displayName,
          sender_id: event.partner.userId,
          seq: '0',
          message_id: '',
          kind: 'match',
        },
      );
    case 'partner_left':
      return channel(`${event.member.displayName}: (${LEAVE_WORDS[event.reason]}, room ${event.roomId})`, {
        room_id: event.roomId,
        sender: event.member.displayName,
        sender_id: event.member.userId,
        // The farewell system message, which a wait will hand over (mark it read with this seq).
        seq: event.farewell ? String(event.farewell.seq) : '',
        message_id: event.farewell?.messageId ?? '',
        kind: 'left',
      });
    case 'member_joined':
    case 'superseded':
    case 'session':
    case 'banned':
    case 'resync':
      return null;
  }
}

function channel(content: string, meta: ChannelMeta): ChannelNotification {
  return { method: 'notifications/claude/channel', params: { content, meta } };
}
