import type Database from 'better-sqlite3';
import type { Ban, Report } from '../../chat/engine.js';
import type { Statements } from './statements.js';

/** Blocks, reports and bans (chat/safety-port.ts), each function inside the engine's transaction. */

export type SafetyStatements = ReturnType<typeof prepareSafety>;

export function prepareSafety(db: Database.Database) {
  return {
    block: db.prepare('INSERT OR IGNORE INTO blocks (blocker_id, blocked_id, at) VALUES (?, ?, ?)'),
    unblock: db.prepare('DELETE FROM blocks WHERE blocker_id = ? AND blocked_id = ?'),
    blockedBy: db.prepare('SELECT blocked_id FROM blocks WHERE blocker_id = ? ORDER BY at'),
    blockersOf: db.prepare('SELECT blocker_id FROM blocks WHERE blocked_id = ?'),
    insertReport: db.prepare(
      `INSERT INTO reports (report_id, reporter_id, reported_id, reason, room_id, message_ids, created_at)
       VALUES (@reportId, @reporterId, @reportedId, @reason, @roomId, @messageIds, @createdAt)`,
    ),
    reports: db.prepare('SELECT * FROM reports ORDER BY created_at DESC, rowid DESC LIMIT ?'),
    ban: db.prepare('INSERT OR IGNORE INTO bans (user_id, reason, banned_at) VALUES (?, ?, ?)'),
    unban: db.prepare('DELETE FROM bans WHERE user_id = ?'),
    banOf: db.prepare('SELECT user_id, reason, banned_at FROM bans WHERE user_id = ?'),
  };
}

export function blockedBy(own: SafetyStatements, userId: string): string[] {
  return (own.blockedBy.all(userId) as { blocked_id: string }[]).map((row) => row.blocked_id);
}

/** The other active members of a room, but those who blocked the sender: whom a message is pushed to. */
export function recipientsOf(
  sql: Statements,
  own: SafetyStatements,
  roomId: string,
  senderId: string,
): string[] {
  const blockers = new Set(
    (own.blockersOf.all(senderId) as { blocker_id: string }[]).map((r) => r.blocker_id),
  );
  return (sql.activeMemberIds.all(roomId) as { user_id: string }[])
    .map((row) => row.user_id)
    .filter((userId) => userId !== senderId && !blockers.has(userId));
}

export function block(
  own: SafetyStatements,
  { blockerId, blockedId, now }: { blockerId: string; blockedId: string; now: number },
): void {
  own.block.run(blockerId, blockedId, now);
}

export function unblock(own: SafetyStatements, blockerId: string, blockedId: string): boolean {
  return own.unblock.run(blockerId, blockedId).changes > 0;
}

export function unban(own: SafetyStatements, userId: string): boolean {
  return own.unban.run(userId).changes > 0;
}

export function fileReport(own: SafetyStatements, report: Report): void {
  own.insertReport.run({ ...report, messageIds: JSON.stringify(report.messageIds) });
}

interface ReportRow {
  report_id: string;
  reporter_id: string;
  reported_id: string;
  reason: string;
  room_id: string | null;
  message_ids: string;
  created_at: number;
}

export function listReports(own: SafetyStatements, limit: number): Report[] {
  return (own.reports.all(limit) as ReportRow[]).map((row) => ({
    reportId: row.report_id,
    reporterId: row.reporter_id,
    reportedId: row.reported_id,
    reason: row.reason,
    roomId: row.room_id,
    messageIds: JSON.parse(row.message_ids) as string[],
    createdAt: row.created_at,
  }));
}

export function banOf(own: SafetyStatements, userId: string): Ban | null {
  const row = own.banOf.get(userId) as { user_id: string; reason: string; banned_at: number } | undefined;
  return row ? { userId: row.user_id, reason: row.reason, bannedAt: row.banned_at } : null;
}

/** Bans and takes out of the queue, in one transaction; false when it was banned already. */
export function ban(
  sql: Statements,
  own: SafetyStatements,
  { userId, reason, now }: { userId: string; reason: string; now: number },
): boolean {
  const banned = own.ban.run(userId, reason, now).changes > 0;
  sql.dequeue.run(userId);
  return banned;
}
