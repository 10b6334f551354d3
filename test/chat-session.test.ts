import { describe, expect, it } from 'vitest';
import { openLink } from '../src/cli/chat/connection.js';
import { type ChatLine, ChatSession, type SessionEvent, type SessionState } from '../src/cli/chat/session.js';
import { connect } from './support/clients.js';
import { until } from './support/poll.js';
import { sharedTestServer } from './support/server.js';

// The session controller without a terminal: the same object both front ends drive, against the
// real server, with an official-SDK client on the other side.

const server = sharedTestServer();

interface Watched {
  session: ChatSession;
  lines: ChatLine[];
  /** Waits for a state that satisfies `test`. */
  reaches(test: (state: SessionState) => boolean, what: string): Promise<SessionState>;
  /** Waits for a line whose text matches, among those not matched before. */
  says(pattern: RegExp): Promise<ChatLine>;
  history: ChatLine[][];
}

function watch(name: string): Watched {
  const session = new ChatSession({ url: server.mcpUrl, displayName: name, open: openLink });
  const lines: ChatLine[] = [];
  const history: ChatLine[][] = [];
  session.subscribe((event: SessionEvent) => {
    if (event.type === 'line') lines.push(event.line);
    if (event.type === 'history') history.push(event.lines);
  });
  const used = new Set<ChatLine>();
  return {
    session,
    lines,
    history,
    reaches: (test, what) =>
      until(
        () => (test(session.snapshot) ? session.snapshot : undefined),
        () => `${what}; the state is ${JSON.stringify(session.snapshot)}`,
      ),
    says: (pattern) =>
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

const inRoomWith = (name: string) => (state: SessionState) =>
  state.place.kind === 'room' && state.place.members.some((m) => m.displayName === name);

describe('the chat session', () => {
  it('queues, is matched, talks, sees the chat end, and queues again with /next', async () => {
    const ann = watch('Ann');
    const bob = await connect(server.mcpUrl, 'modern', 'bob');
    const cy = await connect(server.mcpUrl, 'modern', 'cy');
    try {
      ann.session.start({ room: undefined, capacity: undefined, clientId: undefined });
      await ann.reaches((s) => s.place.kind === 'queued' && s.place.position === 1, 'Ann waits in the queue');

      const matched = await bob.call('enter_queue', { display_name: 'Bob' });
      expect(matched.status).toBe('matched');
      const roomId = matched.room_id as string;
      const bobId = matched.client_id as string;
      await ann.reaches(inRoomWith('Bob'), 'Ann is matched with Bob');
      await ann.says(/^Matched with Bob\.$/);

      await bob.call('send_message', { room_id: roomId, client_id: bobId, message: 'hi Ann' });
      expect(await ann.says(/^hi Ann$/)).toMatchObject({ kind: 'message', sender: 'Bob', own: false });

      const heard = bob.call('wait_for_message', { room_id: roomId, client_id: bobId, timeout: 20 });
      await ann.session.submit('hello Bob');
      expect(await heard).toMatchObject({ message: 'hello Bob', sender: 'Ann' });
      expect(await ann.says(/^hello Bob$/)).toMatchObject({ kind: 'message', sender: 'Ann', own: true });

      // Saying something that starts with a slash takes two of them.
      const slashed = bob.call('wait_for_message', { room_id: roomId, client_id: bobId, timeout: 20 });
      await ann.session.submit('//shrug');
      expect(await slashed).toMatchObject({ message: '/shrug' });

      await bob.call('leave_chat', { room_id: roomId, client_id: bobId });
      expect(await ann.says(/^Your chat partner has left the conversation\.$/)).toMatchObject({
        kind: 'system',
      });
      await ann.reaches((s) => s.place.kind === 'room' && s.place.ended, 'the chat has ended for Ann');
      await ann.session.submit('anyone there?');
      await ann.says(/^This chat has ended\. \/next meets someone new\.$/);

      await ann.session.submit('/next');
      await ann.reaches((s) => s.place.kind === 'queued', 'Ann queues again');
      // Somebody new: the queue does not pair Ann with Bob again straight away.
      const again = await cy.call('enter_queue', { display_name: 'Cy' });
      expect(again.status).toBe('matched');
      await ann.reaches(
        (s) => s.place.kind === 'room' && s.place.roomId === again.room_id && !s.place.ended,
        'Ann is in the new room',
      );
      await ann.reaches(inRoomWith('Cy'), 'Ann is matched with Cy');
    } finally {
      await ann.session.close();
      await bob.close();
      await cy.close();
    }
  });

  it('leaves the queue on /join, so nobody is matched with a person who went elsewhere', async () => {
    const ann = watch('Ann');
    const bob = await connect(server.mcpUrl, 'modern', 'bob');
    try {
      ann.session.start({ room: undefined, capacity: undefined, clientId: undefined });
      await ann.reaches((s) => s.place.kind === 'queued', 'Ann waits in the queue');
      await ann.session.submit('/join side-room');
      await ann.says(/^You left the queue\.$/);
      await ann.reaches(
        (s) => s.place.kind === 'room' && s.place.roomId === 'side-room',
        'Ann is in side-room',
      );
      const next = await bob.call('enter_queue', { display_name: 'Bob' });
      expect(next).toMatchObject({ status: 'waiting', position: 1 });
      await bob.call('leave_queue', { client_id: next.client_id });
    } finally {
      await ann.session.close();
      await bob.close();
    }
  });

  it('blocks, reports and unblocks a member by name with /block, /report and /unblock', async () => {
    const ann = watch('Ann');
    const bob = await connect(server.mcpUrl, 'modern', 'bob');
    const cy = await connect(server.mcpUrl, 'modern', 'cy');
    try {
      ann.session.start({ room: 'safety-room', capacity: 3, clientId: undefined });
      await ann.reaches((s) => s.place.kind === 'room', 'Ann is in safety-room');
      const b = await bob.call('join_room', { room_id: 'safety-room', display_name: 'Bob' });
      const c = await cy.call('join_room', { room_id: 'safety-room', display_name: 'Cy' });
      await ann.reaches(inRoomWith('Bob'), 'Ann sees Bob in the room');
      await ann.reaches(inRoomWith('Cy'), 'Ann sees Cy in the room');

      await ann.session.submit('/block bob');
      await ann.says(/^Blocked bob: you will not see their messages/);
      await bob.call('send_message', {
        room_id: 'safety-room',
        client_id: b.client_id,
        message: 'hidden from Ann',
      });
      await cy.call('send_message', {
        room_id: 'safety-room',
        client_id: c.client_id,
        message: 'seen by Ann',
      });
      // In order: once Cy's later message shows, Bob's earlier one was skipped, not late.
      await ann.says(/^seen by Ann$/);
      expect(ann.lines.map((line) => line.text)).not.toContain('hidden from Ann');

      await ann.session.submit('/report Bob keeps spamming');
      await ann.says(/^Reported Bob to the operator \(rep_[0-9a-f-]+\)\./);
      await ann.session.submit('/report Nobody at all');
      await ann.says(/^Nobody called Nobody here\./);

      await ann.session.submit('/unblock Bob');
      await ann.says(/^Unblocked Bob\.$/);
      await bob.call('send_message', {
        room_id: 'safety-room',
        client_id: b.client_id,
        message: 'back in view',
      });
      await ann.says(/^back in view$/);
    } finally {
      await ann.session.close();
      await bob.close();
      await cy.close();
    }
  });

  it('tells of a match made elsewhere for the same identity (pushed on the wait), and /enter goes there', async () => {
    const ann = watch('Ann');
    const bob = await connect(server.mcpUrl, 'modern', 'bob');
    const annElsewhere = await connect(server.mcpUrl, 'modern', 'ann-on-another-device');
    try {
      ann.session.start({ room: 'side-room-2', capacity: undefined, clientId: undefined });
      await ann.reaches((s) => s.place.kind === 'room', 'Ann is in side-room-2');
      await ann.session.submit('/status id');
      const idLine = await ann.says(/^Your client id/);
      const clientId = idLine.text.split(': ')[1] ?? '';
      // Another client of Ann's queues her identity while this one sits in a room.
      expect(await annElsewhere.call('enter_queue', { client_id: clientId })).toMatchObject({
        status: 'waiting',
      });
      const matched = await bob.call('enter_queue', { display_name: 'Bob' });
      expect(matched.status).toBe('matched');
      await ann.says(/^The random queue matched you with Bob\. \/enter goes to that chat\.$/);
      await ann.session.submit('/enter');
      await ann.says(/^Back in room /);
      await ann.reaches(
        (s) => s.place.kind === 'room' && s.place.roomId === matched.room_id && inRoomWith('Bob')(s),
        'Ann is in the chat with Bob',
      );
    } finally {
      await ann.session.close();
      await bob.close();
      await annElsewhere.close();
    }
  });

  it('loads earlier messages with /history, each once', async () => {
    const bob = await connect(server.mcpUrl, 'modern', 'bob');
    const ann = watch('Ann');
    try {
      const joined = await bob.call('join_room', {
        room_id: 'history-room',
        display_name: 'Bob',
        capacity: 3,
      });
      for (let n = 1; n <= 25; n++) {
        await bob.call('send_message', {
          room_id: 'history-room',
          client_id: joined.client_id,
          message: `message ${n}`,
        });
      }
      ann.session.start({ room: 'history-room', capacity: undefined, clientId: undefined });
      // Joining brings the last 20 (6 to 25); /history brings the 5 before them, then nothing more.
      await ann.says(/^message 25$/);
      expect(ann.lines.filter((l) => l.kind === 'message').map((l) => l.text)[0]).toBe('message 6');
      await ann.session.submit('/history');
      await until(
        () => ann.history[0],
        () => 'a page of history',
      );
      expect(ann.history[0]?.map((l) => l.text)).toEqual([
        'message 1',
        'message 2',
        'message 3',
        'message 4',
        'message 5',
      ]);
      await ann.session.submit('/history');
      await ann.says(/^No earlier messages\.$/);
    } finally {
      await ann.session.close();
      await bob.close();
    }
  });

  it('answers commands it does not know, and bad arguments, with a readable line', async () => {
    const ann = watch('Ann');
    try {
      ann.session.start({ room: 'commands-room', capacity: undefined, clientId: undefined });
      await ann.reaches((s) => s.place.kind === 'room', 'Ann is in her room');
      await ann.session.submit('/dance');
      expect(await ann.says(/^Unknown command \/dance\. Type \/help for the list\.$/)).toMatchObject({
        kind: 'error',
      });
      await ann.session.submit('/join');
      await ann.says(/^Usage: \/join ROOM \[capacity\]/);
      // The server's refusal, in its words; the room one was in is kept.
      await ann.session.submit('/join bad!name');
      expect(await ann.says(/^room_id must be/)).toMatchObject({ kind: 'error' });
      expect(ann.session.snapshot.place).toMatchObject({ kind: 'room', roomId: 'commands-room' });
      await ann.session.submit('/status id');
      await ann.says(/^You are Ann \(user u_\S+\) on http:/);
      await ann.says(/^Room commands-room: Ann; 0 unread\.$/);
      await ann.says(/^Your client id \(a secret; --client-id resumes it\): \S+$/);
      await ann.session.submit('/join other-room 3');
      await ann.says(/^You left room commands-room\.$/);
      await ann.says(/^Created room other-room \(room for 3\)\.$/);
      expect(ann.session.snapshot.place).toMatchObject({ kind: 'room', roomId: 'other-room' });
    } finally {
      await ann.session.close();
    }
  });

  it('comes back as the same participant with --client-id', async () => {
    const first = watch('Ann');
    first.session.start({ room: 'resume-room', capacity: undefined, clientId: undefined });
    await first.reaches((s) => s.place.kind === 'room', 'Ann is in her room');
    await first.session.submit('/status id');
    const idLine = await first.says(/^Your client id/);
    const clientId = idLine.text.split(': ')[1] ?? '';
    const userId = first.session.snapshot.userId;
    // Closing leaves the room; the identity stays valid.
    await first.session.close();

    const second = watch('Ann');
    try {
      second.session.start({ room: 'resume-room', capacity: undefined, clientId });
      await second.reaches((s) => s.place.kind === 'room', 'Ann is back in her room');
      expect(second.session.snapshot.userId).toBe(userId);
    } finally {
      await second.session.close();
    }
  });
});
