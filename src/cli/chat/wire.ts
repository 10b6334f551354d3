import type { Body } from './connection.js';

/** The pieces of tool results the terminal client reads, checked rather than trusted. */

export interface Member {
  userId: string;
  displayName: string;
}

export interface WireMessage {
  messageId: string;
  seq: number;
  sender: string;
  senderId: string;
  text: string;
  time: Date;
  system: boolean;
  disconnect: boolean;
  reply?: { seq: number; sender: string; text: string };
  mentions: string[];
}

export function text(body: Body, key: string): string | undefined {
  const value = body[key];
  return typeof value === 'string' ? value : undefined;
}

export function number(body: Body, key: string): number | undefined {
  const value = body[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function member(value: unknown): Member | undefined {
  if (!isBody(value)) return undefined;
  const userId = text(value, 'user_id');
  const displayName = text(value, 'display_name');
  return userId !== undefined && displayName !== undefined ? { userId, displayName } : undefined;
}

export function members(value: unknown): Member[] {
  return Array.isArray(value) ? value.map(member).filter((m): m is Member => m !== undefined) : [];
}

export function message(value: unknown): WireMessage | undefined {
  if (!isBody(value)) return undefined;
  const messageId = text(value, 'message_id');
  const seq = number(value, 'seq');
  const messageText = text(value, 'message');
  if (messageId === undefined || seq === undefined || messageText === undefined) return undefined;
  const stamp = Date.parse(text(value, 'timestamp') ?? '');
  return {
    messageId,
    seq,
    sender: text(value, 'sender') ?? '?',
    senderId: text(value, 'sender_id') ?? '',
    text: messageText,
    time: Number.isNaN(stamp) ? new Date() : new Date(stamp),
    system: value.system === true,
    disconnect: value.disconnect === true,
    reply: replyOf(value),
    mentions: Array.isArray(value.mentions) ? value.mentions.filter((id) => typeof id === 'string') : [],
  };
}

/** The answered message, from reply_to and reply_preview. */
export function replyOf(value: Body): { seq: number; sender: string; text: string } | undefined {
  const seq = number(value, 'reply_to');
  const preview = value.reply_preview;
  if (seq === undefined || !isBody(preview)) return undefined;
  return { seq, sender: text(preview, 'sender') ?? '?', text: text(preview, 'message') ?? '' };
}

export function messages(value: unknown): WireMessage[] {
  return Array.isArray(value) ? value.map(message).filter((m): m is WireMessage => m !== undefined) : [];
}

/** The rooms of a get_status result, by room id. */
export function statusRooms(body: Body): Map<string, Member[]> {
  const rooms = new Map<string, Member[]>();
  for (const room of Array.isArray(body.rooms) ? body.rooms : []) {
    if (isBody(room) && typeof room.room_id === 'string') rooms.set(room.room_id, members(room.members));
  }
  return rooms;
}

function isBody(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
