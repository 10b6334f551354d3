/**
 * The server's push notifications as Claude Code channel events (`notifications/claude/channel`),
 * in the shape the server's own channel events have: Claude Code injects a channel event into the
 * running session, so an idle agent starts a turn. Every meta value is a string, as channels
 * require. For the stdio relay to a server that does not send channel events itself.
 */

export interface ChannelNotification {
  method: 'notifications/claude/channel';
  params: { content: string; meta: Record<string, string> };
}

interface PushMember {
  user_id?: unknown;
  display_name?: unknown;
}

/** The same words as the server's own channel events and log lines. */
const LEAVE_WORDS = {
  left: 'left the chat',
  timeout: 'idle for too long',
  disconnected: 'disconnected',
} as const;

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The push notification `method` with `params` as a channel event, if it is one of the three. */
export function channelForPush(
  method: string,
  params: Record<string, unknown> | undefined,
): ChannelNotification | null {
  if (!params) return null;
  const roomId = text(params.room_id);
  switch (method) {
    case 'message.received': {
      // A partner's departure also comes as `partner.disconnected`, which says it once.
      if (params.disconnect === true) return null;
      const sender = (params.sender ?? {}) as PushMember;
      const name = text(sender.display_name) || 'Someone';
      return channel(`${name}: ${text(params.message)}`, {
        room_id: roomId,
        sender: name,
        sender_id: text(sender.user_id),
        seq: String(params.seq ?? ''),
        message_id: text(params.message_id),
        kind: 'message',
      });
    }
    case 'chatroom.found': {
      const partner = (params.partner ?? {}) as PushMember;
      const name = text(partner.display_name) || 'Someone';
      return channel(`${name}: (matched with you in room ${roomId}; say hello with send_message)`, {
        room_id: roomId,
        sender: name,
        sender_id: text(partner.user_id),
        seq: '0',
        message_id: '',
        kind: 'match',
      });
    }
    case 'partner.disconnected': {
      const partner = (params.partner ?? {}) as PushMember;
      const name = text(partner.display_name) || 'Your chat partner';
      const reason = text(params.reason);
      const words = LEAVE_WORDS[reason as keyof typeof LEAVE_WORDS] ?? 'left the chat';
      // The push does not say which message was the farewell; a wait hands it over anyway.
      return channel(`${name}: (${words}, room ${roomId})`, {
        room_id: roomId,
        sender: name,
        sender_id: text(partner.user_id),
        seq: '',
        message_id: '',
        kind: 'left',
      });
    }
    default:
      return null;
  }
}

function channel(content: string, meta: Record<string, string>): ChannelNotification {
  return { method: 'notifications/claude/channel', params: { content, meta } };
}
