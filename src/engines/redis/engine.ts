import {
  type AppendOutcome,
  type AppendRequest,
  type ChatEngine,
  type EngineOptions,
  type EnqueueOutcome,
  type HistoryPage,
  type HistoryRequest,
  IDEMPOTENCY_WINDOW_SECONDS,
  type JoinOutcome,
  type JoinRequest,
  type LeaveOutcome,
  type LeaveRequest,
  type MarkReadOutcome,
  type MarkReadRequest,
  NO_RETENTION,
  type RoomAccess,
  roomTopic,
  type TakeRequest,
  type TakeResult,
  USER_TOPIC_PREFIX,
} from '../../chat/engine.js';
import { StorageUnavailableError } from '../../chat/errors.js';
import type { FindingPort } from '../../chat/finding-port.js';
import { deadline, type Lifetimes, lifetimesOf, sweepInterval } from '../../chat/lifetimes.js';
import type { NewParticipant, Participant, RoomSummary, UnreadRoom } from '../../chat/types.js';
import { RedisBus } from './bus.js';
import { closeConnection, isNoAnswer, openConnection, storageError, whenReady } from './connection.js';
import {
  draftArgs,
  extraFieldArgs,
  fields,
  integer,
  list,
  refusal,
  text,
  time,
  toMembers,
  toMembership,
  toMessage,
  toMessages,
  toRoom,
  unexpected,
} from './decode.js';
import { listRooms, searchMessages, toHistoryPage } from './finding.js';
import { RedisHousekeeping } from './housekeeping.js';
import type { Slot } from './keys.js';
import { LayoutGate } from './layout-gate.js';
import type { LayoutMigration } from './migrate-layout.js';
import * as steps from './room-steps.js';
import * as safety from './safety.js';
import { type RedisClient, type Reply, runScript, type ScriptContext, type ScriptName } from './scripts.js';
import { RedisSessionRecords } from './session-records.js';

export interface RedisEngineOptions extends EngineOptions {
  /** redis://[user:password@]host:port[/db], rediss://..., or redis+cluster://host:port,host:port,... */
  url: string;
  /** Put before every key and channel, so several deployments (or test runs) can share one Redis. */
  keyPrefix?: string;
  /** Replicas that must have each write before it is acknowledged (`WAIT`); default 0. */
  waitReplicas?: number;
  /** The command connection came up, or a ready one was lost (`reason` says why). */
  onConnectionChange?: (up: boolean, reason?: string) => void;
  /** An event could not be published or was malformed; waits still find the log. */
  onEventLost?: (error: unknown) => void;
  /** Data in the key layout before hash tags was moved to the current one (migrate-layout.ts). */
  onLayoutMigrated?: (migration: LayoutMigration) => void;
}

export const DEFAULT_KEY_PREFIX = 'mcp-chat:';

const CONTROL: Slot = { control: true };

/**
 * The engine for several instances sharing one Redis or one Redis Cluster. Each method that reads
 * and writes is one Lua script (lua/*.ts) in one slot, so it is atomic across instances, or a few
 * such steps that are each idempotent where it crosses slots (room-steps.ts, safety.ts,
 * housekeeping.ts); wake-ups travel by Redis pub/sub (bus.ts). The key layout is in lua/common.ts.
 */
export class RedisEngine implements ChatEngine {
  readonly bus: RedisBus;
  readonly sessions: RedisSessionRecords;
  private readonly redis: RedisClient;
  private readonly context: ScriptContext;
  private readonly lifetimes: Lifetimes;
  private readonly housekeeping: RedisHousekeeping;
  private closed = false;
  /** Every command waits for the key layout check (and migration) of this start first. */
  private readonly layout: LayoutGate;

  constructor(options: RedisEngineOptions) {
    const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    const retention = options.retention ?? NO_RETENTION;
    this.context = {
      keyPrefix,
      maxMessages: retention.maxMessages,
      maxAgeMs: Math.round(retention.maxAgeSeconds * 1000),
      waitReplicas: options.waitReplicas ?? 0,
    };
    const events = {
      up: () => options.onConnectionChange?.(true),
      down: (reason: string) => {
        if (!this.closed) options.onConnectionChange?.(false, reason);
      },
    };
    this.redis = openConnection(options.url, 'mcp-chat:commands', events, undefined, true);
    this.layout = new LayoutGate(this.redis, keyPrefix, () => this.closed, options.onLayoutMigrated);
    this.lifetimes = lifetimesOf(options.lifetimes);
    this.housekeeping = new RedisHousekeeping(this.run, sweepInterval(this.lifetimes));
    this.bus = new RedisBus({
      url: options.url,
      publisher: this.redis,
      channelPrefix: `${keyPrefix}bus:`,
      onListenerError: options.onListenerError ?? (() => {}),
      onEventLost: options.onEventLost ?? (() => {}),
    });
    this.sessions = new RedisSessionRecords(
      (command) => this.call(() => command(this.redis)),
      this.bus,
      keyPrefix,
    );
  }

  /**
   * Resolves once both connections are up and the data is in the current key layout. Nothing
   * needs to await this: calls just fail until then.
   */
  async ready(): Promise<void> {
    await Promise.all([whenReady(this.redis), this.bus.ready()]);
    await this.layout.untilPassed();
  }

  async createParticipant(p: NewParticipant): Promise<void> {
    const { userId, credential, displayName, now, owner } = p;
    const [ttl, forgetAt] = this.identity();
    await this.script('createParticipant', CONTROL, [
      userId,
      credential,
      displayName,
      now,
      ttl,
      owner ?? '',
      forgetAt,
    ]);
  }

  async findParticipant(credential: string): Promise<Participant | null> {
    const reply = await this.script('findParticipant', CONTROL, [credential]);
    if (reply === null) return null;
    const [userId, displayName, createdAt, lastSeenAt, owner, banned] = list(reply);
    return {
      userId: text(userId),
      displayName: text(displayName),
      createdAt: time(createdAt),
      lastSeenAt: time(lastSeenAt),
      owner: owner === null || owner === undefined ? null : text(owner),
      ...(banned === 1 ? { banned: true } : {}),
    };
  }

  async touchParticipant(userId: string, now: number, displayName?: string): Promise<void> {
    const args = [userId, now, ...this.identity()];
    const reply = await this.script(
      'touchParticipant',
      CONTROL,
      displayName === undefined ? args : [...args, displayName],
    );
    // A rename reaches the copies of the name in the open memberships (lua/common.ts).
    if (displayName !== undefined && Array.isArray(reply)) {
      await steps.copyToMemberships(this.run, userId, reply[0] ?? [], 'name', displayName);
    }
  }

  async claimIdle(cutoff: number, limit: number): Promise<string[]> {
    return list(await this.script('claimIdle', CONTROL, [cutoff, limit])).map(text);
  }

  // Matching by interests, blocks, reports and bans: safety.ts, lua/matching.ts, lua/safety.ts.
  enqueue: ChatEngine['enqueue'] = async (userId, request) =>
    (await safety.enqueue(this.run, userId, request, false)) as EnqueueOutcome;
  rematch: ChatEngine['rematch'] = (userId, request) => safety.enqueue(this.run, userId, request, true);
  matchState: ChatEngine['matchState'] = (userId) => safety.matchState(this.run, userId);
  overdueInQueue: ChatEngine['overdueInQueue'] = (cutoff, limit) =>
    safety.overdueInQueue(this.control, cutoff, limit);
  block: ChatEngine['block'] = (request) => safety.block(this.run, request);
  unblock: ChatEngine['unblock'] = (blocker, blocked) => safety.unblock(this.run, blocker, blocked);
  blockedBy: ChatEngine['blockedBy'] = (userId) => safety.blockedBy(this.control, userId);
  fileReport: ChatEngine['fileReport'] = (report) => safety.fileReport(this.control, report);
  listReports: ChatEngine['listReports'] = (limit) => safety.listReports(this.control, limit);
  ban: ChatEngine['ban'] = (request) => safety.ban(this.control, request);
  unban: ChatEngine['unban'] = (userId) => safety.unban(this.control, userId);
  banOf: ChatEngine['banOf'] = (userId) => safety.banOf(this.control, userId);

  async leaveQueue(userId: string): Promise<boolean> {
    return integer(await this.script('leaveQueue', CONTROL, [userId])) === 1;
  }

  joinRoom = (request: JoinRequest): Promise<JoinOutcome> => steps.joinRoom(this.run, request);

  async roomAccess(roomId: string, userId: string): Promise<RoomAccess> {
    const [room, membership] = list(await this.script('roomAccess', { room: roomId }, [roomId, userId]));
    return {
      room: fields(room).size > 0 ? toRoom(roomId, room) : null,
      membership: fields(membership).size > 0 ? toMembership(roomId, userId, membership) : null,
    };
  }

  async leaveRoom({ roomId, userId, now, farewell, endRoom }: LeaveRequest): Promise<LeaveOutcome> {
    const [endedDeadline, idleDeadline] = [
      this.lifetimes.endedRoomSeconds,
      this.lifetimes.idleRoomSeconds,
    ].map((seconds) => deadline(Date.now(), seconds) ?? '') as [number | '', number | ''];
    return steps.leaveRoom(this.run, { roomId, userId, now, endRoom, farewell, endedDeadline, idleDeadline });
  }

  roomsOf = (userId: string): Promise<RoomSummary[]> => steps.roomsOf(this.run, userId);

  // Finding (members, the directory, search): finding.ts and lua/search.ts.
  membersOf: FindingPort['membersOf'] = async (roomId) =>
    toMembers(await this.script('membersOf', { room: roomId }, [roomId]));
  listRooms: FindingPort['listRooms'] = (request) => listRooms(this.control, request);
  searchMessages: FindingPort['searchMessages'] = (request) => searchMessages(this.run, request);
  private readonly run = (name: ScriptName, slot: Slot, args: (string | number)[]) =>
    this.script(name, slot, args);
  /** For the scripts that keep to the control slot. */
  private readonly control = (name: ScriptName, args: (string | number)[]) =>
    this.script(name, CONTROL, args);

  unreadSummary = (userId: string, exceptRoomId?: string): Promise<UnreadRoom[]> =>
    steps.unreadSummary(this.run, userId, exceptRoomId);

  async markRead({ roomId, userId, seq }: MarkReadRequest): Promise<MarkReadOutcome> {
    const [kind, first, second] = list(
      await this.script('markRead', { room: roomId }, [roomId, userId, seq]),
    );
    if (kind === 'marked') return { kind, cursor: integer(first), remaining: integer(second) };
    if (kind === 'beyond_end') return { kind, lastSeq: integer(first) };
    return refusal('markRead', kind);
  }

  async appendMessage({ roomId, userId, draft, idempotencyKey }: AppendRequest): Promise<AppendOutcome> {
    const [kind, entry, recipients, listing] = list(
      await this.script('appendMessage', { room: roomId }, [
        roomId,
        userId,
        idempotencyKey ?? '',
        IDEMPOTENCY_WINDOW_SECONDS,
        this.bus.channel(roomTopic(roomId)),
        this.bus.channel(USER_TOPIC_PREFIX),
        ...draftArgs(draft),
        ...extraFieldArgs(draft),
      ]),
    );
    switch (kind) {
      case 'stored': {
        const message = toMessage(roomId, entry);
        // A listed room moves up the directory, in the control slot; at worst a step behind. Not
        // awaited: the send is answered once stored and announced (both by the script); the
        // directory entry follows on the same connection, ahead of this caller's next command.
        // Lost (Redis away), the room's next message lists it again.
        if (typeof listing === 'string')
          this.script('listRoom', CONTROL, [roomId, message.createdAt, listing]).catch(() => {});
        return { kind, message, recipients: list(recipients).map(text) };
      }
      case 'duplicate':
        return { kind, message: toMessage(roomId, entry) };
      default:
        return refusal('appendMessage', kind);
    }
  }

  async takeUnread({ roomId, userId, after, limit }: TakeRequest): Promise<TakeResult> {
    const [state, cursorBefore, cursorAfter, entries] = list(
      await this.script('takeUnread', { room: roomId }, [roomId, userId, after ?? '', limit]),
    );
    if (state !== 'open' && state !== 'ended' && state !== 'gone') throw unexpected('takeUnread', state);
    return {
      state,
      cursorBefore: integer(cursorBefore),
      cursorAfter: integer(cursorAfter),
      messages: toMessages(roomId, entries),
    };
  }

  async rewindCursor({ roomId, userId, from, to }: Parameters<ChatEngine['rewindCursor']>[0]) {
    await this.script('rewindCursor', { room: roomId }, [roomId, userId, from, to]);
  }

  async readHistory({ roomId, limit, before, after }: HistoryRequest): Promise<HistoryPage> {
    const reply = await this.script('readHistory', { room: roomId }, [
      roomId,
      limit,
      before ?? '',
      after ?? '',
    ]);
    return toHistoryPage(roomId, reply);
  }

  takeSendToken: ChatEngine['takeSendToken'] = async (userId, { now, ratePerSecond, burst }) =>
    integer(await this.script('takeSendToken', { user: userId }, [userId, now, ratePerSecond, burst])) === 1;
  takeCreationToken: ChatEngine['takeCreationToken'] = async (limitKey, { now, ratePerSecond, burst }) =>
    integer(
      await this.script('takeCreationToken', { creation: limitKey }, [limitKey, now, ratePerSecond, burst]),
    ) === 1;

  async holdWait({ userId, waitId, now, max, maxAgeMs }: Parameters<ChatEngine['holdWait']>[0]) {
    return list(await this.script('holdWait', { user: userId }, [userId, waitId, now, max, maxAgeMs])).map(
      text,
    );
  }

  async releaseWait(userId: string, waitId: string): Promise<void> {
    await this.script('releaseWait', { user: userId }, [userId, waitId]);
  }

  /** Healthy means both connections work: without the event connection, waits would not wake. */
  async ping(): Promise<void> {
    await this.call(() => this.redis.ping());
    if (!this.bus.connected) throw new StorageUnavailableError('Redis: the event connection is down');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.housekeeping.stop();
    await Promise.all([this.bus.close(), closeConnection(this.redis)]);
  }

  /** The identity lifetime as Redis takes it: whole seconds, and the wall-clock deadline. */
  private identity(): [number, number] {
    const seconds = Math.max(1, Math.ceil(this.lifetimes.identitySeconds || 1e9));
    return [seconds, Date.now() + seconds * 1000];
  }

  private script(name: ScriptName, slot: Slot, args: (string | number)[]): Promise<Reply> {
    return this.call(() => runScript(this.redis, this.context, name, slot, args));
  }

  /**
   * Runs one Redis command after the bus's pending subscriptions are live (see RedisBus), turning
   * "cannot reach Redis" failures into StorageUnavailableError.
   */
  private async call<T>(command: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StorageUnavailableError('the engine is closed');
    await this.bus.settled();
    try {
      await this.layout.pass();
      return await command();
    } catch (error) {
      if (isNoAnswer(error)) this.startOver();
      throw storageError(error);
    }
  }

  /**
   * Redis stopped answering without closing the connections (stalled, or a network that drops
   * packets): make new ones. Until Redis answers again calls fail at once, and the event
   * connection's drop tells parked waits to look again, so they are answered now too.
   */
  private startOver(): void {
    if (this.redis.status === 'ready') this.redis.disconnect(true);
    this.bus.reconnect();
  }
}
