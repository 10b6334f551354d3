import Database from 'better-sqlite3';

/** Another MCP Chat process serves this database file; starting a second one would split the chat. */
export class DatabaseInUseError extends Error {
  constructor(readonly path: string) {
    super(
      `Another MCP Chat process uses the database file ${path}. Stop it first, or give this one its own file (--db).`,
    );
    this.name = 'DatabaseInUseError';
  }
}

/**
 * One process per database file. Wake-ups travel on an in-process bus, so a second process on the
 * same file would store messages the first one's waits never hear of.
 *
 * The lock is an exclusive SQLite lock on a small companion file, `<path>.lock`, held for the
 * engine's life: the operating system drops it when the process ends, even by kill -9, so a stale
 * lock cannot block a restart. It is a companion file rather than the database itself so that the
 * sqlite3 shell and backups can still open the database while the server runs.
 *
 * Returns the function that releases the lock.
 */
export function lockDatabaseFile(path: string): () => void {
  // timeout 0: the holder never lets go while it runs, so waiting would only delay the refusal.
  const lock = new Database(`${path}.lock`, { timeout: 0 });
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    // Hold the write lock from now on: in exclusive locking mode it is kept after the commit.
    lock.exec(`BEGIN EXCLUSIVE;
      CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, since INTEGER NOT NULL);
      DELETE FROM holder;
      COMMIT;`);
    lock.prepare('INSERT INTO holder (pid, since) VALUES (?, ?)').run(process.pid, Date.now());
  } catch (error) {
    lock.close();
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY') throw new DatabaseInUseError(path);
    throw error;
  }
  return () => {
    if (lock.open) lock.close();
  };
}
