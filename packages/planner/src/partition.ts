/**
 * partition: how many fragments, and which rows each one reads.
 *
 * By default, physical page ranges [from, to) with `ctid >= '(from,0)' AND ctid < '(to,0)'`,
 * which PostgreSQL 14+ runs as a TID Range Scan. The last range has no upper bound, so rows
 * written to pages past the size measured at planning time are still read exactly once.
 *
 * Or ranges of an integer, numeric, date or timestamp column instead, on request or where the
 * cost model splits a query by a group key's values (value-split.ts): the first range has no
 * lower bound and also holds the NULLs, the last has no upper bound, so every row falls in
 * exactly one range whatever the bounds.
 */
import { quoteIdent } from './print';

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

/** A range of a key column's values: [from, to), as text in the column's type. */
export interface KeyRange {
  column: string;
  /** `format_type` of the column; bounds are cast to it. */
  type: string;
  /** Inclusive; null for the first range, which also holds the NULLs. */
  from: string | null;
  /** Exclusive; null for the last range. */
  to: string | null;
}

export type FragmentRange = PageRange | KeyRange;

export function isKeyRange(range: FragmentRange): range is KeyRange {
  return 'column' in range;
}

export type PartitionChoice = { count: number; reason: string } | { count: null; reason: string };

/**
 * Chooses the number of fragments.
 * @param requested an explicit count (1–64) or undefined for automatic.
 * @param workers how many fragments can run at once.
 */
export function choosePartitions(
  pages: number,
  requested: number | undefined,
  workers: number,
  policy: PartitionPolicy = DEFAULT_PARTITION_POLICY,
): PartitionChoice {
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested < 1 || requested > MAX_PARTITIONS) {
      throw new RangeError(`partitions must be an integer from 1 to ${MAX_PARTITIONS}, got ${requested}`);
    }
    return { count: requested, reason: `${requested} partition${requested === 1 ? '' : 's'} requested` };
  }
  const bySize = Math.floor(pages / policy.minPagesPerPartition);
  const count = Math.min(bySize, Math.max(1, workers), policy.maxPartitions);
  if (count < 2) {
    const why =
      workers < 2
        ? `only ${workers} worker is available`
        : `the table has ${pages} pages, too few to gain from splitting (under ${2 * policy.minPagesPerPartition})`;
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

/** Column types whose values can be split into ranges arithmetically when statistics are missing. */
const KEY_TYPES: { pattern: RegExp; split: (lo: string, hi: string, type: string) => string }[] = [
  { pattern: /^(smallint|integer|bigint)$/, split: (lo, hi, type) => `CAST(${lo}::numeric + (${hi}::numeric - ${lo}::numeric) * g / n AS ${type})` },
  { pattern: /^numeric(\(\d+(,\d+)?\))?$/, split: (lo, hi) => `${lo} + (${hi} - ${lo}) * g / n` },
  { pattern: /^date$/, split: (lo, hi) => `${lo} + (${hi} - ${lo}) * g / n` },
  { pattern: /^timestamp(\(\d\))? with(out)? time zone$/, split: (lo, hi) => `${lo} + (${hi} - ${lo}) * g / n` },
];

/** True if a column of this `format_type` can be split into key ranges. */
export function isKeyRangeType(type: string): boolean {
  return KEY_TYPES.some((t) => t.pattern.test(type));
}

/**
 * SQL returning `count - 1` ascending split points for a key column, as text, one per row. It
 * takes equi-depth quantiles from the column's histogram in pg_stats when there is one (no table
 * read), and otherwise splits [min, max] evenly. Params: $1 schema, $2 table, $3 column.
 */
export function keyBoundsSql(table: { schema: string; name: string }, column: string, type: string, count: number): { sql: string; params: string[] } {
  const keyType = KEY_TYPES.find((t) => t.pattern.test(type));
  if (!keyType) throw new RangeError(`cannot split a ${type} column into ranges`);
  const relation = `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
  const sql = [
    `WITH stats AS (SELECT CAST(CAST(histogram_bounds AS text) AS ${type}[]) AS bounds FROM pg_stats WHERE schemaname = $1 AND tablename = $2 AND attname = $3 AND histogram_bounds IS NOT NULL),`,
    `parts AS (SELECT g, ${count} AS n FROM generate_series(1, ${count - 1}) AS g)`,
    `SELECT CAST(bounds[1 + (g * (cardinality(bounds) - 1)) / n] AS text) AS bound, g FROM stats, parts`,
    'UNION ALL',
    `SELECT CAST(${keyType.split('lo', 'hi', type)} AS text), g FROM (SELECT min(${quoteIdent(column)}) AS lo, max(${quoteIdent(column)}) AS hi FROM ${relation}) AS extremes, parts`,
    'WHERE NOT EXISTS (SELECT 1 FROM stats) AND lo IS NOT NULL',
    'ORDER BY g',
  ].join(' ');
  return { sql, params: [table.schema, table.name, column] };
}

/** Ranges between ascending split points: one more range than points. */
export function keyRanges(column: string, type: string, bounds: string[]): KeyRange[] {
  return [null, ...bounds].map((from, i) => ({ column, type, from, to: bounds[i] ?? null }));
}
