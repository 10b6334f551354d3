import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatEngine } from '../src/chat/engine.js';
import { ChatService, DEFAULT_LIMITS } from '../src/chat/index.js';
import { SqliteEngine } from '../src/engines/sqlite/engine.js';

const IDLE_MS = 60_000;
const disposers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(disposers.splice(0).map((dispose) => dispose()));
});

/**
 * A real SQLite engine whose leaveQueue fails for one user while `failing` is set: a fault
 * injected at the port, so the chat's own sweep code runs unchanged against real storage.
 */
function faultyEngine(real: ChatEngine, fault: { userId?: string; failing: boolean }): ChatEngine {
  return new Proxy(real, {
    get(target, property) {
      if (property === 'leaveQueue') {
        return async (userId: string) => {
          if (fault.failing && userId === fault.userId) throw new Error('injected storage fault');
          return target.leaveQueue(userId);
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function setUp() {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-chat-sweep-'));
  const real = new SqliteEngine({ path: join(dir, 'chat.db') });
  disposers.push(async () => {
    await real.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const fault: { userId?: string; failing: boolean } = { failing: true };
  const clock = {
    time: 1_000_000,
    now() {
      return this.time;
    },
  };
  const chat = new ChatService({
    engine: faultyEngine(real, fault),
    limits: DEFAULT_LIMITS,
    idleTimeoutMs: IDLE_MS,
    clock,
  });
  return { real, chat, clock, fault };
}

describe('the idle sweep', () => {
  it('removes every idle participant even when one removal fails, and retries the failed one', async () => {
    const { real, chat, clock, fault } = await setUp();
    // Five silent participants, each alone in a named room; the middle one's removal will fail.
    const joined = [];
    for (let i = 0; i < 5; i++) {
      joined.push(await chat.joinRoom({ roomId: `solo-${i}`, displayName: `Solo ${i}` }));
    }
    const users = joined.map((j) => j.userId);
    const victim = users[2] as string;
    fault.userId = victim;
    clock.time += IDLE_MS + 1000;

    const first = await chat.sweepIdle();
    expect(first.failed.map((f) => f.userId)).toEqual([victim]);
    expect(first.removed.sort()).toEqual(users.filter((u) => u !== victim).sort());
    for (const userId of users) {
      expect((await real.roomsOf(userId)).length).toBe(userId === victim ? 1 : 0);
    }

    // The failed one is not left claimed forever: once storage behaves, the next round takes it.
    fault.failing = false;
    clock.time += 1000;
    const second = await chat.sweepIdle();
    expect(second).toEqual({ removed: [victim], failed: [] });
    expect(await real.roomsOf(victim)).toEqual([]);
  });

  it('does not take out a participant whose removal failed once it is back', async () => {
    const { chat, clock, fault } = await setUp();
    const returning = await chat.joinRoom({ roomId: 'back', displayName: 'Back' });
    fault.userId = returning.userId;
    clock.time += IDLE_MS + 1000;
    expect((await chat.sweepIdle()).failed.map((f) => f.userId)).toEqual([returning.userId]);
    // It calls in before the retry: present again, so the next round leaves it where it is.
    clock.time += 1000;
    expect((await chat.getStatus({ clientId: returning.clientId })).state).toBe('in_room');
    fault.failing = false;
    clock.time += 1000;
    expect(await chat.sweepIdle()).toEqual({ removed: [], failed: [] });
    expect((await chat.getStatus({ clientId: returning.clientId })).state).toBe('in_room');
  });
});
