import type { ChatEngine } from './engine.js';
import { type Clock, credentialDigest, type IdSource } from './identity.js';
import { banned, tooManyNewParticipants, unknownClient } from './notices.js';
import type { Caller } from './results.js';
import { checkDisplayName } from './rules.js';
import type { Origin, Participant } from './types.js';

/** How many recent callers' user ids are kept in memory (about 100 bytes each). */
const RECENT_CALLERS = 10_000;

/**
 * Who is calling: turns a client_id into a participant (recording the activity presence relies
 * on), or makes a new participant with a fresh client_id.
 */
export class Participants {
  /**
   * Credential digest -> user id of callers identified lately (a user id never changes for a
   * credential), so what follows a successful call (the `unread` summary, binding push) needs no
   * second lookup. Never used to identify a caller: `identify` always asks the engine. Bounded;
   * the oldest entry goes first.
   */
  private readonly recent = new Map<string, string>();

  constructor(
    private readonly engine: ChatEngine,
    private readonly ids: IdSource,
    private readonly clock: Clock,
    /** Participants one origin may create per minute; 0 turns the limit off. */
    private readonly newPerMinute = 0,
  ) {}

  /**
   * The participant behind a client_id; refuses an unknown one. Counts as activity. With access
   * control on (`subject` set), another subject's client_id is refused in the very words of an
   * unknown one, so that a leaked client_id is worth nothing to anyone else and no answer tells
   * whether it exists.
   */
  async identify(clientId: string, subject: string | undefined): Promise<Caller> {
    const digest = credentialDigest(clientId);
    const participant = await this.engine.findParticipant(digest);
    if (!participant || (subject !== undefined && participant.owner !== subject))
      throw unknownClient(clientId);
    if (participant.banned) throw banned();
    this.remember(digest, participant.userId);
    const now = this.clock.now();
    // Presence needs about a second of resolution; skipping closer touches saves a write per call.
    if (now - participant.lastSeenAt >= 1000) {
      await this.engine.touchParticipant(participant.userId, now);
      participant.lastSeenAt = now;
    }
    return { ...participant, clientId };
  }

  /** The caller when a client_id is given (renamed if a new name is given), else a new participant. */
  async callerOrNew(
    clientId: string | undefined,
    displayName: string | undefined,
    origin: Origin,
  ): Promise<Caller> {
    const name = displayName === undefined ? undefined : checkDisplayName(displayName);
    if (clientId !== undefined) {
      const caller = await this.identify(clientId, origin.subject);
      if (name !== undefined && name !== caller.displayName) {
        await this.engine.touchParticipant(caller.userId, this.clock.now(), name);
        caller.displayName = name;
      }
      return caller;
    }
    const now = this.clock.now();
    await this.takeCreationToken(origin.limitKey, now);
    const newClientId = this.ids.clientId();
    const participant: Participant = {
      userId: this.ids.userId(),
      displayName: name ?? this.ids.anonymousName(),
      createdAt: now,
      lastSeenAt: now,
      owner: origin.subject ?? null,
    };
    const digest = credentialDigest(newClientId);
    await this.engine.createParticipant({
      userId: participant.userId,
      credential: digest,
      displayName: participant.displayName,
      now,
      owner: participant.owner,
    });
    this.remember(digest, participant.userId);
    return { ...participant, clientId: newClientId };
  }

  /** Refuses when the origin created its quota of participants in the last minute. */
  private async takeCreationToken(limitKey: string, now: number): Promise<void> {
    const perMinute = this.newPerMinute;
    if (perMinute <= 0) return;
    const allowed = await this.engine.takeCreationToken(limitKey, {
      now,
      ratePerSecond: perMinute / 60,
      burst: perMinute,
    });
    if (!allowed) throw tooManyNewParticipants(perMinute);
  }

  /** The public user id behind a client_id, or null; records no activity (for binding push channels). */
  async userIdOf(clientId: string): Promise<string | null> {
    const digest = credentialDigest(clientId);
    const known = this.recent.get(digest);
    if (known !== undefined) return known;
    const userId = (await this.engine.findParticipant(digest))?.userId ?? null;
    if (userId !== null) this.remember(digest, userId);
    return userId;
  }

  private remember(digest: string, userId: string): void {
    this.recent.delete(digest);
    this.recent.set(digest, userId);
    if (this.recent.size > RECENT_CALLERS) {
      const oldest = this.recent.keys().next();
      if (!oldest.done) this.recent.delete(oldest.value);
    }
  }
}
