import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { EngineOptions } from '../src/chat/engine.js';
import { StorageUnavailableError } from '../src/chat/errors.js';
import { SqliteEngine } from '../src/engines/sqlite/engine.js';
import type { SqliteStorage } from '../src/engines/sqlite/storage.js';
import { engineContract } from './engine-contract.js';

/**
 * Storage out of reach: the database handle is closed under the engine, which did not ask for it,
 * as when the file's connection is lost. (A lock held by another connection, the other real
 * failure, is covered end to end in errors.test.ts.)
 */
async function loseDatabase(engine: SqliteEngine): Promise<void> {
  (engine as unknown as { storage: SqliteStorage }).storage.db.close();
}

// No deliberate differences from the contract: SQLite honours every case.
engineContract('sqlite :memory:', {
  open: async (options?: EngineOptions) => {
    const engine = new SqliteEngine({ path: ':memory:', ...options });
    return { engine, dispose: () => engine.close(), makeUnavailable: () => loseDatabase(engine) };
  },
});

engineContract('sqlite file', {
  open: async (options?: EngineOptions) => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-chat-engine-'));
    const engine = new SqliteEngine({ path: join(dir, 'chat.db'), ...options });
    const siblings: SqliteEngine[] = [];
    return {
      engine,
      // A second process on the same file.
      sibling: async () => {
        const sibling = new SqliteEngine({ path: join(dir, 'chat.db'), ...options });
        siblings.push(sibling);
        return sibling;
      },
      dispose: async () => {
        await Promise.all(siblings.map((sibling) => sibling.close()));
        await engine.close();
        rmSync(dir, { recursive: true, force: true });
      },
      makeUnavailable: () => loseDatabase(engine),
    };
  },
});

describe('sqlite engine specifics', () => {
  it('keeps participants, rooms, membership, cursors and history in the file across reopening', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-chat-reopen-'));
    const path = join(dir, 'nested', 'chat.db');
    try {
      const first = new SqliteEngine({ path });
      await first.createParticipant({ userId: 'u_a', credential: 'ca', displayName: 'A', now: 1 });
      await first.createParticipant({ userId: 'u_b', credential: 'cb', displayName: 'B', now: 1 });
      const notice = {
        messageId: 'n1',
        senderId: 'system',
        senderName: 'System',
        text: 'B joined',
        createdAt: 2,
        system: true,
        disconnect: false,
      };
      await first.joinRoom({ roomId: 'r', userId: 'u_a', capacity: 2, now: 2, notice, recentLimit: 20 });
      await first.joinRoom({ roomId: 'r', userId: 'u_b', capacity: 2, now: 3, notice, recentLimit: 20 });
      await first.appendMessage({
        roomId: 'r',
        userId: 'u_a',
        draft: {
          ...notice,
          messageId: 'm1',
          senderId: 'u_a',
          senderName: 'A',
          text: 'persisted',
          system: false,
        },
      });
      await first.takeUnread({ roomId: 'r', userId: 'u_b', limit: 50 });
      await first.close();

      const second = new SqliteEngine({ path });
      expect(await second.findParticipant('cb')).toMatchObject({ userId: 'u_b', displayName: 'B' });
      expect((await second.roomsOf('u_b'))[0]?.members.map((m) => m.userId)).toEqual(['u_a', 'u_b']);
      expect((await second.readHistory({ roomId: 'r', limit: 10 })).messages.map((m) => m.text)).toEqual([
        'B joined',
        'persisted',
      ]);
      expect((await second.roomAccess('r', 'u_b')).membership?.cursor).toBe(2);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers StorageUnavailableError once closed, instead of crashing', async () => {
    const engine = new SqliteEngine({ path: ':memory:' });
    await engine.close();
    await expect(engine.ping()).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(engine.findParticipant('x')).rejects.toMatchObject({ code: 'unavailable' });
  });
});

describe('sqlite idempotency keys', () => {
  it('remembers a key for 24 hours by the wall clock, then forgets it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-chat-keys-'));
    const path = join(dir, 'chat.db');
    const draft = (text: string) => ({
      messageId: `m-${text}`,
      senderId: 'u_a',
      senderName: 'A',
      text,
      createdAt: Date.now(),
      system: false,
      disconnect: false,
    });
    try {
      const first = new SqliteEngine({ path });
      await first.createParticipant({ userId: 'u_a', credential: 'ca', displayName: 'A', now: 1 });
      await first.joinRoom({
        roomId: 'r',
        userId: 'u_a',
        capacity: 2,
        now: 1,
        notice: draft('n'),
        recentLimit: 5,
      });
      const sent = await first.appendMessage({
        roomId: 'r',
        userId: 'u_a',
        draft: draft('once'),
        idempotencyKey: 'k',
      });
      expect(sent.kind).toBe('stored');
      await first.close();

      // A day and a bit later, as far as the stored key can tell.
      const raw = new Database(path);
      raw.prepare('UPDATE sent_keys SET stored_at = stored_at - ?').run(24 * 60 * 60 * 1000 + 1000);
      raw.close();

      const second = new SqliteEngine({ path });
      const retry = await second.appendMessage({
        roomId: 'r',
        userId: 'u_a',
        draft: draft('again'),
        idempotencyKey: 'k',
      });
      expect(retry.kind).toBe('stored');
      // And the new send is the one remembered now.
      const again = await second.appendMessage({
        roomId: 'r',
        userId: 'u_a',
        draft: draft('x'),
        idempotencyKey: 'k',
      });
      expect(again).toMatchObject({ kind: 'duplicate', message: { text: 'again' } });
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
