import { afterAll, describe, expect, it } from 'vitest';
import { type ChatClient, connect, type Era } from './support/clients.js';
import { until } from './support/poll.js';
import { modernToolCall, parseSse } from './support/raw.js';
import { sharedTestServer, startTestServer } from './support/server.js';

const server = sharedTestServer({ progressIntervalSeconds: 2 });
const open: ChatClient[] = [];
afterAll(async () => {
  await Promise.allSettled(open.map((c) => c.close()));
});

describe('progress while parked', () => {
  it('keeps a client with a 5-second request timeout waiting 20 seconds, then hands it the message', async () => {
    const eras: Era[] = ['modern', 'sdk1'];
    const sender = await connect(server.mcpUrl, 'modern');
    open.push(sender);
    const waits = eras.map(async (era) => {
      const c = await connect(server.mcpUrl, era);
      open.push(c);
      const room = `slow-${era}`;
      const me = await c.call('join_room', { room_id: room, display_name: 'Patient' });
      const them = await sender.call('join_room', { room_id: room, display_name: 'Slow' });
      await c.call('wait_for_message', { room_id: room, client_id: me.client_id, timeout: 1 });
      const progress: number[] = [];
      const parked = c.call(
        'wait_for_message',
        { room_id: room, client_id: me.client_id, timeout: 60 },
        { timeout: 5000, resetTimeoutOnProgress: true, onprogress: (p) => progress.push(p.progress) },
      );
      await new Promise((resolve) => setTimeout(resolve, 20_000));
      await sender.call('send_message', {
        room_id: room,
        client_id: them.client_id,
        message: 'worth the wait',
      });
      expect(await parked).toMatchObject({ message: 'worth the wait' });
      // About one every 2 s for 20 s, increasing.
      expect(progress.length).toBeGreaterThanOrEqual(8);
      expect(progress).toEqual([...progress].sort((x, y) => x - y));
    });
    await Promise.all(waits);
  }, 40_000);

  it('sends progress on the own stream of a wait only when the request carries a progressToken', async () => {
    const c = await connect(server.mcpUrl, 'modern');
    open.push(c);
    const me = await c.call('join_room', { room_id: 'raw-wait', display_name: 'Q' });
    const args = { room_id: 'raw-wait', client_id: me.client_id, timeout: 5 };
    const [plain, tracked] = await Promise.all([
      modernToolCall(server.mcpUrl, 'wait_for_message', args, { id: 1 }),
      modernToolCall(server.mcpUrl, 'wait_for_message', args, { id: 2, progressToken: 'tok-7' }),
    ]);
    // Without a token nothing comes before the result, so the answer stays a single JSON body.
    expect(plain.headers.get('content-type')).toContain('application/json');
    expect(
      ((await plain.json()) as { result: { structuredContent: unknown } }).result.structuredContent,
    ).toMatchObject({
      timeout: true,
    });
    expect(tracked.headers.get('content-type')).toContain('text/event-stream');
    const events = parseSse(await tracked.text());
    const progress = events.filter((e) => e.data.method === 'notifications/progress');
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress[0]?.data.params).toMatchObject({ progressToken: 'tok-7', progress: 1 });
    expect(events.at(-1)?.data).toMatchObject({ id: 2, result: { structuredContent: { timeout: true } } });
  });

  it('sends the first progress as soon as the wait listens: push from then on reaches its stream', async () => {
    // Periodic progress far off: the one this test sees can only be the first, at once.
    const slow = await startTestServer({ progressIntervalSeconds: 600 });
    try {
      const me = await connect(slow.mcpUrl, 'modern');
      const other = await connect(slow.mcpUrl, 'modern');
      open.push(me, other);
      const mine = await me.call('join_room', { room_id: 'listen-here', display_name: 'Here' });
      await me.call('join_room', {
        room_id: 'listen-there',
        display_name: 'Here',
        client_id: mine.client_id,
      });
      const them = await other.call('join_room', { room_id: 'listen-there', display_name: 'There' });
      let listening: () => void = () => {};
      const heard = new Promise<void>((resolve) => {
        listening = resolve;
      });
      const parked = me.call(
        'wait_for_message',
        { room_id: 'listen-here', client_id: mine.client_id, timeout: 60 },
        { onprogress: () => listening() },
      );
      await heard;
      await other.call('send_message', {
        room_id: 'listen-there',
        client_id: them.client_id,
        message: 'over here',
      });
      await until(
        () =>
          me.notifications.find(
            (n) =>
              n.method === 'message.received' && (n.params as { message?: string }).message === 'over here',
          ),
        () => 'the push of the message in the other room',
      );
      await other.call('join_room', {
        room_id: 'listen-here',
        display_name: 'There',
        client_id: them.client_id,
      });
      expect(await parked).toMatchObject({ message: '[System] There has joined the chat.' });
    } finally {
      await slow.dispose();
    }
  });
});
