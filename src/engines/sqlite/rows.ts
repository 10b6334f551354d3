import type {
  ChatMessage,
  Member,
  Membership,
  MessageDraft,
  Participant,
  Room,
  RoomListing,
  RoomVisibility,
} from '../../chat/types.js';

/** Rows as SQLite returns them (snake_case, 0/1 for booleans), and their chat-layer shapes. */

export interface RoomRow {
  room_id: string;
  kind: 'queue' | 'named';
  capacity: number;
  created_at: number;
  ended_at: number | null;
  last_seq: number;
  visibility: RoomVisibility;
  invite: string | null;
  topic: string;
}

export interface MemberRow {
  room_id: string;
  user_id: string;
  joined_at: number;
  joined_seq: number;
  cursor: number;
  left_at: number | null;
}

export interface MessageRow {
  room_id: string;
  seq: number;
  message_id: string;
  sender_id: string;
  sender_name: string;
  body: string;
  created_at: number;
  system: number;
  disconnect: number;
  reply_to: number | null;
  reply_sender: string | null;
  reply_text: string | null;
  /** A JSON array of user ids, or null. */
  mentions: string | null;
}

export interface ListingRow {
  room_id: string;
  topic: string;
  capacity: number;
  last_activity: number;
  members: number;
}

export interface ParticipantRow {
  user_id: string;
  display_name: string;
  created_at: number;
  last_seen_at: number;
  owner: string | null;
  banned?: number;
}

export interface MemberNameRow {
  user_id: string;
  display_name: string;
}

export function toRoom(row: RoomRow): Room {
  return {
    roomId: row.room_id,
    kind: row.kind,
    capacity: row.capacity,
    createdAt: row.created_at,
    endedAt: row.ended_at,
    lastSeq: row.last_seq,
    visibility: row.visibility,
    invite: row.invite,
    topic: row.topic,
  };
}

export function toMembership(row: MemberRow): Membership {
  return {
    roomId: row.room_id,
    userId: row.user_id,
    joinedAt: row.joined_at,
    joinedSeq: row.joined_seq,
    cursor: row.cursor,
    leftAt: row.left_at,
  };
}

export function toParticipant(row: ParticipantRow): Participant {
  return {
    userId: row.user_id,
    displayName: row.display_name,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    owner: row.owner,
    ...(row.banned ? { banned: true } : {}),
  };
}

export function toMember(row: MemberNameRow): Member {
  return { userId: row.user_id, displayName: row.display_name };
}

export function toMessage(row: MessageRow): ChatMessage {
  const message: ChatMessage = {
    roomId: row.room_id,
    seq: row.seq,
    messageId: row.message_id,
    senderId: row.sender_id,
    senderName: row.sender_name,
    text: row.body,
    createdAt: row.created_at,
    system: row.system === 1,
    disconnect: row.disconnect === 1,
  };
  if (row.reply_to !== null) {
    message.replyTo = row.reply_to;
    message.replyPreview = { sender: row.reply_sender ?? '', text: row.reply_text ?? '' };
  }
  if (row.mentions !== null) message.mentions = JSON.parse(row.mentions) as string[];
  return message;
}

/** The message's columns after room_id and seq, in `messageColumns` order (statements.ts). */
export function messageValues(draft: MessageDraft): (string | number | null)[] {
  return [
    draft.messageId,
    draft.senderId,
    draft.senderName,
    draft.text,
    draft.createdAt,
    draft.system ? 1 : 0,
    draft.disconnect ? 1 : 0,
    draft.replyTo ?? null,
    draft.replyPreview?.sender ?? null,
    draft.replyPreview?.text ?? null,
    draft.mentions && draft.mentions.length > 0 ? JSON.stringify(draft.mentions) : null,
  ];
}

export function toListing(row: ListingRow): RoomListing {
  return {
    roomId: row.room_id,
    topic: row.topic,
    members: row.members,
    capacity: row.capacity,
    lastActivity: row.last_activity,
  };
}

/**
 * The first answer to an idempotency key is kept as JSON beside the log, so it outlives the
 * message's retention. Read back, it is checked field by field rather than trusted.
 */
export function fromSentJson(json: string): ChatMessage {
  const value = JSON.parse(json) as Partial<Record<keyof ChatMessage, unknown>>;
  const str = (v: unknown) => {
    if (typeof v !== 'string') throw new Error('a stored idempotent answer is malformed');
    return v;
  };
  const num = (v: unknown) => {
    if (typeof v !== 'number') throw new Error('a stored idempotent answer is malformed');
    return v;
  };
  return {
    roomId: str(value.roomId),
    seq: num(value.seq),
    messageId: str(value.messageId),
    senderId: str(value.senderId),
    senderName: str(value.senderName),
    text: str(value.text),
    createdAt: num(value.createdAt),
    system: value.system === true,
    disconnect: value.disconnect === true,
    ...replyAndMentions(value),
  };
}

/** The optional parts of a stored answer, kept only when well formed. */
function replyAndMentions(value: Partial<Record<keyof ChatMessage, unknown>>): Partial<ChatMessage> {
  const extra: Partial<ChatMessage> = {};
  const preview = value.replyPreview as { sender?: unknown; text?: unknown } | undefined;
  if (
    typeof value.replyTo === 'number' &&
    typeof preview?.sender === 'string' &&
    typeof preview.text === 'string'
  ) {
    extra.replyTo = value.replyTo;
    extra.replyPreview = { sender: preview.sender, text: preview.text };
  }
  if (Array.isArray(value.mentions) && value.mentions.every((id) => typeof id === 'string')) {
    extra.mentions = value.mentions as string[];
  }
  return extra;
}
