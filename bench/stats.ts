/** Small statistics for benchmark figures. */

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

export function latencySummary(samplesMs: number[]): {
  count: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
} {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50_ms: round(percentile(sorted, 50)),
    p99_ms: round(percentile(sorted, 99)),
    max_ms: round(sorted.at(-1) ?? Number.NaN),
  };
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** ours / baseline, rounded; the form every figure is reported in. */
export function ratio(ours: number, baseline: number): number {
  return round(ours / baseline, 3);
}

export const kb = (bytes: number) => round(bytes / 1024, 1);
export const mb = (bytes: number) => round(bytes / 2 ** 20, 1);

export function sumOf<T>(items: readonly T[], pick: (item: T) => number): number {
  return items.reduce((sum, item) => sum + pick(item), 0);
}
