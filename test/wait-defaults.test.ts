import { afterAll, describe, expect, it } from 'vitest';
import { type ChatClient, connect, type Era } from './support/clients.js';
import { sharedTestServer } from './support/server.js';

/**
 * A wait without `timeout` lasts as long as the client keeps the call alive, and never so long
 * that the client gives up first. Each case runs a wait for real (about a minute), so they run
 * side by side.
 */

const server = sharedTestServer({ progressIntervalSeconds: 5 });
const open: ChatClient[] = [];
afterAll(async () => {
  await Promise.allSettled(open.map((c) => c.close()));
});

async function pair(era: Era, name?: string) {
  const agent = await connect(server.mcpUrl, era, name);
  const person = await connect(server.mcpUrl, 'modern');
  open.push(agent, person);
  const room = `defaults-${era}-${name ?? 'plain'}`;
  const me = await agent.call('join_room', { room_id: room, display_name: 'Agent' });
  const them = await person.call('join_room', { room_id: room, display_name: 'Person' });
  await agent.call('wait_for_message', { room_id: room, client_id: me.client_id, timeout: 1 });
  return { agent, person, room, cid: me.client_id as string, pid: them.client_id as string };
}

describe('wait defaults', () => {
  it.concurrent.each<Era>(['modern', 'legacy', 'sdk1'])(
    'answers a %s client with the SDK default 60 s request timeout before it gives up',
    async (era) => {
      const { agent, room, cid } = await pair(era);
      const started = Date.now();
      // No timeout argument, no progress: the client's own 60 s limit holds.
      const result = await agent.call('wait_for_message', { room_id: room, client_id: cid });
      const took = Date.now() - started;
      expect(result).toMatchObject({ timeout: true });
      expect(took).toBeGreaterThan(45_000);
      expect(took).toBeLessThan(58_000);
    },
    70_000,
  );

  it.concurrent.each<Era>(['modern', 'legacy'])(
    'keeps a wait of Claude Code (%s) that asked for progress open past a minute',
    async (era) => {
      const { agent, person, room, cid, pid } = await pair(era, 'claude-code');
      let progress = 0;
      const started = Date.now();
      const waiting = agent.call(
        'wait_for_message',
        { room_id: room, client_id: cid },
        // Claude Code: its clock starts again with every progress notification.
        { timeout: 20_000, resetTimeoutOnProgress: true, onprogress: () => progress++ },
      );
      let answered = false;
      void waiting.then(() => {
        answered = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 62_000 - (Date.now() - started)));
      // Past the plain default of 50 s and the 60 s of other clients: still parked.
      expect(answered).toBe(false);
      expect(progress).toBeGreaterThan(5);
      await person.call('send_message', { room_id: room, client_id: pid, message: 'still there?' });
      expect(await waiting).toMatchObject({ message: 'still there?' });
    },
    80_000,
  );
});
