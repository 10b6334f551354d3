import { ChatError } from './errors.js';
import type { RoomVisibility } from './types.js';

/** Fixed rules of the contract. Configurable limits live in `ChatLimits`. */
export const ROOM_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const DISPLAY_NAME_MAX_LENGTH = 64;
export const IDEMPOTENCY_KEY_MAX_LENGTH = 200;
export const WAIT_TIMEOUT_SECONDS = { min: 1, max: 300, default: 60 } as const;
export const HISTORY_LIMIT = { min: 1, max: 100, default: 50 } as const;
export const MIN_ROOM_CAPACITY = 2;
/** Most messages one wait hands over; the rest come with the next call, at once. */
export const WAIT_BATCH_LIMIT = 50;
/** How much history a joiner gets in `recent_messages`. */
export const RECENT_ON_JOIN = 20;

/** Limits an operator may set (see the README's configuration table). */
export interface ChatLimits {
  maxMessageBytes: number;
  maxRoomCapacity: number;
  /** Messages per second per participant, with a burst of twice that; 0 turns the limit off. */
  sendRatePerSecond: number;
  /** Parked waits one participant may hold at once; a further one supersedes the oldest. Absent: no limit. */
  maxWaits?: number;
  /** Participants one subject (or client address) may create per minute; 0 or absent: no limit. */
  newParticipantsPerMinute?: number;
  /** Seconds a queued participant waits for someone sharing an interest before anyone will do (10). */
  interestWaitSeconds?: number;
}

export const DEFAULT_LIMITS = {
  maxMessageBytes: 16_384,
  maxRoomCapacity: 50,
  sendRatePerSecond: 10,
  maxWaits: 4,
  newParticipantsPerMinute: 30,
  interestWaitSeconds: 10,
} satisfies Required<ChatLimits>;

// Control characters (C0, DEL, C1) are refused in names: they break terminals and transcripts.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

export function checkDisplayName(raw: string): string {
  const name = raw.trim();
  if (name.length === 0) {
    throw new ChatError('invalid_argument', 'display_name must not be empty or only spaces.');
  }
  if ([...name].length > DISPLAY_NAME_MAX_LENGTH) {
    throw new ChatError(
      'invalid_argument',
      `display_name must be at most ${DISPLAY_NAME_MAX_LENGTH} characters.`,
    );
  }
  if (CONTROL_CHARACTERS.test(name)) {
    throw new ChatError('invalid_argument', 'display_name must not contain control characters.');
  }
  return name;
}

export function checkRoomId(roomId: string): string {
  if (!ROOM_ID_PATTERN.test(roomId)) {
    throw new ChatError(
      'invalid_argument',
      'room_id must be 1-128 characters of letters, digits, ".", "_" or "-", starting with a letter or digit.',
    );
  }
  return roomId;
}

export function checkCapacity(capacity: number, limits: ChatLimits): number {
  if (!Number.isInteger(capacity) || capacity < MIN_ROOM_CAPACITY || capacity > limits.maxRoomCapacity) {
    throw new ChatError(
      'invalid_argument',
      `capacity must be a whole number from ${MIN_ROOM_CAPACITY} to ${limits.maxRoomCapacity}.`,
    );
  }
  return capacity;
}

export function checkMessageText(text: string, limits: ChatLimits): string {
  if (text.length === 0) {
    throw new ChatError('invalid_argument', 'message must not be empty.');
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxMessageBytes) {
    throw new ChatError(
      'message_too_large',
      `message is ${bytes} bytes of UTF-8; the limit is ${limits.maxMessageBytes}. Split it into several messages.`,
    );
  }
  return text;
}

export function checkIdempotencyKey(key: string): string {
  if (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX_LENGTH) {
    throw new ChatError(
      'invalid_argument',
      `idempotency_key must be 1-${IDEMPOTENCY_KEY_MAX_LENGTH} characters.`,
    );
  }
  return key;
}

/** Wait timeouts are the one thing clamped rather than refused: a long-poll that asks too much still waits. */
export function clampWaitSeconds(timeout: number | undefined): number {
  if (timeout === undefined) return WAIT_TIMEOUT_SECONDS.default;
  if (!Number.isFinite(timeout)) {
    throw new ChatError('invalid_argument', 'timeout must be a number of seconds.');
  }
  return Math.min(WAIT_TIMEOUT_SECONDS.max, Math.max(WAIT_TIMEOUT_SECONDS.min, timeout));
}

export function checkHistoryLimit(limit: number | undefined): number {
  if (limit === undefined) return HISTORY_LIMIT.default;
  if (!Number.isInteger(limit) || limit < HISTORY_LIMIT.min || limit > HISTORY_LIMIT.max) {
    throw new ChatError(
      'invalid_argument',
      `limit must be a whole number from ${HISTORY_LIMIT.min} to ${HISTORY_LIMIT.max}.`,
    );
  }
  return limit;
}

export function checkSeq(name: string, seq: number | undefined): number | undefined {
  if (seq === undefined) return undefined;
  if (!Number.isSafeInteger(seq) || seq < 0) {
    throw new ChatError('invalid_argument', `${name} must be a message seq: a whole number, 0 or more.`);
  }
  return seq;
}

/** Longest invite accepted; ours are 48 characters, the margin is for other encodings. */
export const INVITE_MAX_LENGTH = 200;

export function checkVisibility(visibility: string | undefined): RoomVisibility {
  if (visibility === undefined || visibility === 'public' || visibility === 'private') {
    return visibility ?? 'public';
  }
  throw new ChatError('invalid_argument', 'visibility must be "public" or "private".');
}

export function checkInvite(invite: string): string {
  if (invite.length === 0 || invite.length > INVITE_MAX_LENGTH) {
    throw new ChatError('invalid_argument', `invite must be 1-${INVITE_MAX_LENGTH} characters.`);
  }
  return invite;
}

export const TOPIC_MAX_LENGTH = 200;
export const REPLY_PREVIEW_LENGTH = 200;
export const DIRECTORY_LIMIT = { min: 1, max: 100, default: 20 } as const;
export const SEARCH_LIMIT = { min: 1, max: 50, default: 20 } as const;
export const SEARCH_QUERY_MAX_LENGTH = 200;

/** A room's topic: trimmed, 0-200 characters, no control characters ('' when omitted). */
export function checkTopic(topic: string | undefined): string {
  if (topic === undefined) return '';
  const trimmed = topic.trim();
  if ([...trimmed].length > TOPIC_MAX_LENGTH) {
    throw new ChatError('invalid_argument', `topic must be at most ${TOPIC_MAX_LENGTH} characters.`);
  }
  if (CONTROL_CHARACTERS.test(trimmed)) {
    throw new ChatError('invalid_argument', 'topic must not contain control characters such as line breaks.');
  }
  return trimmed;
}

export function checkLimit(
  limit: number | undefined,
  range: { min: number; max: number; default: number },
): number {
  if (limit === undefined) return range.default;
  if (!Number.isInteger(limit) || limit < range.min || limit > range.max) {
    throw new ChatError(
      'invalid_argument',
      `limit must be a whole number from ${range.min} to ${range.max}.`,
    );
  }
  return limit;
}

/** What people type to find rooms or messages: at most 200 characters of plain text. */
export function checkQuery(query: string, options: { required: boolean }): string {
  if (options.required && query.trim().length === 0) {
    throw new ChatError('invalid_argument', 'query must contain at least one word to look for.');
  }
  if ([...query].length > SEARCH_QUERY_MAX_LENGTH) {
    throw new ChatError('invalid_argument', `query must be at most ${SEARCH_QUERY_MAX_LENGTH} characters.`);
  }
  return query;
}

export const INTERESTS = { max: 10, maxLength: 32 } as const;
export const REPORT_REASON_MAX_LENGTH = 1000;
export const USER_ID_PATTERN = /^u_[A-Za-z0-9_-]{1,64}$/;

/**
 * Interests for matching: at most 10 tags, each trimmed, 1-32 characters, compared ignoring case
 * (kept in lower case), without commas (they separate tags where people type them) or control
 * characters. Repeats count once.
 */
export function checkInterests(interests: readonly string[] | undefined): string[] {
  if (interests === undefined) return [];
  const tags = [...new Set(interests.map((tag) => tag.trim().toLowerCase()))];
  if (tags.length > INTERESTS.max) {
    throw new ChatError('invalid_argument', `interests may hold at most ${INTERESTS.max} tags.`);
  }
  for (const tag of tags) {
    if (
      tag.length === 0 ||
      [...tag].length > INTERESTS.maxLength ||
      tag.includes(',') ||
      CONTROL_CHARACTERS.test(tag)
    ) {
      throw new ChatError(
        'invalid_argument',
        `each interest must be 1-${INTERESTS.maxLength} characters, without commas or control characters.`,
      );
    }
  }
  return tags.sort();
}

/** A public user id as the server hands them out (u_ and random letters). */
export function checkUserId(userId: string): string {
  if (!USER_ID_PATTERN.test(userId)) {
    throw new ChatError('invalid_argument', 'user_id must be a user id as results show it (u_...).');
  }
  return userId;
}

export function checkReportReason(reason: string): string {
  const trimmed = reason.trim();
  if (trimmed.length === 0 || [...trimmed].length > REPORT_REASON_MAX_LENGTH) {
    throw new ChatError(
      'invalid_argument',
      `reason must be 1-${REPORT_REASON_MAX_LENGTH} characters saying what happened.`,
    );
  }
  return trimmed;
}
