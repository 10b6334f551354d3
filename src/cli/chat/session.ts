import { randomUUID } from 'node:crypto';
import { COMMAND_HELP, type Input, parseInput } from './commands.js';
import {
  type Body,
  type Link,
  LinkDown,
  LinkRefused,
  type OpenLink,
  type ToolOutcome,
} from './connection.js';
import type { Member, WireMessage } from './wire.js';
import * as wire from './wire.js';

/**
 * The terminal client's brain, without a terminal: it holds the identity and where the person is,
 * keeps a long-poll open for what they are waiting on (a match, or messages), runs their commands,
 * and reconnects by itself. Front ends (the Ink view, line mode) render its events and feed it lines.
 */

export type ConnectionState = 'connecting' | 'online' | 'reconnecting' | 'closed';

export type Place =
  /** Before the first enter_queue or join_room has answered. */
  | { kind: 'starting' }
  | { kind: 'idle' }
  | { kind: 'queued'; position: number; queueLength: number }
  | {
      kind: 'room';
      roomId: string;
      /** Everyone in the room, the person included. */
      members: Member[];
      /** A partner left a room of two (`"disconnect": true`); cleared when someone joins. */
      partnerLeft: boolean;
      /** A queue-matched chat that is over: nothing more can be said in it. */
      ended: boolean;
    };

export interface SessionState {
  url: string;
  connection: ConnectionState;
  /** Why the connection is down, while it is. */
  problem: string | undefined;
  displayName: string;
  userId: string | undefined;
  place: Place;
}

export type ChatLine =
  | { kind: 'message'; time: Date; sender: string; text: string; own: boolean }
  | { kind: 'system' | 'notice' | 'error'; time: Date; text: string };

export type SessionEvent =
  | { type: 'state'; state: SessionState }
  | { type: 'line'; line: ChatLine }
  /** Earlier messages of the room, oldest first, to show before everything else. */
  | { type: 'history'; lines: ChatLine[] }
  /** The session is over; `error` says why when it did not end at the person's request. */
  | { type: 'closed'; error: string | undefined };

export interface SessionOptions {
  url: URL;
  displayName: string;
  open: OpenLink;
  /** Seconds a wait_for_message or wait_for_match may park (the server's default is 60). */
  waitSeconds?: number;
}

export interface StartIntent {
  room: string | undefined;
  capacity: number | undefined;
  clientId: string | undefined;
}

/** Parks below the SDK's 60 s request timeout; the request gets 15 s on top for the answer to arrive. */
const WAIT_SECONDS = 45;
const CALL_TIMEOUT_MS = 15_000;
const LEAVE_ON_CLOSE_MS = 2_000;
const HISTORY_PAGE = 20;
const BACKOFF_MS = [250, 500, 1000, 2000, 3000] as const;

interface RoomLog {
  roomId: string;
  /** message_ids already shown, so a retried wait, a re-join or /history never shows one twice. */
  seen: Set<string>;
  oldestSeq: number | undefined;
}

export class ChatSession {
  private readonly open: OpenLink;
  private readonly url: URL;
  private readonly waitSeconds: number;
  private readonly listeners = new Set<(event: SessionEvent) => void>();
  /** Aborted by close(): every call, wait and backoff stops. */
  private readonly closing = new AbortController();
  private state: SessionState;
  private clientId: string | undefined;
  private room: RoomLog | undefined;
  private link: Link | undefined;
  private linking: Promise<Link> | undefined;
  private everOnline = false;
  /** The long-poll that follows the current place; replaced whenever the place changes. */
  private follower: AbortController | undefined;
  /** Commands run one after another, in the order typed, so sends keep their order. */
  private commands: Promise<void> = Promise.resolve();
  private closed: Promise<void> | undefined;

  constructor(options: SessionOptions) {
    this.open = options.open;
    this.url = options.url;
    this.waitSeconds = options.waitSeconds ?? WAIT_SECONDS;
    this.state = {
      url: options.url.href,
      connection: 'connecting',
      problem: undefined,
      displayName: options.displayName,
      userId: undefined,
      place: { kind: 'starting' },
    };
  }

  get snapshot(): SessionState {
    return this.state;
  }

  subscribe(listener: (event: SessionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Connects, then goes where the options say: the named room, or the random queue. */
  start(intent: StartIntent): void {
    this.clientId = intent.clientId;
    this.enqueue(async () => {
      try {
        if (intent.room !== undefined) await this.join(intent.room, intent.capacity);
        else await this.enter(undefined);
      } finally {
        if (this.state.place.kind === 'starting') this.moveTo({ kind: 'idle' });
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
      const place = this.state.place;
      const link = this.link;
      this.closing.abort();
      this.follower?.abort();
      if (link && place.kind === 'room' && !place.ended && this.clientId !== undefined) {
        // Polite, not essential: a partner is told at once instead of after the idle timeout.
        await link
          .call(
            'leave_chat',
            { room_id: place.roomId, client_id: this.clientId },
            { timeoutMs: LEAVE_ON_CLOSE_MS },
          )
          .catch(() => undefined);
      }
      if (link && place.kind === 'queued' && this.clientId !== undefined) {
        // Nobody should be matched with a person who has gone.
        await link
          .call('leave_queue', { client_id: this.clientId }, { timeoutMs: LEAVE_ON_CLOSE_MS })
          .catch(() => undefined);
      }
      await link?.close().catch(() => undefined);
      this.link = undefined;
      this.update({ connection: 'closed', problem: undefined });
      this.emit({ type: 'closed', error });
    })();
    return this.closed;
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    this.commands = this.commands.then(() => this.guard(task));
    return this.commands;
  }

  /** A command never takes the session down: failures become readable lines. */
  private async guard(task: () => Promise<void>): Promise<void> {
    if (this.closing.signal.aborted) return;
    try {
      await task();
    } catch (error) {
      if (this.closing.signal.aborted) return;
      if (error instanceof LinkRefused && !this.everOnline) {
        await this.close(`Cannot chat through ${this.url.href}: ${error.message}`);
        return;
      }
      this.line('error', error instanceof Error ? error.message : String(error));
    }
  }

  private async run(input: Exclude<Input, { kind: 'empty' }>): Promise<void> {
    switch (input.kind) {
      case 'say':
        return this.say(input.text);
      case 'enter':
        return this.enter(input.name);
      case 'join':
        return this.join(input.room, input.capacity);
      case 'leave':
        return this.leave();
      case 'next':
        return this.enter(undefined);
      case 'history':
        return this.history();
      case 'status':
        return this.status(input.showId);
      case 'help':
        for (const [usage, meaning] of COMMAND_HELP) this.line('notice', `${usage.padEnd(22)} ${meaning}`);
        this.line('notice', 'PgUp/PgDn scroll the messages; Up/Down recall what you typed.');
        return;
      case 'quit':
        return this.close();
      case 'invalid':
        this.line('error', input.error);
        return;
    }
  }

  // ---- commands -------------------------------------------------------------------------------

  private async enter(name: string | undefined): Promise<void> {
    if (this.inRoom()) await this.leave();
    // The new name counts once the server accepts it (adopt() takes it from the answer).
    const outcome = await this.identified('enter_queue', { display_name: name ?? this.state.displayName });
    if (!outcome.ok) return this.line('error', outcome.error);
    const body = outcome.body;
    this.adopt(body);
    switch (body.status) {
      case 'matched':
      case 'already_in_chat': {
        const roomId = wire.text(body, 'room_id') ?? '';
        const partner = wire.member(body.partner);
        const members = partner ? [this.me(), partner] : await this.membersOf(roomId);
        this.line('notice', partner ? `Matched with ${partner.displayName}.` : `Back in room ${roomId}.`);
        this.enterRoom(roomId, members, []);
        return;
      }
      default: {
        const position = wire.number(body, 'position') ?? 0;
        const queueLength = wire.number(body, 'queue_length') ?? position;
        this.line('notice', 'Waiting for a partner…');
        this.moveTo({ kind: 'queued', position, queueLength });
        this.follow((signal) => this.followQueue(signal));
      }
    }
  }

  private async join(roomId: string, capacity: number | undefined): Promise<void> {
    const place = this.state.place;
    if (place.kind === 'room' && place.roomId === roomId && !place.ended) {
      return this.line('notice', `You are already in room ${roomId}.`);
    }
    const outcome = await this.identified('join_room', {
      room_id: roomId,
      display_name: this.state.displayName,
      ...(capacity === undefined ? {} : { capacity }),
    });
    if (!outcome.ok) return this.line('error', outcome.error);
    // Only now leave the room or queue one was in: a refused join (a typo, a full room) keeps it.
    if (this.inRoom() || place.kind === 'queued') await this.leave();
    const body = outcome.body;
    this.adopt(body);
    const members = wire.members(body.members);
    const others = members.filter((m) => m.userId !== this.state.userId).map((m) => m.displayName);
    if (body.status === 'room_created') {
      this.line('notice', `Created room ${roomId} (room for ${wire.number(body, 'capacity') ?? 2}).`);
    } else {
      this.line('notice', `Joined room ${roomId}${others.length ? ` with ${others.join(', ')}` : ''}.`);
    }
    this.enterRoom(roomId, members, wire.messages(body.recent_messages));
  }

  private async leave(): Promise<void> {
    const place = this.state.place;
    if (place.kind === 'queued') {
      this.follower?.abort();
      const outcome = await this.call('leave_queue', { client_id: this.clientId });
      // Not queued any more (matched a moment ago, or removed while idle): the wait loop tells.
      if (!outcome.ok && outcome.code !== 'not_in_queue') {
        this.follow((signal) => this.followQueue(signal));
        return this.line('error', outcome.error);
      }
      this.line('notice', 'You left the queue.');
      this.moveTo({ kind: 'idle' });
      return;
    }
    if (place.kind !== 'room') return this.line('notice', 'You are not in a room.');
    this.follower?.abort();
    if (!place.ended) {
      const outcome = await this.call('leave_chat', { room_id: place.roomId, client_id: this.clientId });
      // Already out (the chat ended or we were removed): the person's wish holds all the same.
      if (!outcome.ok && outcome.code !== 'not_in_room' && outcome.code !== 'chat_ended') {
        this.follow((signal) => this.followRoom(place.roomId, signal));
        return this.line('error', outcome.error);
      }
    }
    this.line('notice', `You left room ${place.roomId}.`);
    this.room = undefined;
    this.moveTo({ kind: 'idle' });
  }

  private async say(text: string): Promise<void> {
    const place = this.state.place;
    if (place.kind === 'queued')
      return this.line('error', 'Nobody to talk to yet: you are waiting for a partner.');
    if (place.kind !== 'room') {
      return this.line('error', 'You are not in a room: /enter to meet someone, or /join ROOM.');
    }
    if (place.ended) return this.line('error', 'This chat has ended. /next meets someone new.');
    // The same key on every retry: a send that reached the server before a drop is stored once.
    const outcome = await this.call('send_message', {
      room_id: place.roomId,
      client_id: this.clientId,
      message: text,
      idempotency_key: randomUUID(),
    });
    if (!outcome.ok) return this.line('error', `Not sent: ${outcome.error}`);
    const messageId = wire.text(outcome.body, 'message_id');
    const seq = wire.number(outcome.body, 'seq');
    if (this.room?.roomId === place.roomId && messageId !== undefined) {
      this.room.seen.add(messageId);
      if (seq !== undefined) this.noteSeq(this.room, seq);
    }
    const stamp = Date.parse(wire.text(outcome.body, 'timestamp') ?? '');
    this.emit({
      type: 'line',
      line: {
        kind: 'message',
        time: Number.isNaN(stamp) ? new Date() : new Date(stamp),
        sender: this.state.displayName,
        text,
        own: true,
      },
    });
  }

  private async history(): Promise<void> {
    const room = this.room;
    if (!room) return this.line('error', 'You are not in a room.');
    const outcome = await this.call('get_messages', {
      room_id: room.roomId,
      client_id: this.clientId,
      limit: HISTORY_PAGE,
      ...(room.oldestSeq === undefined ? {} : { before: room.oldestSeq }),
    });
    if (!outcome.ok) return this.line('error', outcome.error);
    const earlier = wire.messages(outcome.body.messages).filter((m) => !room.seen.has(m.messageId));
    for (const m of earlier) {
      room.seen.add(m.messageId);
      this.noteSeq(room, m.seq);
    }
    if (earlier.length === 0) return this.line('notice', 'No earlier messages.');
    this.emit({ type: 'history', lines: earlier.map((m) => this.toLine(m)) });
  }

  private async status(showId: boolean): Promise<void> {
    if (this.clientId === undefined) return this.line('notice', 'Not signed in yet.');
    const outcome = await this.call('get_status', { client_id: this.clientId });
    if (!outcome.ok) return this.line('error', outcome.error);
    const body = outcome.body;
    const name = wire.text(body, 'display_name') ?? this.state.displayName;
    this.line('notice', `You are ${name} (user ${wire.text(body, 'user_id') ?? '?'}) on ${this.url.href}.`);
    if (body.state === 'waiting') {
      this.line('notice', `Waiting in the random queue at position ${wire.number(body, 'position') ?? '?'}.`);
    }
    const rooms = Array.isArray(body.rooms) ? body.rooms : [];
    if (rooms.length === 0 && body.state !== 'waiting') this.line('notice', 'Not in any room.');
    for (const room of rooms) {
      const entry = room as Body;
      const names = wire.members(entry.members).map((m) => m.displayName);
      this.line(
        'notice',
        `Room ${wire.text(entry, 'room_id') ?? '?'}: ${names.join(', ')}; ${wire.number(entry, 'unread') ?? 0} unread.`,
      );
    }
    if (showId) this.line('notice', `Your client id (a secret; --client-id resumes it): ${this.clientId}`);
  }

  // ---- following a place ----------------------------------------------------------------------

  /** Replaces the long-poll with a new one; the old one stops at its next step. */
  private follow(loop: (signal: AbortSignal) => Promise<void>): void {
    this.follower?.abort();
    const follower = new AbortController();
    this.follower = follower;
    loop(follower.signal).catch((error: unknown) => {
      if (follower.signal.aborted || this.closing.signal.aborted) return;
      this.line('error', error instanceof Error ? error.message : String(error));
    });
  }

  private async followQueue(signal: AbortSignal): Promise<void> {
    for (let failures = 0; !signal.aborted; ) {
      const outcome = await this.call(
        'wait_for_match',
        { client_id: this.clientId, timeout: this.waitSeconds },
        { signal, timeoutMs: this.waitRequestMs() },
      );
      if (signal.aborted) return;
      if (outcome.ok) {
        failures = 0;
        const body = outcome.body;
        const partner = wire.member(body.partner);
        if (body.status === 'matched' && partner) {
          this.line('notice', `Matched with ${partner.displayName}.`);
          this.enterRoom(wire.text(body, 'room_id') ?? '', [this.me(), partner], []);
          return;
        }
        if (body.restarting === true) this.drop('the server is restarting');
        const position = wire.number(body, 'position');
        if (position !== undefined) {
          this.moveTo({
            kind: 'queued',
            position,
            queueLength: wire.number(body, 'queue_length') ?? position,
          });
        }
        continue;
      }
      if (outcome.code === 'not_in_queue') {
        this.line('notice', 'You are no longer in the queue. /enter to queue again.');
        return this.moveTo({ kind: 'idle' });
      }
      if (outcome.code === 'invalid_client') return this.identityLost();
      this.line('error', outcome.error);
      await pause(backoff(failures++), signal);
    }
  }

  private async followRoom(roomId: string, signal: AbortSignal): Promise<void> {
    for (let failures = 0; !signal.aborted; ) {
      const outcome = await this.call(
        'wait_for_message',
        { room_id: roomId, client_id: this.clientId, timeout: this.waitSeconds },
        { signal, timeoutMs: this.waitRequestMs() },
      );
      if (signal.aborted) return;
      if (outcome.ok) {
        failures = 0;
        const body = outcome.body;
        if (body.timeout === true) {
          if (body.restarting === true) this.drop('the server is restarting');
          continue;
        }
        const batch = Array.isArray(body.messages) ? wire.messages(body.messages) : wire.messages([body]);
        for (const m of batch) this.receive(roomId, m);
        // Joins and leaves change who is here; the server's list is the truth.
        if (batch.some((m) => m.system)) await this.refreshMembers(roomId, signal);
        continue;
      }
      switch (outcome.code) {
        case 'chat_ended':
          return this.updateRoom(roomId, { ended: true, partnerLeft: true });
        case 'not_in_room':
        case 'room_not_found':
          this.line('notice', `You are no longer in room ${roomId}.`);
          this.room = undefined;
          return this.moveTo({ kind: 'idle' });
        case 'invalid_client':
          return this.identityLost();
        default:
          this.line('error', outcome.error);
          await pause(backoff(failures++), signal);
      }
    }
  }

  private enterRoom(roomId: string, members: Member[], recent: WireMessage[]): void {
    this.room = { roomId, seen: new Set(), oldestSeq: undefined };
    this.moveTo({ kind: 'room', roomId, members, partnerLeft: false, ended: false });
    for (const m of recent) this.receive(roomId, m);
    this.follow((signal) => this.followRoom(roomId, signal));
  }

  private receive(roomId: string, m: WireMessage): void {
    const room = this.room;
    if (room?.roomId !== roomId || room.seen.has(m.messageId)) return;
    room.seen.add(m.messageId);
    this.noteSeq(room, m.seq);
    this.emit({ type: 'line', line: this.toLine(m) });
    if (m.disconnect) this.updateRoom(roomId, { partnerLeft: true });
  }

  private async refreshMembers(roomId: string, signal: AbortSignal): Promise<void> {
    const outcome = await this.call('get_status', { client_id: this.clientId }, { signal });
    const members = outcome.ok ? wire.statusRooms(outcome.body).get(roomId) : undefined;
    if (!members || signal.aborted) return;
    const alone = members.every((m) => m.userId === this.state.userId);
    this.updateRoom(roomId, alone ? { members } : { members, partnerLeft: false });
  }

  private async membersOf(roomId: string): Promise<Member[]> {
    const outcome = await this.call('get_status', { client_id: this.clientId });
    return (outcome.ok ? wire.statusRooms(outcome.body).get(roomId) : undefined) ?? [this.me()];
  }

  /**
   * Push is a hint on top of the waits, and a wait forwards only what its own answer will not
   * say. The one hint worth showing: a match from the random queue while one is elsewhere (the
   * same identity queued from another client, or a match that landed just as a /join left the
   * queue).
   */
  private pushed(method: string, params: Body): void {
    if (method !== 'chatroom.found' || this.state.place.kind === 'queued') return;
    const partner = wire.member(params.partner);
    if (!partner) return;
    this.line(
      'notice',
      `The random queue matched you with ${partner.displayName}. /enter goes to that chat.`,
    );
  }

  // ---- calls and reconnecting -----------------------------------------------------------------

  /**
   * Calls a tool, riding out outages: when the server cannot be reached (or says it is
   * unavailable) the call waits for the reconnection and is made again, with the same arguments.
   */
  private async call(
    name: string,
    args: Body,
    options: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<ToolOutcome> {
    const signal = options.signal
      ? AbortSignal.any([options.signal, this.closing.signal])
      : this.closing.signal;
    for (;;) {
      const link = await this.connected(signal);
      try {
        return await link.call(name, args, { signal, timeoutMs: options.timeoutMs ?? CALL_TIMEOUT_MS });
      } catch (error) {
        signal.throwIfAborted();
        if (error instanceof LinkRefused) return { ok: false, code: 'client_error', error: error.message };
        if (!(error instanceof LinkDown)) throw error;
        this.lost(link, error.message);
      }
    }
  }

  /** Calls enter_queue or join_room as the current identity; a forgotten identity is replaced once. */
  private async identified(name: string, args: Body): Promise<ToolOutcome> {
    const outcome = await this.call(name, { ...args, client_id: this.clientId });
    if (outcome.ok || outcome.code !== 'invalid_client' || this.clientId === undefined) return outcome;
    this.line('notice', 'The server does not know your client id; you continue as a new participant.');
    this.clientId = undefined;
    return this.call(name, args);
  }

  private connected(signal: AbortSignal): Promise<Link> {
    if (this.link) return Promise.resolve(this.link);
    this.linking ??= this.establish().finally(() => {
      this.linking = undefined;
    });
    return abortable(this.linking, signal);
  }

  /** Connects (again), with backoff, until the server answers get_status for our identity. */
  private async establish(): Promise<Link> {
    for (let attempt = 0; ; attempt++) {
      this.closing.signal.throwIfAborted();
      let link: Link | undefined;
      try {
        link = await this.open(this.url, this.closing.signal, (method, params) =>
          this.pushed(method, params),
        );
        if (this.clientId !== undefined && this.everOnline) await this.resync(link);
        this.link = link;
        this.everOnline = true;
        this.update({ connection: 'online', problem: undefined });
        return link;
      } catch (error) {
        await link?.close().catch(() => undefined);
        this.closing.signal.throwIfAborted();
        if (error instanceof LinkRefused && !this.everOnline) throw error;
        const problem = error instanceof Error ? error.message : String(error);
        this.update({ connection: this.everOnline ? 'reconnecting' : 'connecting', problem });
        await pause(backoff(attempt), this.closing.signal);
      }
    }
  }

  /**
   * After a reconnect: the server keeps our cursor and our place, so the long-poll just resumes;
   * get_status proves our identity still counts and refreshes who is in the room.
   */
  private async resync(link: Link): Promise<void> {
    const outcome = await link.call(
      'get_status',
      { client_id: this.clientId },
      { timeoutMs: CALL_TIMEOUT_MS },
    );
    if (!outcome.ok) {
      if (outcome.code === 'invalid_client') this.identityLost();
      return;
    }
    const place = this.state.place;
    const members = place.kind === 'room' ? wire.statusRooms(outcome.body).get(place.roomId) : undefined;
    if (place.kind === 'room' && members) this.updateRoom(place.roomId, { members });
  }

  private lost(link: Link, problem: string): void {
    if (this.link !== link) return;
    this.link = undefined;
    void link.close().catch(() => undefined);
    this.update({ connection: 'reconnecting', problem });
  }

  /** The server said it is going away: reconnect rather than wait for the next call to fail. */
  private drop(problem: string): void {
    if (this.link) this.lost(this.link, problem);
  }

  /** The server forgot us (its data was reset): there is nothing to resume. */
  private identityLost(): void {
    this.clientId = undefined;
    this.room = undefined;
    this.follower?.abort();
    this.line(
      'error',
      'The server no longer knows you (its data may have been reset). /enter or /join to start again.',
    );
    this.moveTo({ kind: 'idle' });
  }

  // ---- state and events -----------------------------------------------------------------------

  private adopt(body: Body): void {
    this.clientId = wire.text(body, 'client_id') ?? this.clientId;
    const userId = wire.text(body, 'user_id') ?? this.state.userId;
    const displayName = wire.text(body, 'display_name') ?? this.state.displayName;
    this.update({ userId, displayName });
  }

  private me(): Member {
    return { userId: this.state.userId ?? '', displayName: this.state.displayName };
  }

  private inRoom(): boolean {
    return this.state.place.kind === 'room';
  }

  private moveTo(place: Place): void {
    this.update({ place });
  }

  private updateRoom(roomId: string, change: Partial<Omit<Extract<Place, { kind: 'room' }>, 'kind'>>): void {
    const place = this.state.place;
    if (place.kind === 'room' && place.roomId === roomId) this.update({ place: { ...place, ...change } });
  }

  private noteSeq(room: RoomLog, seq: number): void {
    if (room.oldestSeq === undefined || seq < room.oldestSeq) room.oldestSeq = seq;
  }

  private toLine(m: WireMessage): ChatLine {
    if (m.system) return { kind: 'system', time: m.time, text: m.text.replace(/^\[System\]\s*/, '') };
    return {
      kind: 'message',
      time: m.time,
      sender: m.sender,
      text: m.text,
      own: m.senderId === this.state.userId,
    };
  }

  private waitRequestMs(): number {
    return this.waitSeconds * 1000 + CALL_TIMEOUT_MS;
  }

  private update(change: Partial<SessionState>): void {
    this.state = { ...this.state, ...change };
    this.emit({ type: 'state', state: this.state });
  }

  private line(kind: 'system' | 'notice' | 'error', text: string): void {
    this.emit({ type: 'line', line: { kind, time: new Date(), text } });
  }

  private emit(event: SessionEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

function backoff(attempt: number): number {
  return BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)] ?? 3000;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The shared reconnection, given up on by this caller alone when its signal aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
