/**
 * partition: how many fragments, and which physical pages each one reads.
 *
 * Ranges cover pages [from, to) with `ctid >= '(from,0)' AND ctid < '(to,0)'`, which
 * PostgreSQL 14+ runs as a TID Range Scan. The last range has no upper bound, so rows written
 * to pages past the size measured at planning time are still read exactly once.
 */

/** Auto-partitioning policy; an explicit partition count overrides it. */
export interface PartitionPolicy {
  /** Below this many pages per fragment, splitting costs more than it saves. @defaultValue 1024 (8 MiB) */
  minPagesPerPartition: number;
  /** Upper bound on fragments for one query. @defaultValue 64 */
  maxPartitions: number;
}

export const DEFAULT_PARTITION_POLICY: PartitionPolicy = { minPagesPerPartition: 1024, maxPartitions: 64 };

/** Largest partition count a request may ask for. */
export const MAX_PARTITIONS = 64;

export interface PageRange {
  fromPage: number;
  /** Exclusive; null for the last, open-ended range. */
  toPage: number | null;
}

export type PartitionChoice = { count: number; reason: string } | { count: null; reason: string };

/**
 * Chooses the number of fragments.
 * @param requested an explicit count (1–64) or undefined for automatic.
 * @param workers how many fragments can run at once.
 */
export function choosePartitions(pages: number, requested: number | undefined, workers: number, policy: PartitionPolicy = DEFAULT_PARTITION_POLICY): PartitionChoice {
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested < 1 || requested > MAX_PARTITIONS) {
      throw new RangeError(`partitions must be an integer from 1 to ${MAX_PARTITIONS}, got ${requested}`);
    }
    return { count: requested, reason: `${requested} partition${requested === 1 ? '' : 's'} requested` };
  }
  const bySize = Math.floor(pages / policy.minPagesPerPartition);
  const count = Math.min(bySize, Math.max(1, workers), policy.maxPartitions);
  if (count < 2) {
    const why = workers < 2 ? `only ${workers} worker is available` : `the table has ${pages} pages, too few to gain from splitting (under ${2 * policy.minPagesPerPartition})`;
    return { count: null, reason: why };
  }
  return { count, reason: `${pages} pages split across ${count} workers` };
}

/** Splits pages [0, pages) into `count` contiguous ranges of near-equal size; the last is open. */
export function pageRanges(pages: number, count: number): PageRange[] {
  const bounds = Array.from({ length: count }, (_, i) => Math.floor((i * pages) / count));
  return bounds.map((fromPage, i) => ({ fromPage, toPage: i === count - 1 ? null : (bounds[i + 1] as number) }));
}

/** The TID that starts page `page`, as a bind-parameter value. */
export function tidAt(page: number): string {
  return `(${page},0)`;
}
