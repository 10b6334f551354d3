import { setMaxListeners } from 'node:events';
import { requireMembership, requireReader, takeSendToken } from './access.js';
import { Arrivals } from './arrivals.js';
import { tell } from './broadcast.js';
import { Departures } from './departures.js';
import { type ChatEngine, type ChatEvent, type HistoryPage, roomTopic, userTopic } from './engine.js';
import { Finder, othersReadBy } from './finding.js';
import { type Clock, type IdSource, randomIds, systemClock } from './identity.js';
import { Matchmaker } from './matching.js';
import { chatEnded, notInQueue, notInRoom, refusal } from './notices.js';
import { type Abortable, park, type WaitHearing } from './park.js';
import { Parking } from './parking.js';
import { Participants } from './participants.js';
import { Presence, type SweepResult } from './presence.js';
import { type MarkReadInput, ReadPosition } from './read-position.js';
import { composeMessage } from './replies.js';
import type {
  Caller,
  JoinRoomResult,
  MarkReadResult,
  MatchWaitResult,
  MessageWaitResult,
  QueueStanding,
  StatusResult,
  UnreadNote,
  WaitEnd,
} from './results.js';
import {
  type ChatLimits,
  checkCapacity,
  checkDisplayName,
  checkHistoryLimit,
  checkIdempotencyKey,
  checkInvite,
  checkMessageText,
  checkRoomId,
  checkSeq,
  checkTopic,
  checkVisibility,
  clampWaitSeconds,
  MIN_ROOM_CAPACITY,
  WAIT_BATCH_LIMIT,
} from './rules.js';
import { Safety } from './safety.js';
import { type ChatMessage, LOCAL_ORIGIN, type Origin } from './types.js';
import { WaitSlots } from './wait-slots.js';

export interface ChatServiceOptions {
  engine: ChatEngine;
  limits: ChatLimits;
  /** Presence: a participant silent this long leaves its queue and rooms (contract default 15 min). */
  idleTimeoutMs?: number;
  ids?: IdSource;
  clock?: Clock;
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
  private readonly participants: Participants;
  /** list_rooms and search_messages. */
  readonly finder: Finder;
  /** block_user, unblock_user, report_user, and the operator's bans. */
  readonly safety: Safety;
  private readonly matchmaker: Matchmaker;
  private readonly presence: Presence;
  private readonly departures: Departures;
  private readonly readPosition: ReadPosition;
  /** Where waits park: one of the caller's wait slots, counted as presence. */
  private readonly parking: Parking;
  private readonly arrivals: Arrivals;
  /** Aborted by `stopWaits()`: every parked wait then answers at once. */
  private readonly stopping = new AbortController();

  constructor({
    engine,
    limits,
    idleTimeoutMs = 15 * 60_000,
    ids = randomIds,
    clock = systemClock,
  }: ChatServiceOptions) {
    this.engine = engine;
    this.limits = limits;
    this.ids = ids;
    this.clock = clock;
    this.participants = new Participants(engine, ids, clock, limits.newParticipantsPerMinute);
    this.finder = new Finder(engine, this.participants);
    this.arrivals = new Arrivals(engine, this.participants, ids, clock);
    this.presence = new Presence(engine, clock, idleTimeoutMs);
    this.parking = new Parking(engine, new WaitSlots(engine, clock, limits.maxWaits), this.presence);
    this.departures = new Departures(engine, ids, clock);
    this.readPosition = new ReadPosition(engine, this.participants);
    const interestWaitMs = (limits.interestWaitSeconds ?? 10) * 1000;
    this.matchmaker = new Matchmaker(engine, this.participants, ids, clock, interestWaitMs);
    this.safety = new Safety(engine, this.participants, ids, clock, (userId) =>
      this.departures.leaveEverything(userId, 'left'),
    );
    // Every parked wait listens to this one signal: thousands of listeners are expected.
    setMaxListeners(0, this.stopping.signal);
  }

  /** Creates a participant, or identifies an existing one when a client_id is given. */
  enterQueue(input: Parameters<Matchmaker['enter']>[0]): Promise<Caller & QueueStanding> {
    return this.matchmaker.enter(input);
  }

  async waitForMatch(
    input: WaitHearing & {
      clientId: string;
      origin?: Origin;
      timeout?: number;
      signal?: Abortable;
    },
  ): Promise<MatchWaitResult> {
    const timeoutMs = clampWaitSeconds(input.timeout) * 1000;
    const caller = await this.participants.identify(input.clientId, input.origin?.subject);
    const signals = this.waitSignals(input.signal);
    let last: { position: number; queueLength: number } | undefined;
    const { engine } = this;
    // Returned as a chain, not awaited: this frame would be held for as long as the wait.
    return this.parking
      .whileParked(caller, input, (slot) =>
        park({
          bus: this.engine.bus,
          topic: userTopic(caller.userId),
          timeoutMs,
          signals: [...signals, slot],
          // A method, not an arrow property: under tsx every named closure carries a property
          // dictionary of its own (keepNames), and one lives as long as its wait.
          async check() {
            const state = await engine.matchState(caller.userId);
            if (state.kind === 'idle') throw notInQueue();
            if (state.kind === 'waiting') {
              last = state;
              return undefined;
            }
            const { room, partner, sharedInterests } = state;
            return { status: 'matched' as const, roomId: room.roomId, partner, sharedInterests };
          },
        }),
      )
      .then(({ found: matched, superseded }): MatchWaitResult => {
        if (matched) return matched;
        const standing = last ?? { position: 0, queueLength: 0 };
        return { status: 'waiting', ...standing, endedBy: this.endOfWait(superseded) };
      });
  }

  /**
   * Creates or joins a named room. `visibility` applies when the call creates the room; a private
   * room gets an invite, and joining it needs that invite (a wrong or missing one is answered as
   * if the room did not exist). An `invite` never creates a room.
   */
  async joinRoom(input: {
    roomId: string;
    displayName: string;
    clientId?: string;
    origin?: Origin;
    capacity?: number;
    visibility?: string;
    invite?: string;
    /** What the room is about; applies when this call creates the room. */
    topic?: string;
  }): Promise<Caller & JoinRoomResult> {
    const joined = await this.arrivals.join({
      roomId: checkRoomId(input.roomId),
      // Checked here too, so that a bad name is refused as such before any room is looked at.
      displayName: checkDisplayName(input.displayName),
      clientId: input.clientId,
      origin: input.origin ?? LOCAL_ORIGIN,
      capacity: checkCapacity(input.capacity ?? MIN_ROOM_CAPACITY, this.limits),
      visibility: checkVisibility(input.visibility),
      topic: checkTopic(input.topic),
      invite: input.invite === undefined ? undefined : checkInvite(input.invite),
    });
    if (joined.status !== 'joined') return joined;
    return { ...joined, recentMessages: await this.safety.visibleTo(joined.userId, joined.recentMessages) };
  }

  async sendMessage(input: {
    roomId: string;
    message: string;
    clientId: string;
    origin?: Origin;
    idempotencyKey?: string;
    /** Read position: the caller saw the messages up to this seq some other way. */
    readUpTo?: number;
    replyTo?: number;
  }): Promise<ChatMessage> {
    const roomId = checkRoomId(input.roomId);
    const text = checkMessageText(input.message, this.limits);
    const idempotencyKey =
      input.idempotencyKey === undefined ? undefined : checkIdempotencyKey(input.idempotencyKey);
    const replyTo = checkSeq('reply_to', input.replyTo);
    const caller = await this.participants.identify(input.clientId, input.origin?.subject);
    await takeSendToken(this.engine, this.limits, this.clock.now(), caller.userId);
    // Before the append: a bad read_up_to refuses the call with nothing sent.
    await this.readPosition.readUpTo(roomId, caller.userId, input.readUpTo);
    const draft = await composeMessage(this.engine, this.ids, this.clock, { roomId, caller, text, replyTo });
    const outcome = await this.engine.appendMessage({ roomId, userId: caller.userId, idempotencyKey, draft });
    // Stored means announced too (the engine port's appendMessage).
    if (outcome.kind === 'stored' || outcome.kind === 'duplicate') return outcome.message;
    if (outcome.kind === 'not_in_room') await requireMembership(this.engine, roomId, caller.userId);
    throw refusal(roomId, outcome);
  }

  /**
   * Hands over what the caller has not received yet, or parks until something arrives. A wait
   * that is cancelled takes nothing; one cancelled while taking puts back what it took.
   */
  async waitForMessage(
    input: WaitHearing & {
      roomId: string;
      clientId: string;
      origin?: Origin;
      timeout?: number;
      after?: number;
      signal?: Abortable;
    },
  ): Promise<MessageWaitResult> {
    const roomId = checkRoomId(input.roomId);
    const timeoutMs = clampWaitSeconds(input.timeout) * 1000;
    const after = checkSeq('after', input.after);
    const caller = await this.participants.identify(input.clientId, input.origin?.subject);
    await requireMembership(this.engine, roomId, caller.userId);
    const signals = this.waitSignals(input.signal);
    const { engine } = this;
    // Returned as a chain, not awaited, as in waitForMatch.
    return this.parking
      .whileParked(caller, input, (slot) =>
        park({
          bus: this.engine.bus,
          topic: roomTopic(roomId),
          timeoutMs,
          signals: [...signals, slot],
          // A method, as in waitForMatch.
          async check() {
            const take = await engine.takeUnread({
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
              await engine.rewindCursor({
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
      )
      .then(
        ({ found: delivery, superseded }): MessageWaitResult =>
          delivery
            ? { status: 'messages', ...delivery }
            : { status: 'timeout', endedBy: this.endOfWait(superseded) },
      );
  }

  async getMessages(input: {
    roomId: string;
    clientId: string;
    origin?: Origin;
    limit?: number;
    before?: number;
    after?: number;
  }): Promise<HistoryPage> {
    const roomId = checkRoomId(input.roomId);
    const limit = checkHistoryLimit(input.limit);
    const before = checkSeq('before', input.before);
    const after = checkSeq('after', input.after);
    const caller = await this.participants.identify(input.clientId, input.origin?.subject);
    await requireReader(this.engine, roomId, caller.userId);
    const page = othersReadBy(await this.engine.readHistory({ roomId, limit, before, after }), caller.userId);
    return { ...page, messages: await this.safety.visibleTo(caller.userId, page.messages) };
  }

  async leaveChat(input: { roomId: string; clientId: string; origin?: Origin }): Promise<void> {
    const roomId = checkRoomId(input.roomId);
    const caller = await this.participants.identify(input.clientId, input.origin?.subject);
    const room = await requireMembership(this.engine, roomId, caller.userId);
    if (room.endedAt !== null) throw chatEnded(roomId);
    await this.departures.leave(room, caller, 'left');
  }

  /** Takes the caller out of the random queue (the contract has no other way out but a match). */
  async leaveQueue(input: { clientId: string; origin?: Origin }): Promise<void> {
    const caller = await this.participants.identify(input.clientId, input.origin?.subject);
    if (!(await this.engine.leaveQueue(caller.userId))) throw notInQueue();
    // A wait_for_match of the caller's, here or on another instance, looks again and ends.
    await tell(this.engine.bus, [caller.userId], { type: 'resync' });
  }

  /** mark_read: moves the caller's cursor forward, so no wait hands over what it already saw. */
  markRead(input: MarkReadInput): Promise<MarkReadResult> {
    return this.readPosition.markReadFor(input);
  }

  /** What waits for the caller in its rooms but `exceptRoomId` (the `unread` on every answer). */
  unreadFor(clientId: string, exceptRoomId?: string): Promise<UnreadNote[]> {
    return this.readPosition.unreadFor(clientId, exceptRoomId);
  }

  async getStatus(input: { clientId: string; origin?: Origin }): Promise<StatusResult> {
    const caller = await this.participants.identify(input.clientId, input.origin?.subject);
    const [state, rooms] = await Promise.all([
      this.engine.matchState(caller.userId),
      this.engine.roomsOf(caller.userId),
    ]);
    const { clientId: _secret, ...participant } = caller;
    if (state.kind === 'waiting') return { participant, state: 'waiting', position: state.position, rooms };
    return { participant, state: rooms.length > 0 ? 'in_room' : 'idle', rooms };
  }

  /**
   * Presence, one round: takes participants silent for longer than the idle timeout out of their
   * queue and rooms, exactly as if they had called leave_chat (reason `timeout`). A parked wait
   * counts as presence. Safe to run on every instance at once.
   */
  async sweepIdle(): Promise<SweepResult> {
    const result = await this.presence.sweep((userId) => this.departures.leaveEverything(userId, 'timeout'));
    // The queue's second look rides the same timer: those past the interest wait accept anyone.
    await this.matchmaker.matchOverdue();
    return result;
  }

  /** Waits parked on this instance right now (a participant may hold several). */
  get parkedWaits(): number {
    return this.presence.parkedWaits;
  }

  /** The public user id behind a client_id, or null; records no activity (for binding push channels). */
  userIdOf(clientId: string): Promise<string | null> {
    return this.participants.userIdOf(clientId);
  }

  /** Everything a participant should be told (matches, messages, partners leaving), on any instance. */
  watchUser(userId: string, listener: (event: ChatEvent) => void): () => void {
    return this.engine.bus.subscribe(userTopic(userId), listener);
  }

  /** Answers every parked wait now (with its timeout result) and refuses to park new ones. */
  stopWaits(): void {
    this.stopping.abort();
  }

  private waitSignals(signal: Abortable | undefined): Abortable[] {
    return signal ? [this.stopping.signal, signal] : [this.stopping.signal];
  }

  private endOfWait(superseded: boolean): WaitEnd {
    if (this.stopping.signal.aborted) return 'shutdown';
    return superseded ? 'superseded' : 'timeout';
  }
}
