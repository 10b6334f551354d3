import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteEngine } from '../src/engines/sqlite/engine.js';

/**
 * Checkpoints run in a worker thread (engines/sqlite/checkpointer.ts), not on the thread that
 * serves calls, whose own threshold is far away (20,000 WAL pages). A checkpoint is what moves
 * pages from the WAL into the database file, so the file growing while the WAL holds far fewer
 * pages than that threshold shows the worker at work.
 */

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('checkpoints in a thread of their own', () => {
  it('moves the WAL into the database file while the engine serves, and stops on close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-chat-checkpoint-'));
    dirs.push(dir);
    const path = join(dir, 'chat.db');
    const engine = new SqliteEngine({ path });
    const fileSize = () => statSync(path).size;
    const walPages = () => statSync(`${path}-wal`).size / 4096;
    try {
      const writer = new Database(path);
      writer.pragma('wal_autocheckpoint = 0');
      const before = fileSize();
      const insert = writer.prepare(
        "INSERT INTO participants (user_id, credential, display_name, created_at, last_seen_at) VALUES (?, ?, 'A', 1, 1)",
      );
      writer.transaction(() => {
        for (let i = 0; i < 5000; i++) insert.run(`u${i}`, `credential-${i}-${'x'.repeat(100)}`);
      })();
      writer.close();
      expect(walPages()).toBeLessThan(20_000);
      await until(() => fileSize() > before, 'a checkpoint by the worker');
    } finally {
      await engine.close();
    }
  });
});
