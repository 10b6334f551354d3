import { type Bucket, takeToken } from '../token-bucket.js';
import type { GroupCommit } from './group-commit.js';
import type { SqliteStorage } from './storage.js';

/**
 * Rate-limit buckets untouched this long are dropped: a bucket refills in burst / rate seconds
 * (2 s with the chat's burst of twice the rate), so a dropped one was full and changes no decision.
 */
const BUCKET_FORGET_MS = 10 * 60_000;

interface TokenRequest {
  now: number;
  ratePerSecond: number;
  burst: number;
}

/**
 * The limits of the port (send rate, participants created, parked waits per participant), kept in
 * the file rather than in memory: every process on the file applies them to the same rows, so
 * they hold per participant and per creator across processes.
 */
export class SqliteLimits {
  /** `writes`: the engine's group commit, which every write here joins. */
  constructor(
    private readonly storage: SqliteStorage,
    private readonly writes: GroupCommit,
  ) {}

  takeSendToken(userId: string, request: TokenRequest): Promise<boolean> {
    return this.take(`send:${userId}`, request);
  }

  takeCreationToken(limitKey: string, request: TokenRequest): Promise<boolean> {
    return this.take(`create:${limitKey}`, request);
  }

  /** Registers a wait, forgets stale ones, and unregisters (returns) the oldest beyond `max`. */
  holdWait({
    userId,
    waitId,
    now,
    max,
    maxAgeMs,
  }: {
    userId: string;
    waitId: string;
    now: number;
    max: number;
    maxAgeMs: number;
  }): Promise<string[]> {
    const sql = this.storage.sql;
    return this.writes.submit(() => {
      sql.forgetStaleWaits.run(userId, now - maxAgeMs);
      sql.holdWait.run(userId, waitId, now);
      const held = sql.waitsOf.all(userId) as { wait_id: string }[];
      const superseded = held.slice(0, Math.max(0, held.length - max)).map((row) => row.wait_id);
      for (const id of superseded) sql.releaseWait.run(userId, id);
      return superseded;
    });
  }

  async releaseWait(userId: string, waitId: string): Promise<void> {
    await this.writes.submit(() => this.storage.sql.releaseWait.run(userId, waitId));
  }

  /** Background step: drops buckets that are full by now. Runs inside the engine's sweep. */
  forgetFullBuckets(now: number): void {
    this.storage.sql.forgetBucketsBefore.run(now - BUCKET_FORGET_MS);
  }

  private take(key: string, request: TokenRequest): Promise<boolean> {
    const sql = this.storage.sql;
    return this.writes.submit(() => {
      const stored = sql.bucketOf.get(key) as Bucket | undefined;
      const { bucket, taken } = takeToken(stored, request.now, request.ratePerSecond, request.burst);
      sql.saveBucket.run(key, bucket.tokens, bucket.at);
      return taken;
    });
  }
}
