import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseInput } from '../src/cli/chat/commands.js';
import { openLink } from '../src/cli/chat/connection.js';
import { plainLine } from '../src/cli/chat/format.js';
import { type ChatLine, ChatSession, type SessionState } from '../src/cli/chat/session.js';
import { connect } from './support/clients.js';
import { until } from './support/poll.js';
import { sharedTestServer } from './support/server.js';

// The terminal client's /rooms, /search and /reply, and mentions marked, against the real server.

const server = sharedTestServer();

function watch(name: string) {
  const session = new ChatSession({ url: server.mcpUrl, displayName: name, open: openLink });
  const lines: ChatLine[] = [];
  session.subscribe((event) => {
    if (event.type === 'line') lines.push(event.line);
  });
  const used = new Set<ChatLine>();
  return {
    session,
    reaches: (test: (state: SessionState) => boolean, what: string) =>
      until(
        () => (test(session.snapshot) ? session.snapshot : undefined),
        () => `${what}; the state is ${JSON.stringify(session.snapshot)}`,
      ),
    says: (pattern: RegExp) =>
      until(
        () => {
          const line = lines.find((l) => !used.has(l) && pattern.test(l.text));
          if (line) used.add(line);
          return line;
        },
        () => `a line ${pattern}; lines: ${JSON.stringify(lines.map((l) => l.text))}`,
      ),
  };
}

describe('terminal client: replies, mentions, /rooms and /search', () => {
  it('marks mentions, replies with /reply, lists rooms and searches', async () => {
    const roomId = `cli-threads-${randomUUID().slice(0, 6)}`;
    const ann = watch('Ann');
    const bob = await connect(server.mcpUrl, 'modern', 'bob');
    try {
      ann.session.start({ room: roomId, capacity: undefined, clientId: undefined });
      await ann.reaches((s) => s.place.kind === 'room', 'Ann is in her room');
      const joined = await bob.call('join_room', { room_id: roomId, display_name: 'Bob' });
      const bobId = joined.client_id as string;
      const asked = await bob.call('send_message', {
        room_id: roomId,
        client_id: bobId,
        message: 'where do we meet, @ann?',
      });
      const question = await ann.says(/^where do we meet/);
      expect(question).toMatchObject({ kind: 'message', seq: asked.seq, mentionsMe: true });
      expect(plainLine(question)).toMatch(/^\[[\d:]+\] #\d+ Bob \(mentions you\): where do we meet, @ann\?$/);

      const heard = bob.call('wait_for_message', { room_id: roomId, client_id: bobId, timeout: 20 });
      await ann.session.submit(`/reply ${asked.seq} at the station`);
      expect(await heard).toMatchObject({
        message: 'at the station',
        reply_to: asked.seq,
        reply_preview: { sender: 'Bob', message: 'where do we meet, @ann?' },
      });
      const answer = await ann.says(/^at the station$/);
      expect(answer).toMatchObject({ own: true, reply: { seq: asked.seq, sender: 'Bob' } });
      expect(plainLine(answer)).toContain(`(re #${asked.seq} Bob: "where do we meet, @ann?")`);

      await ann.session.submit(`/rooms ${roomId}`);
      await ann.says(new RegExp(`^${roomId} \\(2/2\\)$`));
      await ann.session.submit('/search station');
      await ann.says(new RegExp(`^${roomId} #\\d+ \\[[\\d:]+\\] Ann: at the station$`));
      await ann.session.submit('/search "no such words here"');
      await ann.says(/^Nothing found in your rooms\.$/);
      await ann.session.submit('/reply 99999 lost');
      await ann.says(/^Not sent: reply_to: room .* has no message with seq 99999/);
    } finally {
      await ann.session.close();
      await bob.close();
    }
  });

  it('parses /reply, /rooms and /search', () => {
    expect(parseInput('/reply 12 yes, see you')).toEqual({ kind: 'reply', seq: 12, text: 'yes, see you' });
    expect(parseInput('/reply #3  two  spaces')).toEqual({ kind: 'reply', seq: 3, text: 'two  spaces' });
    expect(parseInput('/reply twelve yes')).toMatchObject({ kind: 'invalid' });
    expect(parseInput('/reply 12')).toMatchObject({ kind: 'invalid' });
    expect(parseInput('/rooms')).toEqual({ kind: 'rooms', query: undefined });
    expect(parseInput('/rooms chess club')).toEqual({ kind: 'rooms', query: 'chess club' });
    expect(parseInput('/search "next week" plan')).toEqual({ kind: 'search', query: '"next week" plan' });
    expect(parseInput('/search')).toMatchObject({ kind: 'invalid' });
  });
});
