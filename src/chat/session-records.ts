/**
 * The part of the engine port (chat/engine.ts, whose general rules hold here too) that keeps
 * 2025-era MCP sessions in storage, so that any instance can serve any session and a restart
 * loses none. The chat itself never reads these: the HTTP layer rebuilds its per-session server
 * objects from them. Stored values are opaque to the engine (JSON text and plain strings).
 */
export interface SessionRecords {
  /**
   * Stores a new session unless its owner already holds `maxPerOwner` sessions that have not
   * expired (then nothing is written and the answer is false). Atomic across instances: the cap
   * holds however many instances open sessions for one owner at once.
   */
  open(record: NewSessionRecord, policy: { maxPerOwner: number; ttlMs: number }): Promise<boolean>;

  /**
   * The session, or null when it never existed, ended or expired. Marks activity at `now`: the
   * session then expires `ttlMs` after `now` at the earliest.
   */
  touch(sessionId: string, now: number, ttlMs: number): Promise<SessionRecord | null>;

  /** Adds a bound participant (kept once, at most `maxUsers` of them); harmless for a missing session. */
  bind(sessionId: string, userId: string, maxUsers: number): Promise<void>;

  /** Remembers the session's `logging/setLevel`; harmless for a missing session. */
  setLogLevel(sessionId: string, level: string): Promise<void>;

  /** Removes the session and its replay log; false when there was none. */
  end(sessionId: string): Promise<boolean>;

  /** Sessions stored and not expired at `now`, across all owners (for metrics and the benchmark). */
  count(now: number): Promise<number>;

  /**
   * Appends one event to the session's replay log and returns its number: increasing within a
   * session, across all instances, never reused. The log keeps at most `window.maxEvents` events
   * and none older than `window.maxAgeMs`; the oldest go first.
   */
  appendEvent(sessionId: string, event: ReplayEvent, window: ReplayBounds): Promise<number>;

  /** The events of `streamId` numbered after `after`, oldest first (what the log still holds). */
  eventsAfter(sessionId: string, streamId: string, after: number): Promise<StoredReplayEvent[]>;

  /** Tells every instance that serves the session (this one included); a hint, like bus events. */
  signal(sessionId: string, signal: SessionSignal): Promise<void>;

  /** Listens for the session's signals; returns the function that stops listening. */
  onSignal(sessionId: string, listener: (signal: SessionSignal) => void): () => void;
}

export interface NewSessionRecord {
  sessionId: string;
  /** Whom the per-caller cap counts it against (subject, or client IP without access control). */
  ownerKey: string;
  /** The subject that opened it (absent without access control): only it may use the session. */
  subject?: string;
  /** The `initialize` request's params as JSON text (protocol version, capabilities, client info). */
  initialize: string;
  now: number;
}

export interface SessionRecord extends NewSessionRecord {
  /** `logging/setLevel`, when the client set one. */
  logLevel?: string;
  /** User ids of the participants bound to the session, in the order they were bound. */
  userIds: string[];
  lastActiveAt: number;
}

export interface ReplayEvent {
  streamId: string;
  /** The JSON-RPC message as JSON text. */
  message: string;
  at: number;
}

export interface StoredReplayEvent extends ReplayEvent {
  seq: number;
}

export interface ReplayBounds {
  maxAgeMs: number;
  maxEvents: number;
}

/** What one instance tells the others about a session it served. */
export type SessionSignal =
  /** The client cancelled request `requestId` (wherever that request is parked). */
  | { kind: 'cancel'; requestId: string | number; reason?: string }
  /** A call bound this participant: its events are now the session's push. */
  | { kind: 'bound'; userId: string }
  /** Instance `by` took a `logging/setLevel`; the others apply it (`by` already did, in order). */
  | { kind: 'log_level'; level: string; by: string }
  /** Instance `by` opened the session's GET stream: the one place that pushes from now on. */
  | { kind: 'streaming'; by: string }
  /** DELETE: every instance drops its copy and closes the session's streams. */
  | { kind: 'ended' };

export const sessionTopic = (sessionId: string): string => `session:${sessionId}`;
