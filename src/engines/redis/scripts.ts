import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { StorageUnavailableError } from '../../chat/errors.js';
import { keySlot, routingKey, type Slot } from './keys.js';
import {
  closeRooms,
  dueRooms,
  expireAt,
  forgetRoom,
  joined,
  joiner,
  left,
  listRoom,
  openRooms,
} from './lua/directory.js';
import { forgetOwnKeys, holdWait, releaseWait, takeCreationToken, takeSendToken } from './lua/limits.js';
import { appendMessage, readHistory, rewindCursor, takeUnread } from './lua/log.js';
import { createMatchRoom, enqueue, matchCreated, overdueInQueue } from './lua/matching.js';
import {
  claimIdle,
  createParticipant,
  dueParticipants,
  findParticipant,
  forgetParticipant,
  touchParticipant,
} from './lua/participants.js';
import { leaveQueue, matchState, queueRoomState } from './lua/queue.js';
import { markRead } from './lua/read-position.js';
import {
  copyToMember,
  dropPeople,
  dropRoom,
  forgetMember,
  joinRoom,
  leaveRoom,
  listRooms,
  membersOf,
  roomAccess,
  roomOfMember,
} from './lua/rooms.js';
import { ban, banOf, block, blockedBy, fileReport, listReports, unban, unblock } from './lua/safety.js';
import { joinedRooms, searchMessages } from './lua/search.js';

/** A connection to one Redis, or to a Redis Cluster: the engine speaks to both alike. */
export type RedisClient = Redis | Cluster;

export function isCluster(redis: RedisClient): redis is Cluster {
  return (redis as { isCluster?: boolean }).isCluster === true;
}

/**
 * Every engine step that reads and writes is one of these scripts, so it is atomic across all
 * instances: Redis runs a script with nothing else interleaved. Each touches one slot (keys.ts).
 */
const SCRIPTS = {
  createParticipant,
  findParticipant,
  touchParticipant,
  dueParticipants,
  forgetParticipant,
  forgetMember,
  forgetOwnKeys,
  claimIdle,
  enqueue,
  createMatchRoom,
  matchCreated,
  matchState,
  queueRoomState,
  leaveQueue,
  joiner,
  joinRoom,
  joined,
  roomAccess,
  expireAt,
  leaveRoom,
  left,
  dueRooms,
  dropRoom,
  forgetRoom,
  dropPeople,
  openRooms,
  closeRooms,
  roomOfMember,
  copyToMember,
  membersOf,
  listRooms,
  listRoom,
  joinedRooms,
  searchMessages,
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

/** Each script's SHA-1, the name Redis caches it under. */
const SHAS = Object.fromEntries(
  Object.entries(SCRIPTS).map(([name, lua]) => [name, createHash('sha1').update(lua).digest('hex')]),
) as Record<ScriptName, string>;

/**
 * EVALSHA, and EVAL once when Redis does not know the script (after a restart or SCRIPT FLUSH;
 * on a cluster, on each node the first time). Not ioredis's defineCommand: with it every
 * auto-pipelined batch copies all the scripts onto a new Pipeline object, a few per cent of the
 * server's CPU at load.
 */
async function evaluate(
  redis: RedisClient,
  name: ScriptName,
  key: string,
  args: (string | number)[],
): Promise<Reply> {
  try {
    return (await redis.evalsha(SHAS[name], 1, key, ...args)) as Reply;
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return (await redis.eval(SCRIPTS[name], 1, key, ...args)) as Reply;
  }
}

/**
 * Runs a script. With `waitReplicas`, a script that wrote is answered only once that many
 * replicas have it (WAIT, which covers every earlier write of the connection too); when they do
 * not within WAIT_TIMEOUT_MS the call fails as `unavailable`: the write is on the primary and may
 * still reach the replicas, or be lost in a failover, so the caller retries (with its idempotency
 * key, for a send).
 */
export async function runScript(
  redis: RedisClient,
  context: ScriptContext,
  name: ScriptName,
  slot: Slot,
  args: (string | number)[],
): Promise<Reply> {
  const { keyPrefix, maxMessages, maxAgeMs } = context;
  const key = routingKey(keyPrefix, slot);
  const reply = await evaluate(redis, name, key, [keyPrefix, maxMessages, maxAgeMs, ...args]);
  if (context.waitReplicas > 0 && WRITES.has(name)) {
    const acknowledged = await waitForReplicas(redis, key, context.waitReplicas);
    if (acknowledged < context.waitReplicas) {
      throw new StorageUnavailableError(
        `Redis: ${acknowledged} of ${context.waitReplicas} replicas acknowledged the write in time`,
      );
    }
  }
  return reply;
}

/**
 * WAIT on the connection that ran the write. On a cluster, that is the primary of the script's
 * slot: ioredis sends a command to the node of its first key, so WAIT goes there with the key as
 * routing hint (WAIT itself takes no key; `call` on the node's own connection keeps it in order
 * behind the script).
 */
async function waitForReplicas(redis: RedisClient, key: string, replicas: number): Promise<number> {
  if (isCluster(redis)) {
    const node = await primaryOf(redis, key);
    return node.wait(replicas, WAIT_TIMEOUT_MS);
  }
  return (redis as Redis).wait(replicas, WAIT_TIMEOUT_MS);
}

async function primaryOf(cluster: Cluster, key: string): Promise<Redis> {
  const [primary] = (cluster.slots[keySlot(key)] ?? []) as string[];
  const node = cluster
    .nodes('master')
    .find((candidate) => `${candidate.options.host}:${candidate.options.port}` === primary);
  if (!node) throw new StorageUnavailableError('Redis: no primary known for the slot');
  return node;
}
