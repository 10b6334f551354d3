import type Database from 'better-sqlite3';
import type { SqliteStorage } from './storage.js';

/**
 * How often the backlog is indexed in the background. Search never waits for it (it indexes what
 * is left first); the timer only keeps that catch-up small.
 */
const INDEX_EVERY_MS = 250;

/**
 * The search index, filled in batches. A send only records its message's row in the backlog
 * (schema.ts); this moves the backlog into FTS5 in one transaction, so FTS5 writes one segment
 * per batch instead of one per send. Every process on a file runs it; the first one to take the
 * write lock indexes, the others find the backlog empty.
 */
export class SearchBacklog {
  private readonly statements: ReturnType<typeof prepare>;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly storage: SqliteStorage) {
    this.statements = prepare(storage.db);
    this.timer = setInterval(() => this.indexInBackground(), INDEX_EVERY_MS);
    this.timer.unref();
  }

  /** Indexes what is waiting (before a search: everything sent before it is found). */
  catchUp(): void {
    if (this.storage.run(() => this.statements.waiting.get()) === undefined) return;
    this.storage.transaction(() => {
      this.statements.index.run();
      this.statements.clear.run();
    });
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** A failure (storage away, lock held too long) leaves the backlog for the next round. */
  private indexInBackground(): void {
    try {
      this.catchUp();
    } catch {
      // The next round, or the next search, indexes it.
    }
  }
}

function prepare(db: Database.Database) {
  return {
    waiting: db.prepare('SELECT row FROM search_backlog LIMIT 1'),
    index: db.prepare(
      `INSERT INTO search_index (rowid, body)
       SELECT r.row, m.body FROM search_backlog b
       JOIN search_rows r ON r.row = b.row
       JOIN messages m ON m.room_id = r.room_id AND m.seq = r.seq`,
    ),
    clear: db.prepare('DELETE FROM search_backlog'),
  };
}
