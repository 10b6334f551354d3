import type { ChatEngine } from './engine.js';
import { chatEnded, notInRoom, rateLimited, roomNotFound } from './notices.js';
import type { ChatLimits } from './rules.js';
import type { Membership, Room } from './types.js';

/** Who may do what: the checks a call passes before the chat acts on a room. */

/**
 * A private room is there only for those who have been in it: to everyone else it is a room that
 * does not exist, refused in the same words.
 */
export function hiddenFrom(room: Room, membership: Membership | null): boolean {
  return room.visibility === 'private' && membership === null;
}

/**
 * For a newcomer, before an identity is made for it: refuses a private room without its invite,
 * and an invite for a room that does not exist, both as a missing room. The engine checks again
 * when joining; this only keeps a refused stranger from leaving an identity behind.
 */
export async function refuseStranger(
  engine: ChatEngine,
  roomId: string,
  invite: string | undefined,
): Promise<void> {
  const { room } = await engine.roomAccess(roomId, '');
  if (room === null ? invite !== undefined : room.visibility === 'private' && room.invite !== invite) {
    throw roomNotFound(roomId);
  }
}

/** The room, when the caller is an active member of it (the room may have ended). */
export async function requireMembership(engine: ChatEngine, roomId: string, userId: string): Promise<Room> {
  const { room, membership } = await engine.roomAccess(roomId, userId);
  if (!room || hiddenFrom(room, membership)) throw roomNotFound(roomId);
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
  if (!room || hiddenFrom(room, membership)) throw roomNotFound(roomId);
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
