import type Database from 'better-sqlite3';
import type { EventBus } from '../../chat/engine.js';
import {
  type NewSessionRecord,
  type ReplayBounds,
  type ReplayEvent,
  type SessionRecord,
  type SessionRecords,
  type SessionSignal,
  type StoredReplayEvent,
  sessionTopic,
} from '../../chat/session-records.js';
import type { SqliteStorage } from './storage.js';

interface SessionRow {
  session_id: string;
  owner_key: string;
  subject: string | null;
  initialize: string;
  log_level: string | null;
  user_ids: string;
  created_at: number;
  last_active_at: number;
}

function prepare(db: Database.Database) {
  return {
    expireOf: db.prepare('DELETE FROM mcp_sessions WHERE owner_key = ? AND expires_at <= ?'),
    countOf: db.prepare('SELECT count(*) AS n FROM mcp_sessions WHERE owner_key = ? AND expires_at > ?'),
    insert: db.prepare(
      `INSERT INTO mcp_sessions (session_id, owner_key, subject, initialize, created_at, last_active_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    touch: db.prepare(
      `UPDATE mcp_sessions SET last_active_at = max(last_active_at, @now), expires_at = max(expires_at, @expires)
       WHERE session_id = @id AND expires_at > @now
       RETURNING session_id, owner_key, subject, initialize, log_level, user_ids, created_at, last_active_at`,
    ),
    userIds: db.prepare('SELECT user_ids FROM mcp_sessions WHERE session_id = ?'),
    setUserIds: db.prepare('UPDATE mcp_sessions SET user_ids = ? WHERE session_id = ?'),
    setLogLevel: db.prepare('UPDATE mcp_sessions SET log_level = ? WHERE session_id = ?'),
    end: db.prepare('DELETE FROM mcp_sessions WHERE session_id = ?'),
    endEvents: db.prepare('DELETE FROM mcp_session_events WHERE session_id = ?'),
    count: db.prepare('SELECT count(*) AS n FROM mcp_sessions WHERE expires_at > ?'),
    nextEvent: db.prepare(
      'UPDATE mcp_sessions SET next_event = next_event + 1 WHERE session_id = ? RETURNING next_event',
    ),
    insertEvent: db.prepare(
      'INSERT INTO mcp_session_events (session_id, seq, stream_id, message, at) VALUES (?, ?, ?, ?, ?)',
    ),
    trimEvents: db.prepare('DELETE FROM mcp_session_events WHERE session_id = ? AND (seq <= ? OR at < ?)'),
    eventsAfter: db.prepare(
      `SELECT seq, stream_id, message, at FROM mcp_session_events
       WHERE session_id = ? AND stream_id = ? AND seq > ? ORDER BY seq`,
    ),
    expiredEvents: db.prepare(
      `DELETE FROM mcp_session_events
       WHERE session_id IN (SELECT session_id FROM mcp_sessions WHERE expires_at <= ?)`,
    ),
    expired: db.prepare('DELETE FROM mcp_sessions WHERE expires_at <= ?'),
  };
}

/**
 * Sessions in the SQLite file (tables `mcp_sessions` and `mcp_session_events`). A session is
 * expired once `expires_at` passed: reads ignore it at once, and the engine's background sweep
 * deletes it (with its replay log) within a minute. Signals travel on the engine's bus, which
 * reaches every process on the file.
 */
export class SqliteSessionRecords implements SessionRecords {
  private readonly sql: ReturnType<typeof prepare>;

  constructor(
    private readonly storage: SqliteStorage,
    private readonly bus: EventBus,
  ) {
    this.sql = prepare(storage.db);
  }

  async open(record: NewSessionRecord, { maxPerOwner, ttlMs }: { maxPerOwner: number; ttlMs: number }) {
    const { sessionId, ownerKey, subject, initialize, now } = record;
    return this.storage.transaction(() => {
      this.sql.expireOf.run(ownerKey, now);
      const { n } = this.sql.countOf.get(ownerKey, now) as { n: number };
      if (n >= maxPerOwner) return false;
      this.sql.insert.run(sessionId, ownerKey, subject ?? null, initialize, now, now, now + ttlMs);
      return true;
    });
  }

  async touch(sessionId: string, now: number, ttlMs: number): Promise<SessionRecord | null> {
    const row = this.storage.transaction(
      () => this.sql.touch.get({ id: sessionId, now, expires: now + ttlMs }) as SessionRow | undefined,
    );
    return row ? toRecord(row) : null;
  }

  async bind(sessionId: string, userId: string, maxUsers: number): Promise<void> {
    this.storage.transaction(() => {
      const row = this.sql.userIds.get(sessionId) as { user_ids: string } | undefined;
      if (!row) return;
      const userIds = JSON.parse(row.user_ids) as string[];
      if (userIds.includes(userId) || userIds.length >= maxUsers) return;
      this.sql.setUserIds.run(JSON.stringify([...userIds, userId]), sessionId);
    });
  }

  async setLogLevel(sessionId: string, level: string): Promise<void> {
    this.storage.transaction(() => this.sql.setLogLevel.run(level, sessionId));
  }

  async end(sessionId: string): Promise<boolean> {
    return this.storage.transaction(() => {
      this.sql.endEvents.run(sessionId);
      return this.sql.end.run(sessionId).changes > 0;
    });
  }

  async count(now: number): Promise<number> {
    return this.storage.read(() => (this.sql.count.get(now) as { n: number }).n);
  }

  async appendEvent(sessionId: string, event: ReplayEvent, window: ReplayBounds): Promise<number> {
    return this.storage.transaction(() => {
      const row = this.sql.nextEvent.get(sessionId) as { next_event: number } | undefined;
      // A session that ended meanwhile keeps no log; the number is still unique (never stored).
      if (!row) return 0;
      const seq = row.next_event;
      this.sql.insertEvent.run(sessionId, seq, event.streamId, event.message, event.at);
      this.sql.trimEvents.run(sessionId, seq - window.maxEvents, event.at - window.maxAgeMs);
      return seq;
    });
  }

  async eventsAfter(sessionId: string, streamId: string, after: number): Promise<StoredReplayEvent[]> {
    const rows = this.storage.read(
      () =>
        this.sql.eventsAfter.all(sessionId, streamId, after) as {
          seq: number;
          stream_id: string;
          message: string;
          at: number;
        }[],
    );
    return rows.map((row) => ({ seq: row.seq, streamId: row.stream_id, message: row.message, at: row.at }));
  }

  async signal(sessionId: string, signal: SessionSignal): Promise<void> {
    await this.bus.publish(sessionTopic(sessionId), { type: 'session', signal });
  }

  onSignal(sessionId: string, listener: (signal: SessionSignal) => void): () => void {
    return this.bus.subscribe(sessionTopic(sessionId), (event) => {
      if (event.type === 'session') listener(event.signal);
    });
  }

  /** Background step (inside the engine's sweep): deletes expired sessions and their replay logs. */
  sweep(now: number): void {
    this.sql.expiredEvents.run(now);
    this.sql.expired.run(now);
  }
}

function toRecord(row: SessionRow): SessionRecord {
  return {
    sessionId: row.session_id,
    ownerKey: row.owner_key,
    subject: row.subject ?? undefined,
    initialize: row.initialize,
    logLevel: row.log_level ?? undefined,
    userIds: JSON.parse(row.user_ids) as string[],
    now: row.created_at,
    lastActiveAt: row.last_active_at,
  };
}
