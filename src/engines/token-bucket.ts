/** A token bucket's state: how many tokens it held at `at` (ms). */
export interface Bucket {
  tokens: number;
  at: number;
}

/**
 * One step of a token bucket refilled at `ratePerSecond` up to `burst`: the bucket after trying
 * to take a token, and whether a token was taken. Pure, so every engine applies the same rule.
 */
export function takeToken(
  bucket: Bucket | undefined,
  now: number,
  ratePerSecond: number,
  burst: number,
): { bucket: Bucket; taken: boolean } {
  const elapsed = bucket ? Math.max(0, now - bucket.at) : 0;
  const available = bucket ? Math.min(burst, bucket.tokens + (elapsed * ratePerSecond) / 1000) : burst;
  if (available < 1) return { bucket: { tokens: available, at: now }, taken: false };
  return { bucket: { tokens: available - 1, at: now }, taken: true };
}

/** Token buckets kept in this process's memory, one per participant (for single-process engines). */
export class BucketTable {
  private readonly buckets = new Map<string, Bucket>();

  take(userId: string, rule: { now: number; ratePerSecond: number; burst: number }): boolean {
    const { bucket, taken } = takeToken(this.buckets.get(userId), rule.now, rule.ratePerSecond, rule.burst);
    this.buckets.set(userId, bucket);
    if (this.buckets.size > 10_000) this.forgetFull(rule);
    return taken;
  }

  /** A full bucket holds nothing worth keeping: dropping it changes no decision. */
  private forgetFull({ now, ratePerSecond, burst }: { now: number; ratePerSecond: number; burst: number }) {
    for (const [userId, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) * ratePerSecond) / 1000 >= burst) this.buckets.delete(userId);
    }
  }
}
