/** Pure arithmetic of the benchmark: percentiles, summaries, ratios and the interleaved schedule. */

/** The q-quantile (0–1) of `values`, nearest-rank; NaN for none. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1] as number;
}

export interface Summary {
  n: number;
  median: number;
  p95: number;
  min: number;
}

export function summarize(samples: number[]): Summary {
  return { n: samples.length, median: quantile(samples, 0.5), p95: quantile(samples, 0.95), min: samples.length ? Math.min(...samples) : NaN };
}

/**
 * The order to run `modes` in, round after round: each round rotates the previous one, so every
 * mode runs in every position and slow drifts of the machine (cache, turbo, another process)
 * hit all modes alike. [A B C], [B C A], [C A B], [A B C], …
 */
export function interleave<T>(modes: readonly T[], rounds: number): T[][] {
  return Array.from({ length: rounds }, (_, r) => modes.map((_, i) => modes[(i + r) % modes.length] as T));
}

/** How many times faster `candidate` is than `baseline` (both durations); > 1 is faster. */
export function speedup(baseline: number, candidate: number): number {
  return candidate > 0 ? baseline / candidate : NaN;
}

/** A ratio for people: `1.62×`, or `–` when there is none. */
export const formatTimes = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '–');
