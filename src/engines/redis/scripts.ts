import type { Redis } from 'ioredis';
import { StorageUnavailableError } from '../../chat/errors.js';
import { holdWait, releaseWait, takeCreationToken, takeSendToken } from './lua/limits.js';
import { appendMessage, readHistory, rewindCursor, takeUnread } from './lua/log.js';
import { enqueue, overdueInQueue } from './lua/matching.js';
import {
  claimIdle,
  createParticipant,
  findParticipant,
  sweepParticipants,
  touchParticipant,
} from './lua/participants.js';
import { leaveQueue, matchState } from './lua/queue.js';
import { markRead, unreadSummary } from './lua/read-position.js';
import { joinRoom, leaveRoom, listRooms, membersOf, roomAccess, roomsOf, sweepRooms } from './lua/rooms.js';
import { ban, banOf, block, blockedBy, fileReport, listReports, unban, unblock } from './lua/safety.js';
import { searchMessages } from './lua/search.js';

/**
 * Every engine step that reads and writes is one of these scripts, so it is atomic across all
 * instances: Redis runs a script with nothing else interleaved.
 */
const SCRIPTS = {
  createParticipant,
  findParticipant,
  touchParticipant,
  sweepParticipants,
  claimIdle,
  enqueue,
  matchState,
  leaveQueue,
  joinRoom,
  roomAccess,
  leaveRoom,
  sweepRooms,
  roomsOf,
  membersOf,
  listRooms,
  searchMessages,
  unreadSummary,
  markRead,
  appendMessage,
  takeUnread,
  rewindCursor,
  readHistory,
  takeSendToken,
  takeCreationToken,
  holdWait,
  releaseWait,
  overdueInQueue,
  block,
  unblock,
  blockedBy,
  fileReport,
  listReports,
  ban,
  unban,
  banOf,
} as const;

export type ScriptName = keyof typeof SCRIPTS;

/** What a script gets before its own arguments (see lua/common.ts), and how writes are acknowledged. */
export interface ScriptContext {
  keyPrefix: string;
  maxMessages: number;
  maxAgeMs: number;
  /** Replicas that must have a write before it is acknowledged (WAIT); 0 answers after the primary. */
  waitReplicas: number;
}

/** How long a write waits for its replicas, well within the 3 seconds a call may take. */
export const WAIT_TIMEOUT_MS = 1000;

/** Scripts that write: the ones WAIT follows. Read-only scripts are flagged no-writes. */
const WRITES = new Set(
  Object.entries(SCRIPTS).flatMap(([name, lua]) => (lua.startsWith('#!lua\n') ? [name] : [])),
);

/** A reply as Redis hands it over from Lua: strings, integers, nulls and nested arrays. */
export type Reply = string | number | null | Reply[];

type ScriptCommand = (...args: (string | number)[]) => Promise<Reply>;

/** Registers the scripts on a connection; ioredis sends EVALSHA and falls back to EVAL after a restart. */
export function defineScripts(redis: Redis): void {
  for (const [name, lua] of Object.entries(SCRIPTS)) redis.defineCommand(name, { numberOfKeys: 0, lua });
}

/**
 * Runs a script. With `waitReplicas`, a script that wrote is answered only once that many
 * replicas have it (WAIT, which covers every earlier write of the connection too); when they do
 * not within WAIT_TIMEOUT_MS the call fails as `unavailable`: the write is on the primary and may
 * still reach the replicas, or be lost in a failover, so the caller retries (with its idempotency
 * key, for a send).
 */
export async function runScript(
  redis: Redis,
  context: ScriptContext,
  name: ScriptName,
  args: (string | number)[],
): Promise<Reply> {
  const command = (redis as unknown as Record<ScriptName, ScriptCommand>)[name];
  const reply = await command.call(redis, context.keyPrefix, context.maxMessages, context.maxAgeMs, ...args);
  if (context.waitReplicas > 0 && WRITES.has(name)) {
    const acknowledged = await redis.wait(context.waitReplicas, WAIT_TIMEOUT_MS);
    if (acknowledged < context.waitReplicas) {
      throw new StorageUnavailableError(
        `Redis: ${acknowledged} of ${context.waitReplicas} replicas acknowledged the write in time`,
      );
    }
  }
  return reply;
}
