import { type AppendOutcome, type AppendRequest, IDEMPOTENCY_WINDOW_SECONDS } from '../../chat/engine.js';
import type { ChatMessage, MessageDraft } from '../../chat/types.js';
import { fromSentJson, type MemberRow, messageValues, type RoomRow, toMembership, toRoom } from './rows.js';
import { recipientsOf, type SafetyStatements } from './safety.js';
import type { Statements } from './statements.js';

const IDEMPOTENCY_WINDOW_MS = IDEMPOTENCY_WINDOW_SECONDS * 1000;

/** The retention a room's log keeps: most messages, and their longest age; 0 keeps all. */
export interface LogRetention {
  maxMessages: number;
  maxAgeMs: number;
}

/**
 * Appends to the log, then applies retention to the room: by count, and by age from this message.
 * The seq bump also moves the room's sender run (last_sender, run_start), and the sender's own
 * count since its cursor (own_after) grows: the O(1) unread counts of read-position.ts.
 */
export function insertMessage(
  sql: Statements,
  retention: LogRetention,
  roomId: string,
  draft: MessageDraft,
  /** The new seq, when the caller has already taken it (see appendMessage). */
  takenSeq?: number,
): ChatMessage {
  const bump = { at: draft.createdAt, sender: draft.senderId, roomId };
  const seq = takenSeq ?? (sql.bumpSeq.get(bump) as { last_seq: number }).last_seq;
  sql.bumpOwn.run(roomId, draft.senderId);
  sql.insertMessage.run(roomId, seq, ...messageValues(draft));
  if (retention.maxMessages > 0) sql.deleteBeyondCount.run(roomId, seq - retention.maxMessages);
  if (retention.maxAgeMs > 0) sql.deleteRoomOlderThan.run(roomId, draft.createdAt - retention.maxAgeMs);
  return { ...draft, roomId, seq };
}

/**
 * One send, inside the caller's write transaction (a group commit runs several in one). The
 * happy path reads only what the write cannot answer: the sender's membership, then a seq bump
 * that succeeds only in an open room (so the room row need not be read first), then the ids of
 * the recipients. Refusals take the long way, which tells them apart.
 */
export function appendMessage(
  sql: Statements,
  own: SafetyStatements,
  retention: LogRetention,
  { roomId, userId, draft, idempotencyKey }: AppendRequest,
): AppendOutcome {
  const now = Date.now();
  if (idempotencyKey !== undefined) {
    const first = sql.sentByKey.get(roomId, userId, idempotencyKey, now - IDEMPOTENCY_WINDOW_MS) as
      | { message: string }
      | undefined;
    if (first) return { kind: 'duplicate', message: fromSentJson(first.message) };
  }
  const member = sql.membership.get(roomId, userId) as MemberRow | undefined;
  const bump = { at: draft.createdAt, sender: draft.senderId, roomId };
  const bumped =
    member && member.left_at === null
      ? (sql.bumpOpenSeq.get(bump) as { last_seq: number } | undefined)
      : undefined;
  if (!bumped) return refusal(sql, roomId, member);
  const message = insertMessage(sql, retention, roomId, draft, bumped.last_seq);
  if (idempotencyKey !== undefined) {
    sql.rememberSent.run(roomId, userId, idempotencyKey, JSON.stringify(message), now);
  }
  return { kind: 'stored', message, recipients: recipientsOf(sql, own, roomId, userId) };
}

/** Why a send was refused: in the very order the engine's other refusals use. */
function refusal(sql: Statements, roomId: string, member: MemberRow | undefined): AppendOutcome {
  const roomRow = sql.roomById.get(roomId) as RoomRow | undefined;
  if (!roomRow) return { kind: 'room_not_found' };
  const membership = member ? toMembership(member) : null;
  if (toRoom(roomRow).endedAt !== null) return membership ? { kind: 'chat_ended' } : { kind: 'not_in_room' };
  return { kind: 'not_in_room' };
}
