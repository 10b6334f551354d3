import type { ChatEngine } from './engine.js';
import { chatEnded, notInRoom, rateLimited, roomNotFound } from './notices.js';
import type { ChatLimits } from './rules.js';
import type { Room } from './types.js';

/** Who may do what: the checks a call passes before the chat acts on a room. */

/** The room, when the caller is an active member of it (the room may have ended). */
export async function requireMembership(engine: ChatEngine, roomId: string, userId: string): Promise<Room> {
  const { room, membership } = await engine.roomAccess(roomId, userId);
  if (!room) throw roomNotFound(roomId);
  if (membership && membership.leftAt === null) return room;
  if (membership && room.endedAt !== null) throw chatEnded(roomId);
  throw notInRoom(roomId);
}

/**
 * History is for those in the room, and, once a matched chat has ended, for both of its
 * members: the transcript of a finished conversation belongs to the two who had it.
 */
export async function requireReader(engine: ChatEngine, roomId: string, userId: string): Promise<void> {
  const { room, membership } = await engine.roomAccess(roomId, userId);
  if (!room) throw roomNotFound(roomId);
  if (membership && (membership.leftAt === null || room.endedAt !== null)) return;
  throw notInRoom(roomId);
}

/** Spends one of the sender's message tokens, or refuses when the rate limit is reached. */
export async function takeSendToken(
  engine: ChatEngine,
  limits: ChatLimits,
  now: number,
  userId: string,
): Promise<void> {
  const rate = limits.sendRatePerSecond;
  if (rate <= 0) return;
  const allowed = await engine.takeSendToken(userId, { now, ratePerSecond: rate, burst: rate * 2 });
  if (!allowed) throw rateLimited(rate);
}
