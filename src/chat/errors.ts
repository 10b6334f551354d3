/**
 * The stable, machine-readable error codes of the contract. Clients branch on these; the README
 * lists each one with what to do about it. Adding a code is a contract change.
 */
export const ERROR_CODES = [
  'invalid_argument',
  'invalid_client',
  'not_in_queue',
  'room_not_found',
  'room_full',
  'not_in_room',
  'chat_ended',
  'message_too_large',
  'rate_limited',
  'unavailable',
  'banned',
  'internal_error',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** A refusal the caller can act on: `message` is a sentence for a person or a model. */
export class ChatError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'ChatError';
    this.code = code;
  }
}

/**
 * Thrown by engines when their storage cannot be reached (the SQLite file is locked or gone,
 * Redis is down). The chat layer lets it through; the protocol face answers `unavailable`.
 */
export class StorageUnavailableError extends ChatError {
  constructor(detail: string) {
    super('unavailable', `Chat storage is unavailable right now (${detail}). Try again in a few seconds.`);
    this.name = 'StorageUnavailableError';
  }
}
