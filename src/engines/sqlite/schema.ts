import type { Database } from 'better-sqlite3';

/**
 * Schema migrations, applied in order and recorded in `PRAGMA user_version`. Append new steps;
 * never edit one that has shipped.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE participants (
    user_id      TEXT PRIMARY KEY,
    credential   TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    -- Set when the idle sweep claims the participant; cleared by its next activity.
    idle_claimed_at INTEGER
  );

  -- FIFO queue: the ticket orders arrivals.
  CREATE TABLE queue (
    ticket      INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     TEXT NOT NULL UNIQUE,
    enqueued_at INTEGER NOT NULL
  );

  CREATE TABLE rooms (
    room_id    TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('queue', 'named')),
    capacity   INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    ended_at   INTEGER,
    last_seq   INTEGER NOT NULL DEFAULT 0
  );

  CREATE TABLE members (
    room_id    TEXT NOT NULL REFERENCES rooms (room_id),
    user_id    TEXT NOT NULL REFERENCES participants (user_id),
    joined_at  INTEGER NOT NULL,
    joined_seq INTEGER NOT NULL,
    cursor     INTEGER NOT NULL,
    left_at    INTEGER,
    PRIMARY KEY (room_id, user_id)
  );
  CREATE INDEX members_active_by_user ON members (user_id) WHERE left_at IS NULL;

  CREATE TABLE messages (
    room_id         TEXT NOT NULL REFERENCES rooms (room_id),
    seq             INTEGER NOT NULL,
    message_id      TEXT NOT NULL,
    sender_id       TEXT NOT NULL,
    sender_name     TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    system          INTEGER NOT NULL,
    disconnect      INTEGER NOT NULL,
    idempotency_key TEXT,
    PRIMARY KEY (room_id, seq)
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX messages_idempotency ON messages (room_id, sender_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
  `,
  // Retention by age deletes by time across all rooms.
  `
  CREATE INDEX messages_by_time ON messages (created_at);
  `,
  // Idempotency keys move out of the log: retention deleted them with their message, so a retry
  // was stored twice. Each key keeps its first answer whole, expiring by stored_at (wall clock).
  // messages.idempotency_key stays, unused, since SQLite cannot drop a column from a WITHOUT
  // ROWID table cheaply.
  `
  CREATE TABLE sent_keys (
    room_id         TEXT NOT NULL,
    sender_id       TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    message         TEXT NOT NULL,
    stored_at       INTEGER NOT NULL,
    PRIMARY KEY (room_id, sender_id, idempotency_key)
  ) WITHOUT ROWID;
  CREATE INDEX sent_keys_by_time ON sent_keys (stored_at);
  INSERT INTO sent_keys (room_id, sender_id, idempotency_key, message, stored_at)
    SELECT room_id, sender_id, idempotency_key,
           json_object('roomId', room_id, 'seq', seq, 'messageId', message_id, 'senderId', sender_id,
                       'senderName', sender_name, 'text', body, 'createdAt', created_at,
                       'system', json(CASE system WHEN 1 THEN 'true' ELSE 'false' END),
                       'disconnect', json(CASE disconnect WHEN 1 THEN 'true' ELSE 'false' END)),
           created_at
    FROM messages WHERE idempotency_key IS NOT NULL;
  DROP INDEX messages_idempotency;
  `,
  // Access control: a participant belongs to the subject that created it (null: created without
  // access control); a private room has an invite and is never listed.
  `
  ALTER TABLE participants ADD COLUMN owner TEXT;
  ALTER TABLE rooms ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'private'));
  ALTER TABLE rooms ADD COLUMN invite TEXT;
  `,
  // Several processes on one file are one chat. `events` carries each process's bus events to the
  // others (commit-watch.ts reads what others appended); AUTOINCREMENT so that an id is never
  // reused after pruning, since readers remember the last id they saw. The limits must hold
  // across every process on the file: `buckets` holds the rate limits (keys `send:USER` and
  // `create:CREATOR`), `parked_waits` the waits each participant holds (MCP_CHAT_MAX_WAITS).
  `
  CREATE TABLE events (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    origin TEXT NOT NULL,
    topic  TEXT NOT NULL,
    event  TEXT NOT NULL,
    at     INTEGER NOT NULL
  );
  CREATE INDEX events_by_time ON events (at);
  CREATE TABLE buckets (
    key    TEXT PRIMARY KEY,
    tokens REAL NOT NULL,
    at     INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE parked_waits (
    seq     INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL,
    wait_id TEXT NOT NULL,
    at      INTEGER NOT NULL,
    UNIQUE (user_id, wait_id)
  );
  `,
  // The room directory, replies and mentions, and full-text search (FTS5, bundled with SQLite).
  // Rooms remember when they were last active; the directory reads them through a partial index
  // in that order. The search index is contentless (the text stays in `messages` alone) and
  // keyed by `search_rows.row`, which grows with time, so newest first is rowid descending.
  // Triggers keep it in step with every insert and every removal (retention included); the
  // history written before this version is indexed here, oldest first.
  `
  ALTER TABLE rooms ADD COLUMN topic TEXT NOT NULL DEFAULT '';
  ALTER TABLE rooms ADD COLUMN listing_text TEXT NOT NULL DEFAULT '';
  ALTER TABLE rooms ADD COLUMN last_activity INTEGER NOT NULL DEFAULT 0;
  UPDATE rooms SET
    listing_text = lower(room_id),
    last_activity = max(created_at, coalesce((SELECT max(m.created_at) FROM messages m WHERE m.room_id = rooms.room_id), 0));
  CREATE INDEX rooms_directory ON rooms (last_activity DESC, room_id DESC)
    WHERE kind = 'named' AND visibility = 'public';

  -- The room's last seq when the member left (members who left before this version have none:
  -- search then goes by left_at).
  ALTER TABLE members ADD COLUMN left_seq INTEGER;

  ALTER TABLE messages ADD COLUMN reply_to INTEGER;
  ALTER TABLE messages ADD COLUMN reply_sender TEXT;
  ALTER TABLE messages ADD COLUMN reply_text TEXT;
  -- A JSON array of user ids, or NULL for none.
  ALTER TABLE messages ADD COLUMN mentions TEXT;

  CREATE TABLE search_rows (
    row     INTEGER PRIMARY KEY,
    room_id TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    UNIQUE (room_id, seq)
  );
  CREATE VIRTUAL TABLE search_index USING fts5(
    body, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
  );
  INSERT INTO search_rows (room_id, seq)
    SELECT room_id, seq FROM messages WHERE system = 0 ORDER BY created_at, room_id, seq;
  INSERT INTO search_index (rowid, body)
    SELECT r.row, m.body FROM search_rows r JOIN messages m ON m.room_id = r.room_id AND m.seq = r.seq;
  CREATE TRIGGER messages_searchable AFTER INSERT ON messages WHEN NEW.system = 0 BEGIN
    INSERT INTO search_rows (room_id, seq) VALUES (NEW.room_id, NEW.seq);
    INSERT INTO search_index (rowid, body) VALUES (last_insert_rowid(), NEW.body);
  END;
  CREATE TRIGGER messages_unsearchable AFTER DELETE ON messages WHEN OLD.system = 0 BEGIN
    DELETE FROM search_index
      WHERE rowid = (SELECT row FROM search_rows WHERE room_id = OLD.room_id AND seq = OLD.seq);
    DELETE FROM search_rows WHERE room_id = OLD.room_id AND seq = OLD.seq;
  END;
  `,
  // Storage that stays bounded: a room that ended, or a named room left empty, gets a wall-clock
  // deadline (NULL: kept), after which the sweep removes it with its memberships and log.
  `
  -- A participant is forgotten, with its memberships, once forget_after (its last call plus 30
  -- days, by the wall clock) has passed.
  ALTER TABLE rooms ADD COLUMN expires_at INTEGER;
  CREATE INDEX rooms_by_expiry ON rooms (expires_at) WHERE expires_at IS NOT NULL;
  ALTER TABLE participants ADD COLUMN forget_after INTEGER;
  -- Those known before this version get 30 days from the upgrade, whatever their last call.
  UPDATE participants SET forget_after = CAST(strftime('%s', 'now') AS INTEGER) * 1000 + 30 * 86400000;
  CREATE INDEX participants_by_expiry ON participants (forget_after) WHERE forget_after IS NOT NULL;

  -- Unread counts without counting (read-position.ts): a member's own messages past its cursor
  -- (NULL: not known, counted from the log), and where the room's latest run of one sender began.
  ALTER TABLE members ADD COLUMN own_after INTEGER;
  ALTER TABLE rooms ADD COLUMN last_sender TEXT;
  ALTER TABLE rooms ADD COLUMN run_start INTEGER;
  `,
  // 2025-era MCP sessions (see chat/session-records.ts): any process on the file can serve them,
  // and a restart loses none. `events` is the replay log of a session's GET stream.
  `
  CREATE TABLE mcp_sessions (
    session_id     TEXT PRIMARY KEY,
    owner_key      TEXT NOT NULL,
    subject        TEXT,
    initialize     TEXT NOT NULL,
    log_level      TEXT,
    user_ids       TEXT NOT NULL DEFAULT '[]',
    created_at     INTEGER NOT NULL,
    last_active_at INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    next_event     INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX mcp_sessions_by_owner ON mcp_sessions (owner_key, expires_at);
  CREATE INDEX mcp_sessions_by_expiry ON mcp_sessions (expires_at);
  CREATE TABLE mcp_session_events (
    session_id TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    stream_id  TEXT NOT NULL,
    message    TEXT NOT NULL,
    at         INTEGER NOT NULL,
    PRIMARY KEY (session_id, seq)
  ) WITHOUT ROWID;
  `,
  // Matching and safety. Queued participants' interests (gone with their queue entry, by a
  // trigger); the tags a queue room's pair shared; each participant's last queue partner (no
  // instant rematch); blocks (both directions are looked up: matching, and pushes to blockers);
  // reports for operators; bans.
  `
  CREATE TABLE queue_interests (
    tag     TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (tag, user_id)
  ) WITHOUT ROWID;
  CREATE INDEX queue_interests_by_user ON queue_interests (user_id);
  CREATE TRIGGER queue_interests_gone AFTER DELETE ON queue BEGIN
    DELETE FROM queue_interests WHERE user_id = OLD.user_id;
  END;
  CREATE INDEX queue_by_arrival ON queue (enqueued_at);
  -- A JSON array of tags, on queue rooms.
  ALTER TABLE rooms ADD COLUMN shared_interests TEXT;
  ALTER TABLE participants ADD COLUMN last_partner TEXT;
  CREATE TABLE blocks (
    blocker_id TEXT NOT NULL,
    blocked_id TEXT NOT NULL,
    at         INTEGER NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id)
  ) WITHOUT ROWID;
  CREATE INDEX blocks_by_blocked ON blocks (blocked_id);
  CREATE TABLE reports (
    report_id   TEXT PRIMARY KEY,
    reporter_id TEXT NOT NULL,
    reported_id TEXT NOT NULL,
    reason      TEXT NOT NULL,
    room_id     TEXT,
    -- A JSON array of message ids.
    message_ids TEXT NOT NULL,
    created_at  INTEGER NOT NULL
  );
  CREATE INDEX reports_by_time ON reports (created_at);
  CREATE TABLE bans (
    user_id   TEXT PRIMARY KEY,
    reason    TEXT NOT NULL,
    banned_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // Search indexed in batches (search-backlog.ts): a message gets its search_rows row in the
  // send's transaction and its terms a moment later, or before the next search, whichever comes
  // first. FTS5 writes a segment per transaction that touches it: per send, that was a third of
  // the send's CPU. search_backlog holds the rows whose terms are not in search_index yet.
  `
  CREATE TABLE search_backlog (row INTEGER PRIMARY KEY);
  DROP TRIGGER messages_searchable;
  CREATE TRIGGER messages_searchable AFTER INSERT ON messages WHEN NEW.system = 0 BEGIN
    INSERT INTO search_rows (room_id, seq) VALUES (NEW.room_id, NEW.seq);
    INSERT INTO search_backlog (row) VALUES (last_insert_rowid());
  END;
  DROP TRIGGER messages_unsearchable;
  -- A row still in the backlog has no terms in the index to delete.
  CREATE TRIGGER messages_unsearchable AFTER DELETE ON messages WHEN OLD.system = 0 BEGIN
    DELETE FROM search_index WHERE rowid = (
      SELECT r.row FROM search_rows r
      WHERE r.room_id = OLD.room_id AND r.seq = OLD.seq
        AND NOT EXISTS (SELECT 1 FROM search_backlog b WHERE b.row = r.row));
    DELETE FROM search_backlog
      WHERE row = (SELECT row FROM search_rows WHERE room_id = OLD.room_id AND seq = OLD.seq);
    DELETE FROM search_rows WHERE room_id = OLD.room_id AND seq = OLD.seq;
  END;
  `,
];

/** How many migrations this version knows: the schema version of a database it has opened. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the schema up to `upTo` (default: this version; only tests stop earlier, to write a
 * database the way a previous release did) in one IMMEDIATE transaction: several processes may
 * open a new file at once, and the version must be read under the write lock, or two of them
 * would both run the first step.
 */
export function migrate(db: Database, upTo = MIGRATIONS.length): void {
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > MIGRATIONS.length) {
      throw new Error(
        `The database schema (version ${current}) is newer than this mcp-chat (version ${MIGRATIONS.length}). Upgrade mcp-chat.`,
      );
    }
    for (let version = current; version < upTo; version++) {
      db.exec(MIGRATIONS[version] ?? '');
    }
    if (current < upTo) db.pragma(`user_version = ${upTo}`);
  }).immediate();
}
