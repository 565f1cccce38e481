/**
 * value-split: which column's values can split a query so that each fragment finishes its own
 * share of the work.
 *
 * Split by ranges of a group key's values, every group is whole in one fragment; split by ranges
 * of an ungrouped COUNT(DISTINCT)'s argument, every value is counted in one fragment
 * (decompose.ts, `completeBy`). Each fragment reads the whole table, so such a split pays where
 * the work above the scan (hashing or sorting many groups or values) outweighs reading the table
 * once per fragment: a high-cardinality GROUP BY … ORDER BY … LIMIT, or COUNT(DISTINCT) of a
 * column with many values. The cost model weighs it (cost.ts, `predictValueSplitMs`).
 */
import type { CatalogFacts } from './facts';
import type { ColumnRef, Expr } from './ir';
import { isKeyRangeType } from './partition';
import type { GroupedShape, Shape } from './shape';

/**
 * Fewer distinct values than this and a page-range split returns few partial rows anyway. Above
 * it the column has a histogram (PostgreSQL keeps at most `default_statistics_target`, 100, most
 * common values), whose quantiles give the split points without reading the table.
 */
export const MIN_SPLIT_VALUES = 1000;

/** A column's distinct values from its statistics (`n_distinct`; negative: a fraction of the rows); null without them. */
export function statisticsDistinct(facts: CatalogFacts, name: string): number | null {
  const stat = facts.table.columns.find((c) => c.name === name)?.distinct;
  if (stat === undefined || stat === null || stat === 0) return null;
  return stat > 0 ? stat : -stat * Math.max(1, facts.table.estimatedRows);
}

/**
 * Whether every DISTINCT aggregate is a COUNT: only then can fragments holding whole groups count
 * distinct values themselves. Another's argument stays grouped by in the fragments, splitting a
 * group into one per value, and counts over those would add up repeats.
 */
export function distinctAggregatesAreCounts(shape: GroupedShape): boolean {
  return shape.aggregates.every((a) => !a.distinct || a.name === 'count');
}

/** The one plain column every DISTINCT aggregate counts (`count(DISTINCT col)`), if there is one. */
export function countedDistinctColumn(shape: GroupedShape): ColumnRef | null {
  const counted = shape.aggregates
    .filter((a) => a.distinct)
    .map((a) => (a.name === 'count' && a.args.length === 1 && a.args[0]?.kind === 'column' ? a.args[0] : null));
  const first = counted[0];
  return first && counted.every((arg) => arg?.name === first.name) ? first : null;
}

/** A plain column of the table whose values can be split into ranges, with statistics saying it has many values. */
function splittable(e: Expr, facts: CatalogFacts): { column: string; values: number } | null {
  if (e.kind !== 'column') return null;
  const type = facts.table.columns.find((c) => c.name === e.name)?.type;
  const values = statisticsDistinct(facts, e.name);
  if (type === undefined || !isKeyRangeType(type) || values === null || values < MIN_SPLIT_VALUES) return null;
  return { column: e.name, values };
}

/**
 * The column to split `shape` by its values, if any: the group key with the most distinct values,
 * or the column every DISTINCT aggregate of an ungrouped query counts; none where a DISTINCT
 * aggregate is not a COUNT (no top N then, and many rows).
 */
export function valueSplitColumn(shape: Shape): { column: string; values: number } | null {
  if (shape.kind !== 'grouped' || !distinctAggregatesAreCounts(shape)) return null;
  if (shape.keys.length === 0) {
    const counted = countedDistinctColumn(shape);
    return counted && splittable(counted, shape.facts);
  }
  const candidates = shape.keys.flatMap((key) => splittable(key, shape.facts) ?? []);
  return candidates.reduce<{ column: string; values: number } | null>((best, c) => (best === null || c.values > best.values ? c : best), null);
}
