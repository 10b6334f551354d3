import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StorageUnavailableError } from '../src/chat/errors.js';
import { SqliteEngine } from '../src/engines/sqlite/engine.js';
import { engineContract } from './engine-contract.js';

engineContract('sqlite :memory:', async () => {
  const engine = new SqliteEngine({ path: ':memory:' });
  return { engine, dispose: () => engine.close() };
});

engineContract('sqlite file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-chat-engine-'));
  const engine = new SqliteEngine({ path: join(dir, 'chat.db') });
  return {
    engine,
    dispose: async () => {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
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
      expect((await second.members('r')).map((m) => m.userId)).toEqual(['u_a', 'u_b']);
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

describe('sqlite retention', () => {
  const notice = (text: string, createdAt: number) => ({
    messageId: `m-${text}`,
    senderId: 'u_a',
    senderName: 'A',
    text,
    createdAt,
    system: false,
    disconnect: false,
  });

  async function roomWithMember(engine: SqliteEngine): Promise<void> {
    await engine.createParticipant({ userId: 'u_a', credential: 'ca', displayName: 'A', now: 1 });
    await engine.joinRoom({
      roomId: 'kept',
      userId: 'u_a',
      capacity: 2,
      now: 1,
      notice: notice('unused', 1),
      recentLimit: 20,
    });
  }

  it('keeps the newest N messages of each room, seq numbers unchanged', async () => {
    const engine = new SqliteEngine({ path: ':memory:', retention: { maxMessages: 3, maxAgeSeconds: 0 } });
    await roomWithMember(engine);
    for (let i = 1; i <= 5; i++) {
      await engine.appendMessage({ roomId: 'kept', userId: 'u_a', draft: notice(`n${i}`, Date.now()) });
    }
    const page = await engine.readHistory({ roomId: 'kept', limit: 100 });
    expect(page.messages.map((m) => [m.seq, m.text])).toEqual([
      [3, 'n3'],
      [4, 'n4'],
      [5, 'n5'],
    ]);
    expect(page.latestSeq).toBe(5);
    await engine.close();
  });

  it('deletes messages older than the maximum age', async () => {
    const engine = new SqliteEngine({ path: ':memory:', retention: { maxMessages: 0, maxAgeSeconds: 1 } });
    await roomWithMember(engine);
    await engine.appendMessage({ roomId: 'kept', userId: 'u_a', draft: notice('old', Date.now() - 60_000) });
    await engine.appendMessage({
      roomId: 'kept',
      userId: 'u_a',
      draft: notice('fresh', Date.now() + 60_000),
    });
    await expect
      .poll(
        async () => (await engine.readHistory({ roomId: 'kept', limit: 10 })).messages.map((m) => m.text),
        {
          timeout: 3000,
        },
      )
      .toEqual(['fresh']);
    await engine.close();
  });

  it('keeps everything by default', async () => {
    const engine = new SqliteEngine({ path: ':memory:' });
    await roomWithMember(engine);
    await engine.appendMessage({ roomId: 'kept', userId: 'u_a', draft: notice('ancient', 1) });
    expect((await engine.readHistory({ roomId: 'kept', limit: 10 })).messages).toHaveLength(1);
    await engine.close();
  });
});
