import type { ChatEngine } from './engine.js';
import { ChatError } from './errors.js';
import type { Clock, IdSource } from './identity.js';
import { REPLY_PREVIEW_LENGTH } from './rules.js';
import type { Member, MessageDraft } from './types.js';

/**
 * What a message says about other messages and people: the earlier message it answers (with a
 * preview, so a reader needs no second call), and the members it names with `@`.
 */

type Threading = Pick<MessageDraft, 'replyTo' | 'replyPreview' | 'mentions'>;

/** A new message of `sender` in `roomId`, with what it answers and whom it names. */
export async function composeMessage(
  engine: ChatEngine,
  ids: IdSource,
  clock: Clock,
  request: { roomId: string; caller: Member; text: string; replyTo?: number },
): Promise<MessageDraft> {
  const { roomId, caller: sender, text, replyTo } = request;
  return {
    messageId: ids.messageId(),
    senderId: sender.userId,
    senderName: sender.displayName,
    text,
    createdAt: clock.now(),
    system: false,
    disconnect: false,
    ...(await threading(engine, { roomId, senderId: sender.userId, text, replyTo })),
  };
}

/**
 * The reply and mention fields of a new message by `senderId` in `roomId`. The room is only read
 * for what the text needs: nothing without `replyTo` and without an `@`.
 */
export async function threading(
  engine: ChatEngine,
  request: { roomId: string; senderId: string; text: string; replyTo?: number },
): Promise<Threading> {
  const { roomId, senderId, text, replyTo } = request;
  const result: Threading = {};
  if (replyTo !== undefined) Object.assign(result, await quote(engine, roomId, senderId, replyTo));
  if (text.includes('@')) {
    const others = (await engine.membersOf(roomId)).filter((member) => member.userId !== senderId);
    const mentions = findMentions(text, others);
    if (mentions.length > 0) result.mentions = mentions;
  }
  return result;
}

/**
 * The answered message's sender and first characters. Only for an active member: anyone else
 * is refused by the append itself (room_not_found, not_in_room, ...) without learning which seqs
 * exist, and a retry with an idempotency key still gets its first answer.
 */
async function quote(engine: ChatEngine, roomId: string, senderId: string, seq: number): Promise<Threading> {
  const { membership } = await engine.roomAccess(roomId, senderId);
  if (!membership || membership.leftAt !== null) return {};
  const [quoted] = (await engine.readHistory({ roomId, after: seq - 1, limit: 1 })).messages;
  if (seq < 1 || quoted?.seq !== seq) {
    throw new ChatError(
      'invalid_argument',
      `reply_to: room ${roomId} has no message with seq ${seq}. Use the seq of a message shown by wait_for_message or get_messages.`,
    );
  }
  const preview = [...quoted.text].slice(0, REPLY_PREVIEW_LENGTH).join('');
  return { replyTo: seq, replyPreview: { sender: quoted.senderName, text: preview } };
}

const WORD_CHARACTER = /[\p{L}\p{N}_]/u;

/**
 * User ids of the members named as `@display name` or `@user_id` (case does not matter), in the
 * order first named. An `@` inside a word (an e-mail address) names nobody; where several names
 * fit (`@Ann` and `@Ann Lee`), the longest wins.
 */
export function findMentions(text: string, members: readonly Member[]): string[] {
  const names = members.flatMap((member) => [
    { userId: member.userId, name: member.displayName.toLowerCase() },
    { userId: member.userId, name: member.userId.toLowerCase() },
  ]);
  const lower = text.toLowerCase();
  const found: string[] = [];
  for (let at = lower.indexOf('@'); at !== -1; at = lower.indexOf('@', at + 1)) {
    if (at > 0 && WORD_CHARACTER.test(lower[at - 1] ?? '')) continue;
    let best: { userId: string; length: number } | undefined;
    for (const { userId, name } of names) {
      if (name.length === 0 || !lower.startsWith(name, at + 1)) continue;
      const after = lower.slice(at + 1 + name.length, at + 3 + name.length);
      if (after.length > 0 && WORD_CHARACTER.test([...after][0] ?? '')) continue;
      if (!best || name.length > best.length) best = { userId, length: name.length };
    }
    if (best && !found.includes(best.userId)) found.push(best.userId);
  }
  return found;
}
