import { setMaxListeners } from 'node:events';
import {
  type ChatEngine,
  type ChatEvent,
  type HistoryPage,
  type LeaveReason,
  roomTopic,
  userTopic,
} from './engine.js';
import { type Clock, credentialDigest, type IdSource, randomIds, systemClock } from './identity.js';
import { park } from './park.js';
import {
  chatEnded,
  notInQueue,
  notInRoom,
  rateLimited,
  refusal,
  roomFull,
  roomNotFound,
  unknownClient,
} from './refusals.js';
import {
  type ChatLimits,
  checkCapacity,
  checkDisplayName,
  checkHistoryLimit,
  checkIdempotencyKey,
  checkMessageText,
  checkRoomId,
  checkSeq,
  clampWaitSeconds,
  MIN_ROOM_CAPACITY,
  RECENT_ON_JOIN,
  WAIT_BATCH_LIMIT,
} from './rules.js';
import {
  type ChatMessage,
  type Member,
  type MessageDraft,
  type Participant,
  type Room,
  type RoomSummary,
  SYSTEM_SENDER_ID,
  SYSTEM_SENDER_NAME,
} from './types.js';

export interface ChatServiceOptions {
  engine: ChatEngine;
  limits: ChatLimits;
  /** Presence: a participant silent this long leaves its queue and rooms (contract default 15 min). */
  idleTimeoutMs?: number;
  ids?: IdSource;
  clock?: Clock;
}

/** Who made a call: the participant behind a valid client_id. */
export interface Caller extends Participant {
  clientId: string;
}

export type QueueStanding =
  | { status: 'matched'; roomId: string; partner: Member }
  | { status: 'waiting'; position: number; queueLength: number }
  | { status: 'already_waiting'; position: number; queueLength: number }
  | { status: 'already_in_chat'; roomId: string };

export type MatchWaitResult =
  | { status: 'matched'; roomId: string; partner: Member }
  | { status: 'waiting'; position: number; queueLength: number; endedBy: WaitEnd };

export type JoinRoomResult =
  | { status: 'room_created'; room: Room; members: Member[] }
  | {
      status: 'joined';
      room: Room;
      partner: Member | null;
      members: Member[];
      recentMessages: ChatMessage[];
    };

export type MessageWaitResult =
  | {
      status: 'messages';
      messages: ChatMessage[];
      /**
       * Puts the messages back (moves the cursor back, unless another wait moved it since): for
       * the protocol face to call when the answer could not be delivered.
       */
      undo(): Promise<void>;
    }
  | { status: 'timeout'; endedBy: WaitEnd };

/** Why a wait came back empty: its own timeout, or the server stopping (call again after the restart). */
export type WaitEnd = 'timeout' | 'shutdown';

export interface StatusResult {
  participant: Participant;
  state: 'idle' | 'waiting' | 'in_room';
  position?: number;
  rooms: RoomSummary[];
}

/**
 * The chat itself: every tool of the contract as a method, with no HTTP, MCP or SQL in it.
 * State lives in the engine; this class decides what the rules are and how refusals are worded.
 */
export class ChatService {
  private readonly limits: ChatLimits;
  private readonly engine: ChatEngine;
  private readonly ids: IdSource;
  private readonly clock: Clock;
  private readonly idleTimeoutMs: number;
  /** Aborted by `stopWaits()`: every parked wait then answers at once. */
  private readonly stopping = new AbortController();
  /** Participants holding a wait on this instance: waiting is presence (see sweepIdle). */
  private readonly parked = new Map<string, { waits: number; touchedAt: number }>();

  constructor({
    engine,
    limits,
    idleTimeoutMs = 15 * 60_000,
    ids = randomIds,
    clock = systemClock,
  }: ChatServiceOptions) {
    this.engine = engine;
    this.limits = limits;
    this.idleTimeoutMs = idleTimeoutMs;
    this.ids = ids;
    this.clock = clock;
    // Every parked wait listens to this one signal: thousands of listeners are expected.
    setMaxListeners(0, this.stopping.signal);
  }

  /** Creates a participant, or identifies an existing one when a client_id is given. */
  async enterQueue(input: { displayName?: string; clientId?: string }): Promise<Caller & QueueStanding> {
    const caller = await this.callerOrNew(input.clientId, input.displayName);
    const outcome = await this.engine.enqueue(caller.userId, {
      now: this.clock.now(),
      matchRoomId: this.ids.matchRoomId(),
    });
    switch (outcome.kind) {
      case 'matched': {
        const me: Member = { userId: caller.userId, displayName: caller.displayName };
        const roomId = outcome.room.roomId;
        await this.tell([outcome.partner.userId], { type: 'matched', roomId, partner: me });
        await this.tell([caller.userId], { type: 'matched', roomId, partner: outcome.partner });
        return { ...caller, status: 'matched', roomId, partner: outcome.partner };
      }
      case 'waiting':
      case 'already_waiting':
        return {
          ...caller,
          status: outcome.kind,
          position: outcome.position,
          queueLength: outcome.queueLength,
        };
      case 'already_in_chat':
        return { ...caller, status: 'already_in_chat', roomId: outcome.roomId };
    }
  }

  async waitForMatch(input: {
    clientId: string;
    timeout?: number;
    signal?: AbortSignal;
    /** Hears the caller's events while parked (for push on the wait's own response stream). */
    onEvent?: (event: ChatEvent) => void;
  }): Promise<MatchWaitResult> {
    const timeoutMs = clampWaitSeconds(input.timeout) * 1000;
    const caller = await this.identify(input.clientId);
    const signals = this.waitSignals(input.signal);
    let last: { position: number; queueLength: number } | undefined;
    const matched = await this.whileParked(caller, input.onEvent, () =>
      park({
        bus: this.engine.bus,
        topic: userTopic(caller.userId),
        timeoutMs,
        signals,
        check: async () => {
          const state = await this.engine.matchState(caller.userId);
          if (state.kind === 'idle') throw notInQueue();
          if (state.kind === 'waiting') {
            last = state;
            return undefined;
          }
          return { status: 'matched' as const, roomId: state.room.roomId, partner: state.partner };
        },
      }),
    );
    if (matched) return matched;
    const standing = last ?? { position: 0, queueLength: 0 };
    return { status: 'waiting', ...standing, endedBy: this.endOfWait() };
  }

  async joinRoom(input: {
    roomId: string;
    displayName: string;
    clientId?: string;
    capacity?: number;
  }): Promise<Caller & JoinRoomResult> {
    const roomId = checkRoomId(input.roomId);
    const capacity = checkCapacity(input.capacity ?? MIN_ROOM_CAPACITY, this.limits);
    const caller = await this.callerOrNew(input.clientId, input.displayName);
    const now = this.clock.now();
    const outcome = await this.engine.joinRoom({
      roomId,
      userId: caller.userId,
      capacity,
      now,
      notice: this.systemDraft(`[System] ${caller.displayName} has joined the chat.`, now),
      recentLimit: RECENT_ON_JOIN,
    });
    switch (outcome.kind) {
      case 'room_full':
        throw roomFull(roomId);
      case 'chat_ended':
        throw chatEnded(roomId);
      case 'created':
        return { ...caller, status: 'room_created', room: outcome.room, members: outcome.members };
      case 'joined': {
        const others = outcome.members.filter((m) => m.userId !== caller.userId).map((m) => m.userId);
        await this.announce(roomId, outcome.notice, others);
        const joiner: Member = { userId: caller.userId, displayName: caller.displayName };
        await this.tell(others, { type: 'member_joined', roomId, member: joiner });
        return { ...caller, ...this.joinedView(caller, outcome) };
      }
      case 'already_member':
        return { ...caller, ...this.joinedView(caller, outcome) };
    }
  }

  async sendMessage(input: {
    roomId: string;
    message: string;
    clientId: string;
    idempotencyKey?: string;
  }): Promise<ChatMessage> {
    const roomId = checkRoomId(input.roomId);
    const text = checkMessageText(input.message, this.limits);
    const idempotencyKey =
      input.idempotencyKey === undefined ? undefined : checkIdempotencyKey(input.idempotencyKey);
    const caller = await this.identify(input.clientId);
    await this.takeSendToken(caller.userId);
    const outcome = await this.engine.appendMessage({
      roomId,
      userId: caller.userId,
      idempotencyKey,
      draft: {
        messageId: this.ids.messageId(),
        senderId: caller.userId,
        senderName: caller.displayName,
        text,
        createdAt: this.clock.now(),
        system: false,
        disconnect: false,
      },
    });
    if (outcome.kind === 'stored') {
      await this.announce(roomId, outcome.message, outcome.recipients);
      return outcome.message;
    }
    if (outcome.kind === 'duplicate') return outcome.message;
    throw refusal(roomId, outcome);
  }

  /**
   * Hands over what the caller has not received yet, or parks until something arrives. A wait
   * that is cancelled takes nothing; one cancelled while taking puts back what it took.
   */
  async waitForMessage(input: {
    roomId: string;
    clientId: string;
    timeout?: number;
    after?: number;
    signal?: AbortSignal;
    /** Hears the caller's events while parked (for push on the wait's own response stream). */
    onEvent?: (event: ChatEvent) => void;
  }): Promise<MessageWaitResult> {
    const roomId = checkRoomId(input.roomId);
    const timeoutMs = clampWaitSeconds(input.timeout) * 1000;
    const after = checkSeq('after', input.after);
    const caller = await this.identify(input.clientId);
    await this.requireMembership(roomId, caller.userId);
    const signals = this.waitSignals(input.signal);
    const delivery = await this.whileParked(caller, input.onEvent, () =>
      park({
        bus: this.engine.bus,
        topic: roomTopic(roomId),
        timeoutMs,
        signals,
        check: async () => {
          const take = await this.engine.takeUnread({
            roomId,
            userId: caller.userId,
            after,
            limit: WAIT_BATCH_LIMIT,
          });
          if (take.messages.length === 0) {
            if (take.state === 'ended') throw chatEnded(roomId);
            if (take.state === 'gone') throw notInRoom(roomId);
            return undefined;
          }
          const undo = async () => {
            if (take.cursorAfter === take.cursorBefore) return;
            await this.engine.rewindCursor({
              roomId,
              userId: caller.userId,
              from: take.cursorAfter,
              to: take.cursorBefore,
            });
          };
          // Cancelled while taking: nobody will read the answer.
          if (signals.some((signal) => signal.aborted)) {
            await undo();
            return undefined;
          }
          return { messages: take.messages, undo };
        },
      }),
    );
    return delivery ? { status: 'messages', ...delivery } : { status: 'timeout', endedBy: this.endOfWait() };
  }

  async getMessages(input: {
    roomId: string;
    clientId: string;
    limit?: number;
    before?: number;
    after?: number;
  }): Promise<HistoryPage> {
    const roomId = checkRoomId(input.roomId);
    const limit = checkHistoryLimit(input.limit);
    const before = checkSeq('before', input.before);
    const after = checkSeq('after', input.after);
    const caller = await this.identify(input.clientId);
    await this.requireReader(roomId, caller.userId);
    return this.engine.readHistory({ roomId, limit, before, after });
  }

  async leaveChat(input: { roomId: string; clientId: string }): Promise<void> {
    const roomId = checkRoomId(input.roomId);
    const caller = await this.identify(input.clientId);
    const room = await this.requireMembership(roomId, caller.userId);
    if (room.endedAt !== null) throw chatEnded(roomId);
    await this.leave(room, caller, 'left');
  }

  /** Takes the caller out of the random queue (the contract has no other way out but a match). */
  async leaveQueue(input: { clientId: string }): Promise<void> {
    const caller = await this.identify(input.clientId);
    if (!(await this.engine.leaveQueue(caller.userId))) throw notInQueue();
    // A wait_for_match of the caller's, here or on another instance, looks again and ends.
    await this.tell([caller.userId], { type: 'resync' });
  }

  async getStatus(input: { clientId: string }): Promise<StatusResult> {
    const caller = await this.identify(input.clientId);
    const [state, rooms] = await Promise.all([
      this.engine.matchState(caller.userId),
      this.engine.roomsOf(caller.userId),
    ]);
    const { clientId: _secret, ...participant } = caller;
    if (state.kind === 'waiting') return { participant, state: 'waiting', position: state.position, rooms };
    return { participant, state: rooms.length > 0 ? 'in_room' : 'idle', rooms };
  }

  /**
   * Presence, one round: keeps participants that hold a wait here marked as present, then takes
   * those silent for longer than the idle timeout out of their queue and rooms, exactly as if they
   * had called leave_chat (reason `timeout`). Safe to run on every instance at once: the engine
   * hands each idle participant to one of them. Returns the user ids it removed.
   */
  async sweepIdle(): Promise<string[]> {
    const now = this.clock.now();
    // Refreshing three times per timeout keeps a parked participant well clear of the cutoff
    // on every instance, at one write per participant per third of the timeout.
    for (const [userId, entry] of this.parked) {
      if (now - entry.touchedAt < this.idleTimeoutMs / 3) continue;
      await this.engine.touchParticipant(userId, now);
      entry.touchedAt = now;
    }
    const idle = await this.engine.claimIdle(now - this.idleTimeoutMs, 100);
    for (const userId of idle) {
      await this.engine.leaveQueue(userId);
      for (const summary of await this.engine.roomsOf(userId)) {
        const self = summary.members.find((member) => member.userId === userId);
        const access = await this.engine.roomAccess(summary.roomId, userId);
        if (self && access.room) await this.leave(access.room, self, 'timeout');
      }
    }
    return idle;
  }

  /** Participants holding a wait on this instance right now. */
  get parkedCount(): number {
    return this.parked.size;
  }

  /** The public user id behind a client_id, or null; records no activity (for binding push channels). */
  async userIdOf(clientId: string): Promise<string | null> {
    return (await this.engine.findParticipant(credentialDigest(clientId)))?.userId ?? null;
  }

  /** Everything a participant should be told (matches, messages, partners leaving), on any instance. */
  watchUser(userId: string, listener: (event: ChatEvent) => void): () => void {
    return this.engine.bus.subscribe(userTopic(userId), listener);
  }

  /** Answers every parked wait now (with its timeout result) and refuses to park new ones. */
  stopWaits(): void {
    this.stopping.abort();
  }

  /** Writes the leave, then tells whoever remains (system message and `partner_left`). */
  private async leave(room: Room, leaver: Member, reason: LeaveReason): Promise<void> {
    const now = this.clock.now();
    // Two people: the one left behind is told plainly that the conversation is over for them.
    const farewell =
      room.capacity === 2
        ? {
            ...this.systemDraft('[System] Your chat partner has left the conversation.', now),
            disconnect: true,
          }
        : this.systemDraft(`[System] ${leaver.displayName} has left the chat.`, now);
    const outcome = await this.engine.leaveRoom({
      roomId: room.roomId,
      userId: leaver.userId,
      now,
      farewell,
      endRoom: room.kind === 'queue',
    });
    if (outcome.kind !== 'left') throw refusal(room.roomId, outcome);
    const remaining = outcome.remaining.map((member) => member.userId);
    if (outcome.farewell) await this.announce(room.roomId, outcome.farewell, remaining);
    await this.tell(remaining, { type: 'partner_left', roomId: room.roomId, member: leaver, reason });
  }

  /** A stored message wakes the room's waits and is offered to each recipient's push channel. */
  private async announce(roomId: string, message: ChatMessage, recipients: readonly string[]): Promise<void> {
    const event: ChatEvent = { type: 'message', roomId, message };
    await this.engine.bus.publish(roomTopic(roomId), event);
    await this.tell(recipients, event);
  }

  private async tell(userIds: readonly string[], event: ChatEvent): Promise<void> {
    await Promise.all(userIds.map((userId) => this.engine.bus.publish(userTopic(userId), event)));
  }

  /** Counts the caller as present for as long as `wait` runs (see sweepIdle). */
  private async whileParked<T>(
    caller: Caller,
    onEvent: ((event: ChatEvent) => void) | undefined,
    wait: () => Promise<T>,
  ): Promise<T> {
    const entry = this.parked.get(caller.userId) ?? { waits: 0, touchedAt: caller.lastSeenAt };
    entry.waits++;
    this.parked.set(caller.userId, entry);
    const stopListening = onEvent ? this.watchUser(caller.userId, onEvent) : undefined;
    try {
      return await wait();
    } finally {
      stopListening?.();
      entry.waits--;
      if (entry.waits === 0) this.parked.delete(caller.userId);
    }
  }

  private waitSignals(signal: AbortSignal | undefined): AbortSignal[] {
    return signal ? [this.stopping.signal, signal] : [this.stopping.signal];
  }

  private endOfWait(): WaitEnd {
    return this.stopping.signal.aborted ? 'shutdown' : 'timeout';
  }

  private async identify(clientId: string): Promise<Caller> {
    const participant = await this.engine.findParticipant(credentialDigest(clientId));
    if (!participant) throw unknownClient(clientId);
    const now = this.clock.now();
    // Presence needs about a second of resolution; skipping closer touches saves a write per call.
    if (now - participant.lastSeenAt >= 1000) {
      await this.engine.touchParticipant(participant.userId, now);
      participant.lastSeenAt = now;
    }
    return { ...participant, clientId };
  }

  private async callerOrNew(clientId: string | undefined, displayName: string | undefined): Promise<Caller> {
    const name = displayName === undefined ? undefined : checkDisplayName(displayName);
    if (clientId !== undefined) {
      const caller = await this.identify(clientId);
      if (name !== undefined && name !== caller.displayName) {
        await this.engine.touchParticipant(caller.userId, this.clock.now(), name);
        caller.displayName = name;
      }
      return caller;
    }
    const now = this.clock.now();
    const newClientId = this.ids.clientId();
    const participant: Participant = {
      userId: this.ids.userId(),
      displayName: name ?? this.ids.anonymousName(),
      createdAt: now,
      lastSeenAt: now,
    };
    await this.engine.createParticipant({
      userId: participant.userId,
      credential: credentialDigest(newClientId),
      displayName: participant.displayName,
      now,
    });
    return { ...participant, clientId: newClientId };
  }

  /** The room, when the caller is an active member of it (the room may have ended). */
  private async requireMembership(roomId: string, userId: string): Promise<Room> {
    const { room, membership } = await this.engine.roomAccess(roomId, userId);
    if (!room) throw roomNotFound(roomId);
    if (membership && membership.leftAt === null) return room;
    if (membership && room.endedAt !== null) throw chatEnded(roomId);
    throw notInRoom(roomId);
  }

  /**
   * History is for those in the room, and, once a matched chat has ended, for both of its
   * members: the transcript of a finished conversation belongs to the two who had it.
   */
  private async requireReader(roomId: string, userId: string): Promise<void> {
    const { room, membership } = await this.engine.roomAccess(roomId, userId);
    if (!room) throw roomNotFound(roomId);
    if (membership && (membership.leftAt === null || room.endedAt !== null)) return;
    throw notInRoom(roomId);
  }

  private async takeSendToken(userId: string): Promise<void> {
    const rate = this.limits.sendRatePerSecond;
    if (rate <= 0) return;
    const allowed = await this.engine.takeSendToken(userId, {
      now: this.clock.now(),
      ratePerSecond: rate,
      burst: rate * 2,
    });
    if (!allowed) throw rateLimited(rate);
  }

  private systemDraft(text: string, now: number): MessageDraft {
    return {
      messageId: this.ids.messageId(),
      senderId: SYSTEM_SENDER_ID,
      senderName: SYSTEM_SENDER_NAME,
      text,
      createdAt: now,
      system: true,
      disconnect: false,
    };
  }

  private joinedView(
    caller: Caller,
    outcome: { room: Room; members: Member[]; recent: ChatMessage[] },
  ): JoinRoomResult {
    const others = outcome.members.filter((member) => member.userId !== caller.userId);
    return {
      status: 'joined',
      room: outcome.room,
      partner: others.length === 1 ? (others[0] ?? null) : null,
      members: outcome.members,
      recentMessages: outcome.recent,
    };
  }
}
