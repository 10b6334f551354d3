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
