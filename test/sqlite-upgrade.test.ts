import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { searchPhrases } from '../src/chat/search-text.js';
import { SqliteEngine } from '../src/engines/sqlite/engine.js';
import { migrate, SCHEMA_VERSION } from '../src/engines/sqlite/schema.js';

/** The schema version of the release before the directory and search. */
const PREVIOUS_VERSION = 5;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A database file as the previous release left it: its migrations only, rows written its way. */
function previousReleaseDatabase(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-chat-upgrade-'));
  dirs.push(dir);
  const path = join(dir, 'chat.db');
  const db = new Database(path);
  migrate(db, PREVIOUS_VERSION);
  expect(db.pragma('user_version', { simple: true })).toBe(PREVIOUS_VERSION);
  const participant = db.prepare(
    'INSERT INTO participants (user_id, credential, display_name, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)',
  );
  participant.run('u_ann', 'cred-ann', 'Ann', 1000, 1000);
  participant.run('u_bob', 'cred-bob', 'Bob', 1000, 1000);
  participant.run('u_eve', 'cred-eve', 'Eve', 1000, 1000);
  const room = db.prepare(
    "INSERT INTO rooms (room_id, kind, capacity, created_at, last_seq) VALUES (?, 'named', 5, ?, ?)",
  );
  room.run('old-room', 1000, 3);
  room.run('quiet-room', 500, 0);
  room.run('eve-room', 900, 1);
  const member = db.prepare(
    'INSERT INTO members (room_id, user_id, joined_at, joined_seq, cursor, left_at) VALUES (?, ?, ?, 0, 0, ?)',
  );
  member.run('old-room', 'u_ann', 1000, null);
  member.run('old-room', 'u_bob', 1001, 2500);
  member.run('quiet-room', 'u_eve', 500, null);
  member.run('eve-room', 'u_eve', 900, null);
  const message = db.prepare(
    `INSERT INTO messages (room_id, seq, message_id, sender_id, sender_name, body, created_at, system, disconnect)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)`,
  );
  message.run('old-room', 1, 'm1', 'system', 'System', '[System] Bob has joined the chat.', 1001, 1);
  message.run('old-room', 2, 'm2', 'u_bob', 'Bob', 'The key is under the flowerpot', 2000, 0);
  message.run('old-room', 3, 'm3', 'u_ann', 'Ann', 'Thanks, found the key!', 3000, 0);
  message.run('eve-room', 1, 'm4', 'u_eve', 'Eve', 'my key is elsewhere', 900, 0);
  db.close();
  return path;
}

describe('upgrading a database of the previous release', () => {
  it('indexes its history for search and lists its rooms by their last message', async () => {
    const path = previousReleaseDatabase();
    const engine = new SqliteEngine({ path });
    try {
      const search = (userId: string, query: string) =>
        engine.searchMessages({ userId, phrases: searchPhrases(query), limit: 10 });
      expect((await search('u_ann', 'key')).map((m) => m.messageId)).toEqual(['m3', 'm2']);
      // Bob left at 2500: what came after is not his to search.
      expect((await search('u_bob', 'key')).map((m) => m.messageId)).toEqual(['m2']);
      expect((await search('u_eve', 'key')).map((m) => m.messageId)).toEqual(['m4']);
      expect(await search('u_ann', 'joined')).toEqual([]);

      const { rooms } = await engine.listRooms({ limit: 10 });
      expect(rooms).toEqual([
        { roomId: 'old-room', topic: '', members: 1, capacity: 5, lastActivity: 3000 },
        { roomId: 'eve-room', topic: '', members: 1, capacity: 5, lastActivity: 900 },
        { roomId: 'quiet-room', topic: '', members: 1, capacity: 5, lastActivity: 500 },
      ]);
      expect((await engine.listRooms({ query: 'quiet', limit: 10 })).rooms.map((r) => r.roomId)).toEqual([
        'quiet-room',
      ]);

      // New messages join the same index, after the old ones.
      await engine.appendMessage({
        roomId: 'old-room',
        userId: 'u_ann',
        draft: {
          messageId: 'm5',
          senderId: 'u_ann',
          senderName: 'Ann',
          text: 'one more key',
          createdAt: 4000,
          system: false,
          disconnect: false,
        },
      });
      expect((await search('u_ann', 'key')).map((m) => m.messageId)).toEqual(['m5', 'm3', 'm2']);
      const history = await engine.readHistory({ roomId: 'old-room', limit: 10 });
      expect(history.messages.map((m) => m.messageId)).toEqual(['m1', 'm2', 'm3', 'm5']);
      expect(history.messages[1]).not.toHaveProperty('replyTo');
    } finally {
      await engine.close();
    }
    const reopened = new Database(path);
    expect(reopened.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    reopened.close();
  });

  it('forgets removed messages in the index too (retention)', async () => {
    const path = previousReleaseDatabase();
    const engine = new SqliteEngine({ path, retention: { maxMessages: 1, maxAgeSeconds: 0 } });
    try {
      await engine.appendMessage({
        roomId: 'old-room',
        userId: 'u_ann',
        draft: {
          messageId: 'm5',
          senderId: 'u_ann',
          senderName: 'Ann',
          text: 'the last word on the key',
          createdAt: 4000,
          system: false,
          disconnect: false,
        },
      });
      const hits = await engine.searchMessages({ userId: 'u_ann', phrases: searchPhrases('key'), limit: 10 });
      expect(hits.map((m) => m.messageId)).toEqual(['m5']);
    } finally {
      await engine.close();
    }
  });
});
