/**
 * What the rest of the server sees of the chat. mcp/, http/ and cli/ import the chat only from
 * here; the modules behind it are free to move.
 */

export type { ChatEngine, ChatEvent, HistoryPage, LeaveReason } from './engine.js';
export { ChatError, ERROR_CODES, type ErrorCode, StorageUnavailableError } from './errors.js';
export type { DirectoryResult } from './finding.js';
export { type Abortable, WaitStop } from './park.js';
export { PresenceSweeper, type SweepReport, type SweepResult } from './presence.js';
export { UNREAD_PREVIEW_CHARS } from './read-position.js';
export type {
  Caller,
  JoinRoomResult,
  MarkReadResult,
  MatchWaitResult,
  MessageWaitResult,
  QueueStanding,
  StatusResult,
  UnreadNote,
  WaitEnd,
} from './results.js';
export {
  type ChatLimits,
  DEFAULT_LIMITS,
  DIRECTORY_LIMIT,
  DISPLAY_NAME_MAX_LENGTH,
  HISTORY_LIMIT,
  IDEMPOTENCY_KEY_MAX_LENGTH,
  INTERESTS,
  INVITE_MAX_LENGTH,
  MIN_ROOM_CAPACITY,
  REPORT_REASON_MAX_LENGTH,
  ROOM_ID_PATTERN,
  SEARCH_LIMIT,
  SEARCH_QUERY_MAX_LENGTH,
  TOPIC_MAX_LENGTH,
  WAIT_TIMEOUT_SECONDS,
} from './rules.js';
export type { Ban, Report } from './safety-port.js';
export { ChatService, type ChatServiceOptions } from './service.js';
export type {
  ReplayBounds,
  SessionRecord,
  SessionRecords,
  SessionSignal,
  StoredReplayEvent,
} from './session-records.js';
export {
  type ChatMessage,
  LOCAL_ORIGIN,
  type Member,
  type Origin,
  type Participant,
  type Room,
  type RoomListing,
  type RoomSummary,
  type RoomVisibility,
} from './types.js';
