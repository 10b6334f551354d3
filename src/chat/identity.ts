import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';

/** Where the chat gets its ids; tests pass a deterministic source. */
export interface IdSource {
  /** A secret bearer credential: at least 128 random bits. */
  clientId(): string;
  userId(): string;
  messageId(): string;
  /** Id of a room made by random pairing. */
  matchRoomId(): string;
  /** A name for a participant that gave none, such as `Anonymous-4821`. */
  anonymousName(): string;
  /** The secret that lets others join a private room: at least 128 random bits. */
  invite?(): string;
}

/** A private room's invite: 144 random bits. */
export function newInvite(ids: IdSource): string {
  return ids.invite?.() ?? `inv_${randomBytes(18).toString('base64url')}`;
}

export const randomIds: IdSource = {
  clientId: () => `c_${randomBytes(24).toString('base64url')}`,
  userId: () => `u_${randomBytes(9).toString('base64url')}`,
  messageId: () => randomUUID(),
  matchRoomId: () => `match-${randomBytes(9).toString('base64url')}`,
  anonymousName: () => `Anonymous-${randomInt(1000, 10000)}`,
};

/**
 * What engines store instead of the client_id: a SHA-256 digest. The client_id has 192 random
 * bits, so a plain fast hash is enough (no salt or stretching needed), and a leaked database
 * file does not hand out working credentials.
 */
export function credentialDigest(clientId: string): string {
  return createHash('sha256').update(clientId, 'utf8').digest('base64url');
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
