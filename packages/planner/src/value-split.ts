/**
 * value-split: which column's values can split a query so that each fragment finishes its own
 * share of the work, and how many rows each fragment then returns.
 *
 * Split by ranges of a group key's values, every group is whole in one fragment; split by ranges
 * of an ungrouped COUNT(DISTINCT)'s argument, every value is counted in one fragment
 * (decompose.ts, `completeBy`). Each fragment reads the whole table, so such a split pays where
 * the work above the scan (hashing or sorting many groups or values) outweighs reading the table
 * once per fragment: a high-cardinality GROUP BY … ORDER BY … LIMIT, or COUNT(DISTINCT) of a
 * column with many values.
 */
import type { CatalogFacts } from './facts';
import type { Expr } from './ir';
import { isKeyRangeType } from './partition';
import type { Shape } from './shape';

/**
 * Fewer distinct values than this and a page-range split returns few partial rows anyway. Above
 * it the column has a histogram (PostgreSQL keeps at most `default_statistics_target`, 100, most
 * common values), whose quantiles give the split points without reading the table.
 */
export const MIN_SPLIT_VALUES = 1000;

/** The column's estimated distinct values from its statistics; null without them. */
function statisticsDistinct(facts: CatalogFacts, name: string): number | null {
  const stat = facts.table.columns.find((c) => c.name === name)?.distinct;
  if (stat === undefined || stat === null || stat === 0) return null;
  return stat > 0 ? stat : -stat * Math.max(1, facts.table.estimatedRows);
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
 * or the argument of every DISTINCT aggregate of an ungrouped query when each is a COUNT of it;
 * none where a DISTINCT aggregate is not a COUNT.
 */
export function valueSplitColumn(shape: Shape): { column: string; values: number } | null {
  if (shape.kind !== 'grouped') return null;
  const { facts } = shape;
  // Another DISTINCT aggregate's argument stays grouped by in fragments (decompose.ts): no top N, many rows.
  if (shape.aggregates.some((a) => a.distinct && a.name !== 'count')) return null;
  if (shape.keys.length > 0) {
    const candidates = shape.keys.flatMap((key) => splittable(key, facts) ?? []);
    return candidates.reduce<{ column: string; values: number } | null>((best, c) => (best === null || c.values > best.values ? c : best), null);
  }
  const distinct = shape.aggregates.filter((a) => a.distinct);
  const counted = distinct.map((a) => (a.name === 'count' && a.args.length === 1 && a.args[0]?.kind === 'column' ? a.args[0] : null));
  const first = counted[0];
  if (!first || counted.some((arg) => arg?.name !== first.name)) return null;
  return splittable(first, facts);
}

/** An integer literal, as a float: for estimates of row counts only. */
function literalCount(expr: Expr | null): number | null {
  return expr?.kind === 'literal' && /^\d+$/.test(expr.sql) ? Number(expr.sql) : null;
}

/**
 * Rows each of `k` fragments split by a column's values returns: one for an ungrouped
 * COUNT(DISTINCT); for a GROUP BY its share of the `groups`, or its own top N where the query's
 * ORDER BY and LIMIT can be pushed down (decompose.ts; whether its outputs' types allow it is
 * known only from the probe, after this is predicted).
 */
export function valueSplitRowsPerFragment(shape: Shape, groups: number, k: number): number {
  if (shape.kind !== 'grouped' || shape.keys.length === 0) return 1;
  const share = Math.max(1, groups / k);
  const limit = literalCount(shape.query.limit);
  const pushable = limit !== null && shape.query.orderBy.length > 0 && !shape.query.having && !shape.query.distinct;
  return pushable ? Math.min(share, limit + (literalCount(shape.query.offset) ?? 0)) : share;
}
