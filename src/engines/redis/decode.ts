import type { RoomRefusal } from '../../chat/engine.js';
import { searchWords } from '../../chat/search-text.js';
import type { ChatMessage, Member, Membership, MessageDraft, Room } from '../../chat/types.js';
import type { Reply } from './scripts.js';

/**
 * Turns script replies into chat values, and messages into script arguments. A reply of the
 * wrong shape is a bug in a script, so it throws rather than guesses.
 */

export function list(reply: Reply | undefined): Reply[] {
  if (!Array.isArray(reply))
    throw new Error(`Redis script reply: expected a list, got ${JSON.stringify(reply)}`);
  return reply;
}

export function text(reply: Reply | undefined): string {
  if (typeof reply !== 'string')
    throw new Error(`Redis script reply: expected text, got ${JSON.stringify(reply)}`);
  return reply;
}

/** An integer, whether Lua returned it as a number or read it from Redis as text. */
export function integer(reply: Reply | undefined): number {
  const value = typeof reply === 'string' ? Number(reply) : reply;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new Error(`Redis script reply: expected an integer, got ${JSON.stringify(reply)}`);
  }
  return value;
}

/** A time in ms since the epoch, stored as text. */
export function time(reply: Reply | undefined): number {
  const value = Number(text(reply));
  if (!Number.isFinite(value)) throw new Error(`Redis: expected a time, got ${JSON.stringify(reply)}`);
  return value;
}

/** A hash as HGETALL lists it: field, value, field, value. */
export function fields(reply: Reply | undefined): Map<string, string> {
  const flat = list(reply);
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(text(flat[i]), text(flat[i + 1]));
  return map;
}

function field(hash: Map<string, string>, name: string): string {
  const value = hash.get(name);
  if (value === undefined) throw new Error(`Redis: stored record lacks its ${name} field`);
  return value;
}

export function toRoom(roomId: string, reply: Reply | undefined): Room {
  const hash = fields(reply);
  const kind = field(hash, 'kind');
  if (kind !== 'queue' && kind !== 'named') throw new Error(`Redis: room ${roomId} has kind ${kind}`);
  const endedAt = hash.get('endedAt');
  return {
    roomId,
    kind,
    capacity: integer(field(hash, 'capacity')),
    createdAt: time(field(hash, 'createdAt')),
    endedAt: endedAt === undefined ? null : time(endedAt),
    lastSeq: integer(field(hash, 'lastSeq')),
    visibility: hash.get('visibility') === 'private' ? 'private' : 'public',
    invite: hash.get('invite') ?? null,
    topic: hash.get('topic') ?? '',
  };
}

export function toMembership(roomId: string, userId: string, reply: Reply | undefined): Membership {
  const hash = fields(reply);
  const leftAt = hash.get('leftAt');
  return {
    roomId,
    userId,
    joinedAt: time(field(hash, 'joinedAt')),
    joinedSeq: integer(field(hash, 'joinedSeq')),
    cursor: integer(field(hash, 'cursor')),
    leftAt: leftAt === undefined ? null : time(leftAt),
  };
}

/** Members as the scripts list them: user id, display name, user id, ... */
export function toMembers(reply: Reply | undefined): Member[] {
  const flat = list(reply);
  const members: Member[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    members.push({ userId: text(flat[i]), displayName: text(flat[i + 1]) });
  }
  return members;
}

/** A stream entry: [`${seq}-0`, [field, value, ...]]. */
export function toMessage(roomId: string, reply: Reply | undefined): ChatMessage {
  const [id, entryFields] = list(reply);
  const hash = fields(entryFields);
  const message: ChatMessage = {
    roomId,
    seq: integer(text(id).split('-', 1)[0]),
    messageId: field(hash, 'id'),
    senderId: field(hash, 'sender'),
    senderName: field(hash, 'name'),
    text: field(hash, 'text'),
    createdAt: time(field(hash, 'at')),
    system: field(hash, 'system') === '1',
    disconnect: field(hash, 'disconnect') === '1',
  };
  const replyTo = hash.get('replyTo');
  if (replyTo !== undefined) {
    message.replyTo = integer(replyTo);
    message.replyPreview = { sender: hash.get('replySender') ?? '', text: hash.get('replyText') ?? '' };
  }
  const mentions = hash.get('mentions');
  if (mentions !== undefined) message.mentions = mentions.split(' ');
  return message;
}

export function toMessages(roomId: string, reply: Reply | undefined): ChatMessage[] {
  return list(reply).map((entry) => toMessage(roomId, entry));
}

/**
 * The optional fields of an appended message's stream entry, as name, value pairs: the reply,
 * the mentions (user ids never hold spaces), and its words folded (" word word ") for search.
 */
export function extraFieldArgs(draft: MessageDraft): string[] {
  const args: string[] = [];
  if (draft.replyTo !== undefined && draft.replyPreview) {
    args.push('replyTo', String(draft.replyTo), 'replySender', draft.replyPreview.sender);
    args.push('replyText', draft.replyPreview.text);
  }
  if (draft.mentions && draft.mentions.length > 0) args.push('mentions', draft.mentions.join(' '));
  if (!draft.system) args.push('words', ` ${searchWords(draft.text).join(' ')} `);
  return args;
}

/** A draft as the seven script arguments `read_draft` expects (lua/common.ts), in its field order. */
export function draftArgs(draft: MessageDraft): string[] {
  return [
    draft.messageId,
    draft.senderId,
    draft.senderName,
    draft.text,
    String(draft.createdAt),
    draft.system ? '1' : '0',
    draft.disconnect ? '1' : '0',
  ];
}

/** A room refusal a script answered with; anything else is a bug in the script. */
export function refusal(script: string, kind: Reply | undefined): RoomRefusal {
  if (kind === 'room_not_found' || kind === 'chat_ended' || kind === 'not_in_room') return { kind };
  throw unexpected(script, kind);
}

export function unexpected(script: string, kind: Reply | undefined): Error {
  return new Error(`Redis script ${script} answered ${JSON.stringify(kind)}`);
}
