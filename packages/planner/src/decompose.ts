/**
 * decompose: turns a shaped query and its probe result into the query each fragment runs and
 * the template of the combine query that runs over all fragments' partial rows.
 *
 * Partial columns are named by role: `k0` group keys, `d0` DISTINCT-aggregate arguments (also
 * grouped by in fragments), `a3_sum`/`a3_count` aggregate parts, `c0` output values of plain row
 * queries and `s0` their extra sort keys, `o0` the values a fragment's own top-N orders by.
 *
 * Split by ranges of a column's values (`completeBy`), every value of that column lies in one
 * fragment. Where it is a group key, every group is complete in one fragment: each fragment keeps
 * its own top N by any ORDER BY, and counts its groups' distinct values itself. Where it is the
 * argument of an ungrouped COUNT(DISTINCT), fragments count their distinct values and the combine
 * adds the counts. Either way no distinct value travels as a partial row.
 */
import { splitAggregate, type AggregateSplit, type FloatGuard, type PartialColumn, type WindowMean } from './aggregates';
import { cast, fn, lit, ref } from './build';
import { NotSplittable } from './convert';
import type { ProbeColumn } from './facts';
import { transform, type Call, type Expr, type OrderItem, type SelectItem } from './ir';
import { printExpr } from './print';
import type { GroupedShape, RowsShape, Shape } from './shape';
import { countedDistinctColumn, distinctAggregatesAreCounts } from './value-split';

export interface FragmentQuery {
  columns: PartialColumn[];
  distinct: boolean;
  /** The first `groupBy` columns are grouped by (`GROUP BY 1, 2, …`). */
  groupBy: number;
  /** Per-fragment top-N, only where it is exact: positions are 1-based fragment columns. */
  orderBy: { position: number; direction: 'ASC' | 'DESC' | null; nulls: 'FIRST' | 'LAST' | null }[];
  /** Per-fragment LIMIT, as decimal text: a bigint, exact however large (JSON has no bigints). */
  limit: string | null;
  /** The per-fragment limit keeps the rows that tie with its last (FETCH FIRST … WITH TIES). */
  withTies: boolean;
}

export interface CombineColumn {
  name: string;
  /** Collation to restore when it is not the database default (`"C"`), else null. */
  collation: string | null;
}

export interface CombineTemplate {
  /** The partial columns, in fragment order; their types are known once a fragment has run. */
  columns: CombineColumn[];
  /** Float aggregates' overflow bounds, checked over the partial rows before combining (see FloatGuard). */
  floatGuards: FloatGuard[];
  /** Per-group means computed with a window before aggregating (float variance only). */
  means: WindowMean[];
  groupBy: string[];
  items: SelectItem[];
  having: Expr | null;
  distinct: boolean;
  orderBy: OrderItem[];
  limit: Expr | null;
  offset: Expr | null;
  withTies: boolean;
}

export interface Decomposition {
  fragment: FragmentQuery;
  combine: CombineTemplate;
}

/**
 * @param probe the probe's columns: one per output, then one per `shape.hidden` entry.
 * @param completeBy the column (as PostgreSQL stores its name) whose key ranges the fragments read, if they do.
 * @throws NotSplittable when an exact split is not possible after all.
 */
export function decompose(shape: Shape, probe: ProbeColumn[], completeBy: string | null = null): Decomposition {
  const expected = shape.items.length + shape.hidden.length;
  if (probe.length !== expected) throw new Error(`probe returned ${probe.length} columns, expected ${expected}`);
  const outputNames = probe.slice(0, shape.items.length).map((c) => c.name);
  const hidden = probe.slice(shape.items.length);
  // Partial rows reach the combine as text, and PostgreSQL cannot read an anonymous ROW(…) back
  // from text (a named composite type it can).
  if (hidden.some((c) => /^record(\[\])*$/.test(c.type)))
    throw new NotSplittable('anonymous ROW values are not split: PostgreSQL cannot read them back from text');
  return shape.kind === 'rows' ? decomposeRows(shape, outputNames, hidden) : decomposeGrouped(shape, outputNames, hidden, probe, completeBy);
}

/**
 * How fragments split by `completeBy` hold a grouped shape's values: `groups` when it is a group
 * key (every group in one fragment), `distinct` when every DISTINCT aggregate of an ungrouped
 * query is a COUNT of it (every value counted in one fragment), else null.
 */
function completeness(shape: GroupedShape, completeBy: string | null): 'groups' | 'distinct' | null {
  if (completeBy === null) return null;
  if (shape.keys.some((k) => k.kind === 'column' && k.name === completeBy)) return 'groups';
  return shape.keys.length === 0 && countedDistinctColumn(shape)?.name === completeBy ? 'distinct' : null;
}

/** Resolves an ORDER BY item to an output position (0-based) when it names or repeats an output. */
function outputPosition(e: Expr, shape: Shape, outputNames: string[]): number | null {
  if (e.kind === 'literal' && /^\d+$/.test(e.sql)) {
    const position = Number(e.sql) - 1;
    if (position < 0 || position >= outputNames.length) throw new NotSplittable(`ORDER BY position ${e.sql} is not in the select list`);
    return position;
  }
  // PostgreSQL reads a bare ORDER BY name as an output column first, an input column second.
  if (e.kind === 'column' && e.table === null) {
    const named = outputNames.indexOf(e.name);
    if (named >= 0) return named;
  }
  const text = printExpr(e);
  const same = shape.items.findIndex((i) => printExpr(i.expr) === text);
  return same >= 0 ? same : null;
}

function collationOf(column: ProbeColumn | undefined): string | null {
  return column?.collation ?? null;
}

/** PostgreSQL's LIMIT and OFFSET are bigints. */
const BIGINT_MAX = 2n ** 63n - 1n;

/** An integer literal's exact value (a missing OFFSET counts as 0); null for anything else. */
function integerValue(e: Expr | null): bigint | null {
  if (e === null) return 0n;
  return e.kind === 'literal' && /^\d+$/.test(e.sql) ? BigInt(e.sql) : null;
}

/**
 * LIMIT + OFFSET, exactly, when both are plain integers and the sum is still a bigint: each
 * fragment keeps that many of its top rows (and, WITH TIES, the rows tying with the last: every
 * row of the overall answer ties with or precedes the overall last, so it is among them).
 * Otherwise null: fragments return every row.
 */
function pushableLimit(shape: Shape): string | null {
  if (shape.query.limit === null) return null;
  const limit = integerValue(shape.query.limit);
  const offset = integerValue(shape.query.offset);
  if (limit === null || offset === null || limit + offset > BIGINT_MAX) return null;
  return String(limit + offset);
}

function outputItems(shape: Shape, outputNames: string[], rewrite: (e: Expr, i: number) => Expr): SelectItem[] {
  return shape.items.map((item, i) => ({ expr: rewrite(item.expr, i), alias: outputNames[i] as string }));
}

function decomposeRows(shape: RowsShape, outputNames: string[], hidden: ProbeColumn[]): Decomposition {
  const values: PartialColumn[] = shape.items.map((item, i) => ({ name: `c${i}`, expr: item.expr }));
  const sorts: PartialColumn[] = shape.sortKeys.map((expr, j) => ({ name: `s${j}`, expr }));
  const columns = [...values, ...sorts];
  const orderTargets = shape.query.orderBy.map((o) => {
    const position = outputPosition(o.expr, shape, outputNames);
    if (position !== null) return { o, position };
    const sort = shape.sortKeys.findIndex((s) => printExpr(s) === printExpr(o.expr));
    if (sort < 0) throw new NotSplittable('an ORDER BY item could not be matched');
    return { o, position: values.length + sort };
  });
  const limit = pushableLimit(shape);
  return {
    fragment: {
      columns,
      distinct: shape.query.distinct,
      groupBy: 0,
      orderBy: limit === null ? [] : orderTargets.map(({ o, position }) => ({ position: position + 1, direction: o.direction, nulls: o.nulls })),
      limit,
      withTies: limit !== null && shape.query.withTies,
    },
    combine: {
      columns: columns.map((c, i) => ({ name: c.name, collation: collationOf(hidden[i]) })),
      floatGuards: [],
      means: [],
      groupBy: [],
      items: outputItems(shape, outputNames, (_, i) => ref(`c${i}`)),
      having: null,
      distinct: shape.query.distinct,
      orderBy: orderTargets.map(({ o, position }) => ({
        ...o,
        expr: position < values.length ? lit(String(position + 1)) : ref((columns[position] as PartialColumn).name),
      })),
      limit: shape.query.limit,
      offset: shape.query.offset,
      withTies: shape.query.withTies,
    },
  };
}

function decomposeGrouped(shape: GroupedShape, outputNames: string[], hidden: ProbeColumn[], probe: ProbeColumn[], completeBy: string | null): Decomposition {
  const { keys, aggregates } = shape;
  const complete = completeness(shape, completeBy);
  // Over complete groups or values every COUNT(DISTINCT …) is counted in its fragment, and no argument is grouped by.
  const countsInFragments = complete !== null && distinctAggregatesAreCounts(shape);
  const distinctArgs = countsInFragments ? [] : shape.distinctArgs;
  const keyColumns: PartialColumn[] = keys.map((expr, i) => ({ name: `k${i}`, expr }));
  const distinctColumns: PartialColumn[] = distinctArgs.map((expr, j) => ({ name: `d${j}`, expr }));
  const columns: CombineColumn[] = [
    ...keyColumns.map((c, i) => ({ name: c.name, collation: collationOf(hidden[i]) })),
    ...distinctColumns.map((c, j) => ({ name: c.name, collation: collationOf(hidden[keys.length + j]) })),
  ];
  const parts: PartialColumn[] = [];
  const means: WindowMean[] = [];
  const floatGuards: FloatGuard[] = [];
  const combined = new Map<string, Expr>();
  aggregates.forEach((call, i) => {
    const probed = hidden[keys.length + shape.distinctArgs.length + i] as ProbeColumn;
    const prefix = `a${i}`;
    // A DISTINCT aggregate accumulates in the combine, over values sorted as PostgreSQL sorts them: no guard.
    const split: AggregateSplit =
      countsInFragments && call.distinct
        ? countInFragment(call, probed.type, prefix)
        : call.distinct
          ? splitDistinct(call, probed.type, prefix, distinctArgs)
          : splitAggregate(call, probed.type, prefix);
    for (const part of split.parts) {
      parts.push(part);
      const keepsCollation = call.name === 'min' || call.name === 'max';
      columns.push({ name: part.name, collation: keepsCollation ? collationOf(probed) : null });
    }
    means.push(...split.means);
    if (split.guard) floatGuards.push(split.guard);
    combined.set(printExpr(call), split.combine);
  });

  const keyRefs = new Map(keys.map((k, i) => [printExpr(k), ref(`k${i}`)]));
  const rewrite = (e: Expr): Expr =>
    transform(e, (node) => {
      const text = printExpr(node);
      const replacement = keyRefs.get(text) ?? combined.get(text);
      if (replacement) return replacement;
      if (node.kind === 'column' || node.kind === 'whole-row') throw new NotSplittable(`${text} is used outside an aggregate without being grouped`);
      return undefined;
    });

  const items = outputItems(shape, outputNames, (e) => rewrite(e));
  const orderBy = shape.query.orderBy.map((o): OrderItem => {
    const position = outputPosition(o.expr, shape, outputNames);
    return { ...o, expr: position === null ? rewrite(o.expr) : lit(String(position + 1)) };
  });
  const fragmentColumns = [...keyColumns, ...distinctColumns, ...parts];
  const topN =
    complete === 'groups' && countsInFragments
      ? completeGroupsTopN(shape, outputNames, probe, fragmentColumns.length)
      : { ...groupedTopN(shape, orderBy, items), sortColumns: [] };
  const { sortColumns, ...fragmentTopN } = topN;
  return {
    fragment: {
      columns: [...fragmentColumns, ...sortColumns],
      distinct: false,
      groupBy: keys.length + distinctArgs.length,
      ...fragmentTopN,
    },
    combine: {
      columns: [...columns, ...sortColumns.map((c) => ({ name: c.name, collation: null }))],
      floatGuards,
      means,
      groupBy: keyColumns.map((c) => c.name),
      items,
      having: shape.query.having ? rewrite(shape.query.having) : null,
      distinct: shape.query.distinct,
      orderBy,
      limit: shape.query.limit,
      offset: shape.query.offset,
      withTies: shape.query.withTies,
    },
  };
}

/**
 * A DISTINCT aggregate: fragments group by its argument (and note whether any row of that
 * value passed the FILTER); the combine applies the same aggregate, DISTINCT, to those values.
 */
function splitDistinct(call: Call, resultType: string, prefix: string, distinctArgs: Expr[]) {
  const arg = call.args[0] as Expr;
  const d = distinctArgs.findIndex((a) => printExpr(a) === printExpr(arg));
  const flag: PartialColumn | null = call.filter ? { name: `${prefix}_passes`, expr: fn('bool_or', [call.filter]) } : null;
  const combine = cast(fn(call.name, [ref(`d${d}`)], { distinct: true, filter: flag ? ref(flag.name) : null }), resultType);
  return { parts: flag ? [flag] : [], combine, means: [] as WindowMean[] };
}

/** COUNT(DISTINCT …) of values each complete in one fragment: counted there, the counts added up. */
function countInFragment(call: Call, resultType: string, prefix: string) {
  const part: PartialColumn = { name: `${prefix}_count`, expr: call };
  return { parts: [part], combine: cast(fn('sum', [ref(part.name)]), resultType), means: [] as WindowMean[] };
}

/** Types whose values a fragment computes exactly as the combine does: its order is the combine's. */
const EXACT_ORDER_TYPES =
  /^(smallint|integer|bigint|numeric(\(.*\))?|text|character varying(\(.*\))?|character(\(.*\))?|date|boolean|uuid|timestamp(\(\d\))? with(out)? time zone)$/;

/**
 * Top-N per fragment when every group is complete in one fragment: a group's values there are
 * its final ones, so each fragment's top N by the query's own ORDER BY holds every group of the
 * overall top N that it has. Each ORDER BY item must be an output (named, by position, or
 * repeated) of a type computed exactly alike in fragment and combine (floats are not: their
 * sums' last bits depend on the order of addition), with no HAVING or DISTINCT.
 * The fragment orders by extra columns (`o0`, …) holding those outputs' expressions.
 */
function completeGroupsTopN(
  shape: GroupedShape,
  outputNames: string[],
  probe: ProbeColumn[],
  columnsBefore: number,
): Pick<FragmentQuery, 'orderBy' | 'limit' | 'withTies'> & { sortColumns: PartialColumn[] } {
  const none = { orderBy: [], limit: null, withTies: false, sortColumns: [] };
  const limit = pushableLimit(shape);
  if (limit === null || shape.query.having || shape.query.distinct) return none;
  const positions = shape.query.orderBy.map((o) => outputPosition(o.expr, shape, outputNames));
  if (positions.some((p) => p === null || !EXACT_ORDER_TYPES.test(probe[p]?.type ?? ''))) return none;
  const sortColumns = positions.map((p, j): PartialColumn => ({ name: `o${j}`, expr: (shape.items[p as number] as SelectItem).expr }));
  return {
    orderBy: shape.query.orderBy.map((o, j) => ({ position: columnsBefore + j + 1, direction: o.direction, nulls: o.nulls })),
    limit,
    withTies: shape.query.withTies,
    sortColumns,
  };
}

/**
 * Top-N per fragment for grouped queries: exact only when the ORDER BY consists of exactly the
 * group keys (a total order over groups), with no HAVING, DISTINCT or DISTINCT aggregates.
 * Then every group in the global top N is in the top N of each fragment that holds its rows,
 * so no group is cut short.
 */
function groupedTopN(shape: GroupedShape, orderBy: OrderItem[], items: SelectItem[]): Pick<FragmentQuery, 'orderBy' | 'limit' | 'withTies'> {
  const none = { orderBy: [], limit: null, withTies: false };
  const limit = pushableLimit(shape);
  if (limit === null || shape.keys.length === 0 || shape.query.having || shape.query.distinct || shape.distinctArgs.length > 0) return none;
  const keyPositions = orderBy.map((o) => {
    const resolved = o.expr.kind === 'literal' ? (items[Number(o.expr.sql) - 1]?.expr ?? o.expr) : o.expr;
    return resolved.kind === 'ref' && /^k\d+$/.test(resolved.name) ? Number(resolved.name.slice(1)) : -1;
  });
  const covered = new Set(keyPositions);
  if (keyPositions.includes(-1) || covered.size !== shape.keys.length) return none;
  return {
    orderBy: orderBy.map((o, i) => ({ position: (keyPositions[i] as number) + 1, direction: o.direction, nulls: o.nulls })),
    limit,
    withTies: shape.query.withTies,
  };
}
