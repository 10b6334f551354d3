import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from './support/clients.js';
import { spawnServer, untilParkedWaits } from './support/process.js';

const dir = mkdtempSync(join(tmpdir(), 'mcp-chat-sigterm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(['SIGTERM', 'SIGINT'] as const)('a clean shutdown on %s', (signal) => {
  it('answers every parked wait, exits 0 within 10 s, and loses nothing', async () => {
    const db = join(dir, `${signal}.db`);
    const first = await spawnServer(['--db', db]);
    const modern = await connect(first.mcpUrl, 'modern');
    const legacy = await connect(first.mcpUrl, 'sdk1');
    const a = await modern.call('join_room', { room_id: 'stop', display_name: 'A' });
    const b = await legacy.call('join_room', { room_id: 'stop', display_name: 'B' });
    await modern.call('wait_for_message', { room_id: 'stop', client_id: a.client_id, timeout: 1 });
    const acknowledged = [];
    for (let i = 0; i < 5; i++) {
      acknowledged.push(
        await modern.call('send_message', { room_id: 'stop', client_id: a.client_id, message: `m${i}` }),
      );
    }
    const queued = await modern.call('enter_queue', { display_name: 'Queued' });
    const parked = [
      modern.call('wait_for_message', { room_id: 'stop', client_id: a.client_id, timeout: 120 }),
      legacy.call('wait_for_message', { room_id: 'stop', client_id: b.client_id, timeout: 120, after: 999 }),
      modern.call('wait_for_match', { client_id: queued.client_id, timeout: 120 }),
    ];
    await untilParkedWaits(first, 3);

    const sentAt = Date.now();
    first.child.kill(signal);
    const answers = await Promise.all(parked);
    expect(answers[0]).toMatchObject({ timeout: true, restarting: true });
    expect(String(answers[0]?.message)).toMatch(/restarting.*call wait_for_message again/i);
    expect(answers[1]).toMatchObject({ timeout: true, restarting: true });
    expect(answers[2]).toMatchObject({ status: 'waiting', timeout: true });
    expect(String(answers[2]?.message)).toMatch(/restarting/);
    const exit = await first.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - sentAt).toBeLessThan(10_000);
    await modern.close();
    await legacy.close();

    const second = await spawnServer(['--db', db]);
    const again = await connect(second.mcpUrl, 'modern');
    const history = await again.call('get_messages', { room_id: 'stop', client_id: b.client_id });
    const ids = (history.messages as { message_id: string }[]).map((m) => m.message_id);
    for (const sent of acknowledged) expect(ids).toContain(sent.message_id);
    const unread = await again.call('wait_for_message', {
      room_id: 'stop',
      client_id: b.client_id,
      timeout: 5,
    });
    expect((unread.messages as { message: string }[]).map((m) => m.message)).toEqual([
      'm0',
      'm1',
      'm2',
      'm3',
      'm4',
    ]);
    await again.close();
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 60_000);
});
