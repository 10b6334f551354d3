import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StorageUnavailableError } from '../../chat/errors.js';
import { migrate } from './schema.js';
import { prepareStatements, type Statements } from './statements.js';

/**
 * How long a statement waits for a lock held by another connection: another MCP Chat process on
 * the same file (its transactions last well under a millisecond), a backup, the sqlite3 shell.
 * better-sqlite3 is synchronous, so this wait blocks the whole process: keep it short, but long
 * enough that a writer descheduled on a busy machine does not make its neighbours fail.
 */
const BUSY_TIMEOUT_MS = 1000;
/** After storage failed, calls fail at once for this long instead of each blocking on the lock again. */
const BACKOFF_MS = 1000;

/** SQLite result codes that mean "storage is out of reach", as opposed to a bug in a statement. */
const UNAVAILABLE_CODES = /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY|NOTADB|CORRUPT|PROTOCOL)/;

/**
 * The open database, its statements, and how storage failures become `StorageUnavailableError`.
 * Any number of processes may open one file: writes are `BEGIN IMMEDIATE` transactions, which
 * queue on the file's write lock (busy_timeout) instead of failing when two processes write.
 */
export class SqliteStorage {
  readonly db: Database.Database;
  readonly sql: Statements;
  /** Until when calls fail fast after a storage failure (see BACKOFF_MS); 0 while healthy. */
  private failingUntil = 0;
  /**
   * One transaction wrapper for every call: better-sqlite3 builds a wrapper (and its BEGIN,
   * COMMIT and ROLLBACK variants) per `db.transaction(fn)`, which showed in the profile when made
   * per call.
   */
  private readonly inTransaction: Database.Transaction<<T>(body: () => T) => T>;

  /** `onFailure` hears the first failure after a healthy spell (the engine wakes parked waits). */
  constructor(
    path: string,
    private readonly onFailure: () => void,
  ) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    try {
      // Set first: a second process opening the file while the first migrates waits for it.
      this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      this.db.pragma('journal_mode = WAL');
      // NORMAL in WAL mode: a commit survives a crash of this process; only a power cut can lose
      // the last commits (see the README on durability).
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      // Checkpoints run in a thread of their own (checkpointer.ts): this connection checkpoints
      // only past 20,000 WAL pages (about 80 MB), a bound should that thread fall behind. Here each
      // one would copy the hot pages back and sync the file on the thread that serves every call.
      this.db.pragma('wal_autocheckpoint = 20000');
      migrate(this.db);
      this.sql = prepareStatements(this.db);
      this.inTransaction = this.db.transaction(<T>(body: () => T): T => body());
    } catch (error) {
      this.db.close();
      throw error;
    }
  }

  get open(): boolean {
    return this.db.open;
  }

  /** Lets the next call try storage even during the backoff (a health check wants the truth). */
  retryNow(): void {
    this.failingUntil = 0;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /**
   * Runs `body` as one write transaction; see `run`. IMMEDIATE takes the write lock up front: a
   * deferred transaction that reads and then writes fails outright (SQLITE_BUSY, no waiting) when
   * another process wrote in between, whereas this one waits its turn.
   */
  transaction<T>(body: () => T): T {
    return this.run(() => this.inTransaction.immediate(body) as T);
  }

  /** Runs `body` as one read-only transaction: a consistent snapshot, no write lock. */
  read<T>(body: () => T): T {
    return this.run(() => this.inTransaction.deferred(body) as T);
  }

  /**
   * Runs a storage step, turning "cannot reach storage" failures into `StorageUnavailableError`.
   * The first failure tells `onFailure` and starts a short backoff during which calls fail without
   * waiting on the lock.
   */
  run<T>(step: () => T): T {
    if (!this.db.open) throw new StorageUnavailableError('the database is closed');
    if (Date.now() < this.failingUntil) throw new StorageUnavailableError('SQLite failed a moment ago');
    try {
      return step();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code !== 'string' || !UNAVAILABLE_CODES.test(code)) throw error;
      this.failingUntil = Date.now() + BACKOFF_MS;
      this.onFailure();
      throw new StorageUnavailableError(`SQLite: ${code}`);
    }
  }
}
