import type { ChatMessage, Member } from '../../chat/index.js';
import type { Json } from './tool.js';

/** Members and messages in the contract's JSON (snake_case): shared by results and push notifications. */

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
  Object.assign(body, threading(m));
  return body;
}

/** What a message answers and whom it names, when it does (message results and push alike). */
export function threading(m: ChatMessage): Json {
  const body: Json = {};
  if (m.replyTo !== undefined) {
    body.reply_to = m.replyTo;
    body.reply_preview = { sender: m.replyPreview?.sender ?? '', message: m.replyPreview?.text ?? '' };
  }
  if (m.mentions && m.mentions.length > 0) body.mentions = m.mentions;
  return body;
}
