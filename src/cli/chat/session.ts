import { randomUUID } from 'node:crypto';
import { type Input, parseInput } from './commands.js';
import type { Body, Link, OnPush, ToolOutcome } from './connection.js';
import { LinkRefused } from './connection.js';
import { Follower } from './follow.js';
import { lookupCall, lookupNotices } from './lookups.js';
import { helpNotices, pushNotice, statusNotices } from './notices.js';
import { CALL_TIMEOUT_MS, ReconnectingLink } from './reconnect.js';
import type { SessionEvent, SessionOptions, SessionState, StartIntent } from './state.js';
import { SessionView } from './view.js';
import type { Member } from './wire.js';
import * as wire from './wire.js';

export type { ChatLine, ConnectionState, Place, SessionEvent, SessionState, StartIntent } from './state.js';

/**
 * The terminal client's brain, without a terminal: it holds the identity and where the person is,
 * keeps a long-poll open for what they are waiting on (a match, or messages), runs their commands,
 * and reconnects by itself. Front ends (the Ink view, line mode) render its events and feed it lines.
 */

/** Parks below the SDK's 60 s request timeout; the request gets 15 s on top for the answer to arrive. */
const WAIT_SECONDS = 45;
const LEAVE_ON_CLOSE_MS = 2_000;
const HISTORY_PAGE = 20;

export class ChatSession {
  private readonly url: URL;
  private readonly view: SessionView;
  /** The long-poll for where the person is, and what they have seen of their room. */
  private readonly follower: Follower;
  /** The server connection; close() stops every call, wait and backoff through it. */
  private readonly link: ReconnectingLink;
  private clientId: string | undefined;
  private interests: string[] | undefined; // From /enter --interests, for every later /enter and /next.
  /** Commands run one after another, in the order typed, so sends keep their order. */
  private commands: Promise<void> = Promise.resolve();
  private closed: Promise<void> | undefined;

  constructor(options: SessionOptions) {
    this.url = options.url;
    const onPush: OnPush = (method, params) => this.pushed(method, params);
    this.link = new ReconnectingLink({
      url: options.url,
      open: options.open,
      onPush,
      onState: (connection, problem) => this.view.update({ connection, problem }),
      onReconnect: (link) => this.resync(link),
    });
    this.view = new SessionView({
      url: options.url.href,
      connection: 'connecting',
      problem: undefined,
      displayName: options.displayName,
      userId: undefined,
      place: { kind: 'starting' },
    });
    this.follower = new Follower({
      link: this.link,
      view: this.view,
      waitSeconds: options.waitSeconds ?? WAIT_SECONDS,
      clientId: () => this.clientId,
      identityLost: () => this.identityLost(),
    });
  }

  get snapshot(): SessionState {
    return this.view.state;
  }

  subscribe(listener: (event: SessionEvent) => void): () => void {
    return this.view.subscribe(listener);
  }

  /** Connects, then goes where the options say: the named room, or the random queue. */
  start(intent: StartIntent): void {
    this.clientId = intent.clientId;
    this.enqueue(async () => {
      try {
        if (intent.room !== undefined) await this.join(intent.room, intent.capacity);
        else await this.enter(undefined);
      } finally {
        if (this.view.state.place.kind === 'starting') this.view.moveTo({ kind: 'idle' });
      }
    });
  }

  /** One typed line: said in the room, or run as a command. Resolves when it has been handled. */
  submit(line: string): Promise<void> {
    const input = parseInput(line);
    if (input.kind === 'empty') return this.commands;
    return this.enqueue(() => this.run(input));
  }

  /** Leaves the room (briefly, if the server answers), closes the connection, and emits `closed`. */
  close(error?: string): Promise<void> {
    this.closed ??= (async () => {
      const place = this.view.state.place;
      const clientId = this.clientId;
      this.follower.stop();
      await this.link.close(async (link) => {
        if (clientId === undefined) return;
        const options = { timeoutMs: LEAVE_ON_CLOSE_MS };
        // Polite, not essential: a partner is told at once instead of after the idle timeout.
        if (place.kind === 'room' && !place.ended) {
          await link.call('leave_chat', { room_id: place.roomId, client_id: clientId }, options);
        }
        // Nobody should be matched with a person who has gone.
        if (place.kind === 'queued') await link.call('leave_queue', { client_id: clientId }, options);
      });
      this.view.update({ connection: 'closed', problem: undefined });
      this.view.emit({ type: 'closed', error });
    })();
    return this.closed;
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    this.commands = this.commands.then(() => this.guard(task));
    return this.commands;
  }

  /** A command never takes the session down: failures become readable lines. */
  private async guard(task: () => Promise<void>): Promise<void> {
    if (this.link.closed) return;
    try {
      await task();
    } catch (error) {
      if (this.link.closed) return;
      if (error instanceof LinkRefused && !this.link.everOnline) {
        await this.close(`Cannot chat through ${this.url.href}: ${error.message}`);
        return;
      }
      this.view.line('error', error instanceof Error ? error.message : String(error));
    }
  }

  private async run(input: Exclude<Input, { kind: 'empty' }>): Promise<void> {
    switch (input.kind) {
      case 'say':
        return this.say(input.text);
      case 'enter':
        this.interests = input.interests ?? this.interests;
        return this.enter(input.name);
      case 'join':
        return this.join(input.room, input.capacity);
      case 'leave':
        return this.leave();
      case 'next':
        return this.enter(undefined);
      case 'history':
        return this.history();
      case 'reply':
        return this.say(input.text, input.seq);
      case 'rooms':
      case 'search':
      case 'safety':
        return this.lookup(input);
      case 'status':
        return this.status(input.showId);
      case 'help':
        for (const text of helpNotices()) this.view.line('notice', text);
        return;
      case 'quit':
        return this.close();
      case 'invalid':
        this.view.line('error', input.error);
        return;
    }
  }

  // ---- commands -------------------------------------------------------------------------------

  private async enter(name: string | undefined): Promise<void> {
    if (this.inRoom()) await this.leave();
    // The new name counts once the server accepts it (adopt() takes it from the answer).
    const outcome = await this.identified('enter_queue', {
      display_name: name ?? this.view.state.displayName,
      interests: this.interests,
    });
    if (!outcome.ok) return this.view.line('error', outcome.error);
    const body = outcome.body;
    this.adopt(body);
    switch (body.status) {
      case 'matched':
      case 'already_in_chat': {
        const roomId = wire.text(body, 'room_id') ?? '';
        const partner = wire.member(body.partner);
        const members = partner ? [this.view.me(), partner] : await this.membersOf(roomId);
        this.view.line(
          'notice',
          partner ? `Matched with ${partner.displayName}.` : `Back in room ${roomId}.`,
        );
        this.follower.enterRoom(roomId, members, []);
        return;
      }
      default: {
        const position = wire.number(body, 'position') ?? 0;
        const queueLength = wire.number(body, 'queue_length') ?? position;
        this.view.line('notice', 'Waiting for a partner…');
        this.view.moveTo({ kind: 'queued', position, queueLength });
        this.follower.queue();
      }
    }
  }

  private async join(roomId: string, capacity: number | undefined): Promise<void> {
    const place = this.view.state.place;
    if (place.kind === 'room' && place.roomId === roomId && !place.ended) {
      return this.view.line('notice', `You are already in room ${roomId}.`);
    }
    const outcome = await this.identified('join_room', {
      room_id: roomId,
      display_name: this.view.state.displayName,
      ...(capacity === undefined ? {} : { capacity }),
    });
    if (!outcome.ok) return this.view.line('error', outcome.error);
    // Only now leave the room or queue one was in: a refused join (a typo, a full room) keeps it.
    if (this.inRoom() || place.kind === 'queued') await this.leave();
    const body = outcome.body;
    this.adopt(body);
    const members = wire.members(body.members);
    const others = members.filter((m) => m.userId !== this.view.state.userId).map((m) => m.displayName);
    if (body.status === 'room_created') {
      this.view.line('notice', `Created room ${roomId} (room for ${wire.number(body, 'capacity') ?? 2}).`);
    } else {
      this.view.line('notice', `Joined room ${roomId}${others.length ? ` with ${others.join(', ')}` : ''}.`);
    }
    this.follower.enterRoom(roomId, members, wire.messages(body.recent_messages));
  }

  private async leave(): Promise<void> {
    const place = this.view.state.place;
    if (place.kind === 'queued') {
      this.follower.stop();
      const outcome = await this.call('leave_queue', { client_id: this.clientId });
      // Not queued any more (matched a moment ago, or removed while idle): the wait loop tells.
      if (!outcome.ok && outcome.code !== 'not_in_queue') {
        this.follower.queue();
        return this.view.line('error', outcome.error);
      }
      this.view.line('notice', 'You left the queue.');
      this.view.moveTo({ kind: 'idle' });
      return;
    }
    if (place.kind !== 'room') return this.view.line('notice', 'You are not in a room.');
    this.follower.stop();
    if (!place.ended) {
      const outcome = await this.call('leave_chat', { room_id: place.roomId, client_id: this.clientId });
      // Already out (the chat ended or we were removed): the person's wish holds all the same.
      if (!outcome.ok && outcome.code !== 'not_in_room' && outcome.code !== 'chat_ended') {
        this.follower.resumeRoom(place.roomId);
        return this.view.line('error', outcome.error);
      }
    }
    this.view.line('notice', `You left room ${place.roomId}.`);
    this.follower.stop(true);
    this.view.moveTo({ kind: 'idle' });
  }

  /** /rooms, /search, /block, /unblock and /report: one call, its answer as notices. */
  private async lookup(input: Extract<Input, { kind: 'rooms' | 'search' | 'safety' }>) {
    const call = lookupCall(input, this.clientId, this.view.state.place);
    if ('error' in call) return this.view.line('error', call.error);
    const outcome = await this.call(call.tool, call.args);
    if (!outcome.ok) return this.view.line('error', outcome.error);
    for (const text of lookupNotices(input, outcome.body)) this.view.line('notice', text);
  }

  private async say(text: string, replyTo?: number): Promise<void> {
    const place = this.view.state.place;
    if (place.kind === 'queued')
      return this.view.line('error', 'Nobody to talk to yet: you are waiting for a partner.');
    if (place.kind !== 'room') {
      return this.view.line('error', 'You are not in a room: /enter to meet someone, or /join ROOM.');
    }
    if (place.ended) return this.view.line('error', 'This chat has ended. /next meets someone new.');
    // The same key on every retry: a send that reached the server before a drop is stored once.
    const outcome = await this.call('send_message', {
      room_id: place.roomId,
      client_id: this.clientId,
      message: text,
      idempotency_key: randomUUID(),
      reply_to: replyTo,
    });
    if (!outcome.ok) return this.view.line('error', `Not sent: ${outcome.error}`);
    const messageId = wire.text(outcome.body, 'message_id');
    const seq = wire.number(outcome.body, 'seq');
    if (this.follower.room?.roomId === place.roomId && messageId !== undefined)
      this.follower.room.admit(messageId, seq);
    const stamp = Date.parse(wire.text(outcome.body, 'timestamp') ?? '');
    this.view.emit({
      type: 'line',
      line: {
        kind: 'message',
        time: Number.isNaN(stamp) ? new Date() : new Date(stamp),
        sender: this.view.state.displayName,
        text,
        own: true,
        seq,
        reply: wire.replyOf(outcome.body),
      },
    });
  }

  private async history(): Promise<void> {
    const room = this.follower.room;
    if (!room) return this.view.line('error', 'You are not in a room.');
    const outcome = await this.call('get_messages', {
      room_id: room.roomId,
      client_id: this.clientId,
      limit: HISTORY_PAGE,
      ...(room.oldestSeq === undefined ? {} : { before: room.oldestSeq }),
    });
    if (!outcome.ok) return this.view.line('error', outcome.error);
    const earlier = wire.messages(outcome.body.messages).filter((m) => room.admit(m.messageId, m.seq));
    if (earlier.length === 0) return this.view.line('notice', 'No earlier messages.');
    this.view.emit({ type: 'history', lines: earlier.map((m) => this.view.toLine(m)) });
  }

  private async status(showId: boolean): Promise<void> {
    const clientId = this.clientId;
    if (clientId === undefined) return this.view.line('notice', 'Not signed in yet.');
    const outcome = await this.call('get_status', { client_id: clientId });
    if (!outcome.ok) return this.view.line('error', outcome.error);
    const context = { displayName: this.view.state.displayName, url: this.url, clientId, showId };
    for (const text of statusNotices(outcome.body, context)) this.view.line('notice', text);
  }

  // ---- reading the server ---------------------------------------------------------------------

  private async membersOf(roomId: string): Promise<Member[]> {
    const outcome = await this.call('get_status', { client_id: this.clientId });
    return (outcome.ok ? wire.statusRooms(outcome.body).get(roomId) : undefined) ?? [this.view.me()];
  }

  private pushed(method: string, params: Body): void {
    const notice = pushNotice(method, params, this.view.state.place.kind === 'queued');
    if (notice !== undefined) this.view.line('notice', notice);
  }

  // ---- calls and identity ---------------------------------------------------------------------

  private call(name: string, args: Body, options: { signal?: AbortSignal } = {}): Promise<ToolOutcome> {
    return this.link.call(name, args, options);
  }

  /** Calls enter_queue or join_room as the current identity; a forgotten identity is replaced once. */
  private async identified(name: string, args: Body): Promise<ToolOutcome> {
    const outcome = await this.call(name, { ...args, client_id: this.clientId });
    if (outcome.ok || outcome.code !== 'invalid_client' || this.clientId === undefined) return outcome;
    this.view.line('notice', 'The server does not know your client id; you continue as a new participant.');
    this.clientId = undefined;
    return this.call(name, args);
  }

  /**
   * After a reconnect: the server keeps our cursor and our place, so the long-poll just resumes;
   * get_status proves our identity still counts and refreshes who is in the room.
   */
  private async resync(link: Link): Promise<void> {
    if (this.clientId === undefined) return;
    const outcome = await link.call(
      'get_status',
      { client_id: this.clientId },
      { timeoutMs: CALL_TIMEOUT_MS },
    );
    if (!outcome.ok) {
      if (outcome.code === 'invalid_client') this.identityLost();
      return;
    }
    const place = this.view.state.place;
    const members = place.kind === 'room' ? wire.statusRooms(outcome.body).get(place.roomId) : undefined;
    if (place.kind === 'room' && members) this.view.updateRoom(place.roomId, { members });
  }

  /** The server forgot us (its data was reset): there is nothing to resume. */
  private identityLost(): void {
    this.clientId = undefined;
    this.follower.stop(true);
    this.view.line(
      'error',
      'The server no longer knows you (its data may have been reset). /enter or /join to start again.',
    );
    this.view.moveTo({ kind: 'idle' });
  }

  // ---- state and events -----------------------------------------------------------------------

  private adopt(body: Body): void {
    this.clientId = wire.text(body, 'client_id') ?? this.clientId;
    const userId = wire.text(body, 'user_id') ?? this.view.state.userId;
    const displayName = wire.text(body, 'display_name') ?? this.view.state.displayName;
    this.view.update({ userId, displayName });
  }

  private inRoom(): boolean {
    return this.view.state.place.kind === 'room';
  }
}
