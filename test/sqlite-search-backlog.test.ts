import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { searchPhrases } from '../src/chat/search-text.js';
import { SqliteEngine } from '../src/engines/sqlite/engine.js';
import { migrate, SCHEMA_VERSION } from '../src/engines/sqlite/schema.js';

/**
 * Search indexed in batches (engines/sqlite/search-backlog.ts): a message waits in the backlog
 * until the next batch or the next search. Whatever happens to it meanwhile (deleted by
 * retention, its rowid reused), search finds exactly the messages that exist, and the index
 * stays consistent. Rows are written with SQL on a second connection, as another process would.
 */

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A file with one room of Ann's, at `version` (the release before batching, or this one). */
function databaseAt(version: number): { path: string; db: Database.Database } {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-chat-search-'));
  dirs.push(dir);
  const path = join(dir, 'chat.db');
  const db = new Database(path);
  migrate(db, version);
  db.prepare(
    "INSERT INTO participants (user_id, credential, display_name, created_at, last_seen_at) VALUES ('u_ann', 'c', 'Ann', 1, 1)",
  ).run();
  db.prepare(
    "INSERT INTO rooms (room_id, kind, capacity, created_at, last_seq) VALUES ('r', 'named', 5, 1, 0)",
  ).run();
  db.prepare(
    "INSERT INTO members (room_id, user_id, joined_at, joined_seq, cursor) VALUES ('r', 'u_ann', 1, 0, 0)",
  ).run();
  return { path, db };
}

function insert(db: Database.Database, seq: number, text: string): void {
  db.prepare(
    `INSERT INTO messages (room_id, seq, message_id, sender_id, sender_name, body, created_at, system, disconnect)
     VALUES ('r', ?, ?, 'u_ann', 'Ann', ?, ?, 0, 0)`,
  ).run(seq, `m${seq}`, text, 1000 + seq);
}

/** An engine on a file of this version, and a second connection to write with as another process. */
async function withEngine(
  body: (engine: SqliteEngine, db: Database.Database) => Promise<void>,
): Promise<void> {
  const { path, db } = databaseAt(SCHEMA_VERSION);
  const engine = new SqliteEngine({ path });
  try {
    await body(engine, db);
  } finally {
    await engine.close();
    db.close();
  }
}

const remove = (db: Database.Database, seq: number) =>
  db.prepare("DELETE FROM messages WHERE room_id = 'r' AND seq = ?").run(seq);

const found = async (engine: SqliteEngine, query: string) =>
  (await engine.searchMessages({ userId: 'u_ann', phrases: searchPhrases(query), limit: 10 })).map(
    (m) => m.messageId,
  );

/** Rows the index holds for a word, read from FTS5 itself (not through the joins search makes). */
const indexed = (db: Database.Database, word: string) =>
  (db.prepare('SELECT count(*) AS n FROM search_index WHERE search_index MATCH ?').get(word) as { n: number })
    .n;

function checkIndex(db: Database.Database): void {
  // FTS5 raises SQLITE_CORRUPT_VTAB here when the index disagrees with itself.
  db.prepare("INSERT INTO search_index (search_index) VALUES ('integrity-check')").run();
  expect((db.prepare('SELECT count(*) AS n FROM search_backlog').get() as { n: number }).n).toBe(0);
}

describe('search indexed in batches', () => {
  it('finds a message the moment after it is stored, before any batch ran', async () => {
    await withEngine(async (engine, db) => {
      insert(db, 1, 'a fresh lighthouse');
      expect(indexed(db, 'lighthouse')).toBe(0);
      expect(await found(engine, 'lighthouse')).toEqual(['m1']);
      expect(indexed(db, 'lighthouse')).toBe(1);
      checkIndex(db);
    });
  });

  it('leaves nothing in the index of a message deleted while it waited in the backlog', async () => {
    await withEngine(async (engine, db) => {
      insert(db, 1, 'kept harbour');
      insert(db, 2, 'gone harbour');
      remove(db, 2);
      expect(await found(engine, 'harbour')).toEqual(['m1']);
      expect(indexed(db, 'gone')).toBe(0);
      checkIndex(db);
    });
  });

  it('indexes a message whose search row reuses the rowid of a deleted, indexed one', async () => {
    await withEngine(async (engine, db) => {
      insert(db, 1, 'first anchor');
      insert(db, 2, 'second anchor');
      expect(await found(engine, 'anchor')).toEqual(['m2', 'm1']);
      // The highest row goes: SQLite hands its rowid to the next row (no AUTOINCREMENT).
      remove(db, 2);
      insert(db, 3, 'third compass');
      expect(await found(engine, 'anchor')).toEqual(['m1']);
      expect(await found(engine, 'compass')).toEqual(['m3']);
      expect(indexed(db, 'second')).toBe(0);
      checkIndex(db);
    });
  });

  it('keeps the index of a file written by the release before batching, and deletes from it', async () => {
    const { path, db } = databaseAt(SCHEMA_VERSION - 1);
    insert(db, 1, 'old beacon');
    insert(db, 2, 'older beacon');
    db.close();
    const engine = new SqliteEngine({ path });
    const after = new Database(path);
    try {
      expect(after.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(indexed(after, 'beacon')).toBe(2);
      remove(after, 2);
      insert(after, 3, 'new beacon');
      expect(await found(engine, 'beacon')).toEqual(['m3', 'm1']);
      expect(indexed(after, 'older')).toBe(0);
      checkIndex(after);
    } finally {
      await engine.close();
      after.close();
    }
  });
});
