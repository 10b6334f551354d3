import type Database from 'better-sqlite3';

/** Every statement the engine runs, prepared once when the database opens. */
export type Statements = ReturnType<typeof prepareStatements>;

export function prepareStatements(db: Database.Database) {
  const messageColumns =
    'room_id, seq, message_id, sender_id, sender_name, body, created_at, system, disconnect, reply_to, reply_sender, reply_text, mentions';
  return {
    insertParticipant: db.prepare(
      `INSERT INTO participants (user_id, credential, display_name, created_at, last_seen_at, owner, forget_after)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    // One past its lifetime is gone already, even before the sweep removes it.
    participantByCredential: db.prepare(
      `SELECT user_id, display_name, created_at, last_seen_at, owner,
              EXISTS (SELECT 1 FROM bans b WHERE b.user_id = participants.user_id) AS banned
       FROM participants WHERE credential = ? AND (forget_after IS NULL OR forget_after > ?)`,
    ),
    touchParticipant: db.prepare(
      `UPDATE participants SET last_seen_at = ?, display_name = coalesce(?, display_name), idle_claimed_at = NULL,
         forget_after = ?
       WHERE user_id = ?`,
    ),
    forgottenParticipants: db.prepare(
      'SELECT user_id FROM participants WHERE forget_after <= ? ORDER BY forget_after LIMIT ?',
    ),
    forgetMemberships: db.prepare('DELETE FROM members WHERE user_id = ?'),
    forgetQueued: db.prepare('DELETE FROM queue WHERE user_id = ?'),
    forgetBlocks: db.prepare('DELETE FROM blocks WHERE blocker_id = ? OR blocked_id = ?'),
    forgetWaits: db.prepare('DELETE FROM parked_waits WHERE user_id = ?'),
    forgetBucket: db.prepare('DELETE FROM buckets WHERE key = ?'),
    forgetParticipant: db.prepare('DELETE FROM participants WHERE user_id = ?'),
    // Candidates come from the queue and open memberships, never from the whole participant table.
    claimIdle: db.prepare(
      `UPDATE participants SET idle_claimed_at = @cutoff
       WHERE user_id IN (
         SELECT p.user_id FROM (
           SELECT user_id FROM queue
           UNION
           SELECT m.user_id FROM members m JOIN rooms r ON r.room_id = m.room_id
           WHERE m.left_at IS NULL AND r.ended_at IS NULL
         ) present JOIN participants p ON p.user_id = present.user_id
         WHERE p.last_seen_at < @cutoff AND p.idle_claimed_at IS NULL
         LIMIT @limit)
       RETURNING user_id`,
    ),
    activeQueueRoom: db.prepare(
      `SELECT r.* FROM members m JOIN rooms r ON r.room_id = m.room_id
       WHERE m.user_id = ? AND m.left_at IS NULL AND r.kind = 'queue' AND r.ended_at IS NULL LIMIT 1`,
    ),
    queueStanding: db.prepare(
      `SELECT (SELECT count(*) FROM queue q2 WHERE q2.ticket <= q.ticket) AS position,
              (SELECT count(*) FROM queue) AS queue_length
       FROM queue q WHERE q.user_id = ?`,
    ),
    oldestQueuedOther: db.prepare(
      `SELECT q.user_id, p.display_name FROM queue q JOIN participants p ON p.user_id = q.user_id
       WHERE q.user_id <> ? ORDER BY q.ticket LIMIT 1`,
    ),
    enqueue: db.prepare('INSERT INTO queue (user_id, enqueued_at) VALUES (?, ?)'),
    dequeue: db.prepare('DELETE FROM queue WHERE user_id = ?'),
    insertRoom: db.prepare(
      `INSERT INTO rooms (room_id, kind, capacity, created_at, last_activity, topic, visibility, invite, listing_text)
       VALUES (@roomId, @kind, @capacity, @now, @now, @topic, @visibility, @invite, @listingText)`,
    ),
    roomById: db.prepare('SELECT * FROM rooms WHERE room_id = ?'),
    endRoom: db.prepare(
      'UPDATE rooms SET ended_at = ?, expires_at = ? WHERE room_id = ? AND ended_at IS NULL',
    ),
    // A room left empty (deadline, or NULL to keep it), and joined again (kept).
    setRoomExpiry: db.prepare('UPDATE rooms SET expires_at = ? WHERE room_id = ?'),
    expiredRooms: db.prepare('SELECT room_id FROM rooms WHERE expires_at <= ? ORDER BY expires_at LIMIT ?'),
    dropRoomMessages: db.prepare('DELETE FROM messages WHERE room_id = ?'),
    dropRoomSentKeys: db.prepare('DELETE FROM sent_keys WHERE room_id = ?'),
    dropRoomMembers: db.prepare('DELETE FROM members WHERE room_id = ?'),
    dropRoom: db.prepare('DELETE FROM rooms WHERE room_id = ?'),
    // Every right-hand side reads the row as it was: run_start moves when the sender changes.
    bumpSeq: db.prepare(
      `UPDATE rooms SET last_seq = last_seq + 1, last_activity = max(last_activity, @at),
         run_start = CASE WHEN last_sender IS @sender THEN run_start ELSE last_seq + 1 END, last_sender = @sender
       WHERE room_id = @roomId RETURNING last_seq`,
    ),
    bumpOwn: db.prepare(
      'UPDATE members SET own_after = own_after + 1 WHERE room_id = ? AND user_id = ? AND own_after IS NOT NULL',
    ),
    setOwnAfter: db.prepare('UPDATE members SET own_after = ? WHERE room_id = ? AND user_id = ?'),
    ownBetween: db.prepare(
      'SELECT count(*) AS n FROM messages WHERE room_id = ? AND seq > ? AND seq <= ? AND sender_id = ?',
    ),
    firstSeq: db.prepare('SELECT min(seq) AS first FROM messages WHERE room_id = ?'),
    messageAt: db.prepare(`SELECT ${messageColumns} FROM messages WHERE room_id = ? AND seq = ?`),
    membership: db.prepare('SELECT * FROM members WHERE room_id = ? AND user_id = ?'),
    upsertMember: db.prepare(
      `INSERT INTO members (room_id, user_id, joined_at, joined_seq, cursor, own_after) VALUES (?, ?, ?, ?, ?, 0)
       ON CONFLICT (room_id, user_id) DO UPDATE SET
         joined_at = excluded.joined_at, joined_seq = excluded.joined_seq, cursor = excluded.cursor,
         left_at = NULL, left_seq = NULL, own_after = 0`,
    ),
    activeMembers: db.prepare(
      `SELECT m.user_id, p.display_name FROM members m JOIN participants p ON p.user_id = m.user_id
       WHERE m.room_id = ? AND m.left_at IS NULL ORDER BY m.joined_at, m.rowid`,
    ),
    activeMemberCount: db.prepare('SELECT count(*) AS n FROM members WHERE room_id = ? AND left_at IS NULL'),
    // left_seq: where the member's part of the log ends, for search.
    markLeft: db.prepare(
      `UPDATE members SET left_at = @now, left_seq = (SELECT last_seq FROM rooms WHERE room_id = @roomId)
       WHERE room_id = @roomId AND user_id = @userId`,
    ),
    setCursor: db.prepare('UPDATE members SET cursor = ? WHERE room_id = ? AND user_id = ?'),
    rewindCursor: db.prepare(
      'UPDATE members SET cursor = ? WHERE room_id = ? AND user_id = ? AND cursor = ?',
    ),
    openRoomsOf: db.prepare(
      `SELECT m.room_id, m.cursor, m.own_after, r.last_seq, r.last_sender, r.run_start,
              EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = m.user_id) AS blocks
       FROM members m JOIN rooms r ON r.room_id = m.room_id
       WHERE m.user_id = ? AND m.left_at IS NULL AND r.ended_at IS NULL ORDER BY m.joined_at`,
    ),
    // `blocks`: whether the member blocked anybody (read-position.ts then counts, skipping them).
    // Rooms whose log moved past the cursor: a room read up to its end costs nothing more.
    unreadRoomsOf: db.prepare(
      `SELECT m.room_id, m.cursor, m.own_after, r.last_seq, r.last_sender, r.run_start,
              EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = m.user_id) AS blocks
       FROM members m JOIN rooms r ON r.room_id = m.room_id
       WHERE m.user_id = @user AND m.left_at IS NULL AND r.ended_at IS NULL
         AND r.last_seq > m.cursor AND m.room_id <> @except`,
    ),
    blocksAnybody: db.prepare('SELECT EXISTS (SELECT 1 FROM blocks WHERE blocker_id = ?) AS blocks'),
    newestUnread: db.prepare(
      `SELECT ${messageColumns} FROM messages
       WHERE room_id = ? AND seq > ? AND sender_id <> ? AND sender_id NOT IN (SELECT blocked_id FROM blocks WHERE blocker_id = ?)
       ORDER BY seq DESC LIMIT 1`,
    ),
    unreadCount: db.prepare(
      `SELECT count(*) AS n FROM messages WHERE room_id = ? AND seq > ? AND sender_id <> ?
       AND sender_id NOT IN (SELECT blocked_id FROM blocks WHERE blocker_id = ?)`,
    ),
    insertMessage: db.prepare(
      `INSERT INTO messages (${messageColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    memberCursors: db.prepare('SELECT user_id, cursor FROM members WHERE room_id = ? AND left_at IS NULL'),
    // The directory walks rooms_directory newest first, from a page's last room on, and stops at
    // the limit: a page costs about `limit` rows unless a query skips many.
    listRooms: db.prepare(
      `SELECT r.room_id, r.topic, r.capacity, r.last_activity,
              (SELECT count(*) FROM members m WHERE m.room_id = r.room_id AND m.left_at IS NULL) AS members
       FROM rooms r INDEXED BY rooms_directory
       WHERE r.kind = 'named' AND r.visibility = 'public' AND r.ended_at IS NULL
         AND (r.last_activity < @at OR (r.last_activity = @at AND r.room_id < @room))
         AND (@query IS NULL OR instr(r.listing_text, @query) > 0)
         AND EXISTS (SELECT 1 FROM members m WHERE m.room_id = r.room_id AND m.left_at IS NULL)
       ORDER BY r.last_activity DESC, r.room_id DESC LIMIT @limit`,
    ),
    // FTS5 hands out matches newest first (rowid descending) and the walk stops at the limit;
    // rooms the caller never joined are skipped on the way, as are messages after it left.
    searchMessages: db.prepare(
      `SELECT ${messageColumns.replace(/(\w+)/g, 'm.$1')} FROM search_index f
       JOIN search_rows s ON s.row = f.rowid
       JOIN members mem ON mem.room_id = s.room_id AND mem.user_id = @user
       JOIN messages m ON m.room_id = s.room_id AND m.seq = s.seq
       WHERE search_index MATCH @match
         AND (@room IS NULL OR s.room_id = @room)
         AND (mem.left_at IS NULL OR m.seq <= coalesce(mem.left_seq, -1) OR (mem.left_seq IS NULL AND m.created_at <= mem.left_at))
       ORDER BY f.rowid DESC LIMIT @limit`,
    ),
    // Idempotency keys live in their own table, so retention of the log cannot make them forget.
    sentByKey: db.prepare(
      `SELECT message FROM sent_keys
       WHERE room_id = ? AND sender_id = ? AND idempotency_key = ? AND stored_at > ?`,
    ),
    // REPLACE: an expired key that the sweep has not removed yet is used afresh.
    rememberSent: db.prepare(
      `INSERT OR REPLACE INTO sent_keys (room_id, sender_id, idempotency_key, message, stored_at)
       VALUES (?, ?, ?, ?, ?)`,
    ),
    forgetSentBefore: db.prepare('DELETE FROM sent_keys WHERE stored_at <= ?'),
    bucketOf: db.prepare('SELECT tokens, at FROM buckets WHERE key = ?'),
    saveBucket: db.prepare('INSERT OR REPLACE INTO buckets (key, tokens, at) VALUES (?, ?, ?)'),
    forgetBucketsBefore: db.prepare('DELETE FROM buckets WHERE at < ?'),
    // Oldest first by insertion (seq), as waits are superseded in the order they were parked.
    holdWait: db.prepare('INSERT OR REPLACE INTO parked_waits (user_id, wait_id, at) VALUES (?, ?, ?)'),
    waitsOf: db.prepare('SELECT wait_id FROM parked_waits WHERE user_id = ? ORDER BY seq'),
    forgetStaleWaits: db.prepare('DELETE FROM parked_waits WHERE user_id = ? AND at <= ?'),
    releaseWait: db.prepare('DELETE FROM parked_waits WHERE user_id = ? AND wait_id = ?'),
    unreadAfter: db.prepare(
      `SELECT ${messageColumns} FROM messages
       WHERE room_id = ? AND seq > ? AND sender_id <> ? AND sender_id NOT IN (SELECT blocked_id FROM blocks WHERE blocker_id = ?)
       ORDER BY seq LIMIT ?`,
    ),
    historyForward: db.prepare(
      `SELECT ${messageColumns} FROM messages WHERE room_id = ? AND seq > ? AND seq < ? ORDER BY seq LIMIT ?`,
    ),
    deleteBeyondCount: db.prepare('DELETE FROM messages WHERE room_id = ? AND seq <= ?'),
    deleteOlderThan: db.prepare('DELETE FROM messages WHERE created_at < ?'),
    deleteRoomOlderThan: db.prepare('DELETE FROM messages WHERE room_id = ? AND created_at < ?'),
    historyBackward: db.prepare(
      `SELECT ${messageColumns} FROM messages WHERE room_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
    ),
    // A send's seq: no row when the room is missing or ended, so the room need not be read first.
    bumpOpenSeq: db.prepare(
      `UPDATE rooms SET last_seq = last_seq + 1, last_activity = max(last_activity, @at),
         run_start = CASE WHEN last_sender IS @sender THEN run_start ELSE last_seq + 1 END, last_sender = @sender
       WHERE room_id = @roomId AND ended_at IS NULL RETURNING last_seq`,
    ),
    // A send's recipients (safety.ts recipientsOf): ids only, without the join that fetches names.
    activeMemberIds: db.prepare('SELECT user_id FROM members WHERE room_id = ? AND left_at IS NULL'),
  };
}
