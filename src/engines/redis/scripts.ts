import type { Redis } from 'ioredis';
import { holdWait, releaseWait, takeCreationToken, takeSendToken } from './lua/limits.js';
import { appendMessage, readHistory, rewindCursor, takeUnread } from './lua/log.js';
import {
  claimIdle,
  createParticipant,
  findParticipant,
  sweepParticipants,
  touchParticipant,
} from './lua/participants.js';
import { enqueue, leaveQueue, matchState } from './lua/queue.js';
import { markRead, unreadSummary } from './lua/read-position.js';
import { joinRoom, leaveRoom, listRooms, membersOf, roomAccess, roomsOf, sweepRooms } from './lua/rooms.js';
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
} as const;

export type ScriptName = keyof typeof SCRIPTS;

/** What a script gets before its own arguments (see lua/common.ts). */
export interface ScriptContext {
  keyPrefix: string;
  maxMessages: number;
  maxAgeMs: number;
}

/** A reply as Redis hands it over from Lua: strings, integers, nulls and nested arrays. */
export type Reply = string | number | null | Reply[];

type ScriptCommand = (...args: (string | number)[]) => Promise<Reply>;

/** Registers the scripts on a connection; ioredis sends EVALSHA and falls back to EVAL after a restart. */
export function defineScripts(redis: Redis): void {
  for (const [name, lua] of Object.entries(SCRIPTS)) redis.defineCommand(name, { numberOfKeys: 0, lua });
}

export function runScript(
  redis: Redis,
  context: ScriptContext,
  name: ScriptName,
  args: (string | number)[],
): Promise<Reply> {
  const command = (redis as unknown as Record<ScriptName, ScriptCommand>)[name];
  return command.call(redis, context.keyPrefix, context.maxMessages, context.maxAgeMs, ...args);
}
