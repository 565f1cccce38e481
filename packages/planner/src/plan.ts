/**
 * The planner's public pipeline. Planning needs two round trips to the database, which the
 * caller (the engine) makes between these pure steps:
 *
 *   parseQuery(sql)                       → ParsedQuery          (no I/O)
 *   catalogRequest(parsed.query)          → what to read from the catalog
 *   prepareSplit(parsed, facts, options)  → Preparation: sequential, or a probe to run
 *   buildPlan(parsed, preparation, probe) → Plan: fragments and the combine template
 *   renderCombine(plan.combine, types)    → the combine SQL, once fragments report their types
 */
import { NotSplittable } from './convert';
import { QueryRejectedError } from './errors';
import { decompose, type CombineTemplate } from './decompose';
import type { CatalogFacts, ProbeColumn } from './facts';
import type { ParsedQuery } from './parse';
import {
  chooseFanOut,
  costScaleOf,
  DEFAULT_COST_MODEL,
  fanOutScaleOf,
  valueSplitScaleOf,
  fanOutFixedMs,
  partialRowsPerFragment,
  valueSplitPartialRows,
  predictAsWrittenSide,
  predictFanOutMs,
  queryClass,
  queueWaitMs,
  type AsWrittenPrediction,
  type CostModel,
  type QueryClass,
  type QueryEstimate,
} from './cost';
import {
  choosePartitions,
  DEFAULT_PARTITION_POLICY,
  isKeyRange,
  isKeyRangeType,
  keyBoundsSql,
  keyRanges,
  pageRanges,
  type FragmentRange,
  type PartitionChoice,
  type PartitionPolicy,
} from './partition';
import { printSelect } from './print';
import { renderFragment, renderFragmentCopy } from './render';
import { shapeQuery, type Shape } from './shape';
import { valueSplitColumn } from './value-split';
import { pinTransactionTime } from './transaction-time';
import type { ExpertRewrite } from './rewrite';

export interface PlanOptions {
  /** Exact number of fragments (1–64). Omit to choose from table size and workers. */
  partitions?: number;
  /** Fragments that can run at once (worker slots, busy or not); used only when `partitions` is omitted. @defaultValue 1 */
  workers?: number;
  /**
   * Fragment jobs queued or running as the query is planned: a fan-out waits for them
   * (`queueWaitMs`). @defaultValue 0
   */
  backlog?: number;
  policy?: PartitionPolicy;
  /**
   * Split by ranges of this column's values (integer, numeric, date or timestamp) instead of by
   * physical pages; the name as PostgreSQL stores it (folded).
   */
  partitionKey?: string;
  /**
   * EXPLAIN's estimate of the query: with it, automatic partitioning follows the cost model
   * (cost.ts); without it, table size alone (`policy`).
   */
  estimate?: QueryEstimate;
  /**
   * EXPLAIN's estimate of the expert's rewrite (`rewrite.ts`), when the engine found one PostgreSQL
   * estimates cheaper than the user's text: run as written, the query runs as that rewrite, and
   * the cost model weighs fragments against it.
   */
  rewrite?: QueryEstimate;
  costModel?: CostModel;
  /**
   * When the query's transaction started, as `YYYY-MM-DD HH:MI:SS.US+00`: what `now()` and its
   * kin read, pinned so that every fragment reads the same (`transaction-time.ts`). Needed only
   * when `readsTransactionTime(query)`; without it such a query runs as written.
   */
  transactionTime?: string;
  /**
   * A fan-out whose fragments are each estimated to return at least this many partial rows stores
   * them in PostgreSQL in binary (`FragmentPlan.copySql`). Omitted, or without an estimate, they
   * are handed over as text.
   */
  storedPartialRows?: number;
}

/** The cost model's prediction for the plan chosen, shown beside the actual time. */
export interface PlanPrediction {
  /** Milliseconds the query was predicted to take as written, and in the plan's fragments (null when it runs as written). */
  asWrittenMs: number;
  fanOutMs: number | null;
  /** True when the model chose the fragment count; false when it was requested (only the model's own choices teach it). */
  automatic: boolean;
  /** Of `fanOutMs`, the fixed and partial-row costs and any wait for worker slots, which do not follow PostgreSQL's estimate. */
  fanOutFixedMs?: number;
  /** Fragments queued or running when a fan-out was planned, if any: its time holds a wait behind them. */
  backlog?: number;
  /** Whose learned scale predicted it, and learns from its actual time. */
  queryClass: QueryClass;
  /** Of `asWrittenMs`, what does not follow the estimate (a parallel plan's workers' start-up); absent: none. */
  asWrittenFixedMs?: number;
  /** Run as written without PostgreSQL's parallel workers: its serial plan is predicted faster. */
  serialPlan?: boolean;
  /**
   * The learned factors of `queryClass` this prediction used: what the query's run teaches is
   * measured against them, not against the model's factors when it finishes (`Observation.factorUsed`).
   * For a split by values, `fanOutScale` is the one such splits use (`valueSplitScaleOf`).
   */
  factors?: { costScale: number; fanOutScale: number };
  /** The model split the fragments by a column's values (`predictValueSplitMs`): their run teaches the statement's `valueSplitScale`. */
  splitByValues?: boolean;
  /** Run as written once where the model would fan out, to learn the statement's time that way (`exploresAsWritten`). */
  explores?: boolean;
}

/** The learned factors of `cls` a prediction uses. */
function factorsOf(cls: QueryClass, model: CostModel = DEFAULT_COST_MODEL, splitByValues = false): NonNullable<PlanPrediction['factors']> {
  return { costScale: costScaleOf(model, cls), fanOutScale: (splitByValues ? valueSplitScaleOf : fanOutScaleOf)(model, cls) };
}

/** The as-written side of a prediction, its optional fields only where they say something. */
function asWrittenFields({ ms, fixedMs, serialPlan }: AsWrittenPrediction): Pick<PlanPrediction, 'asWrittenMs' | 'asWrittenFixedMs' | 'serialPlan'> {
  return { asWrittenMs: ms, ...(fixedMs > 0 ? { asWrittenFixedMs: fixedMs } : {}), ...(serialPlan ? { serialPlan } : {}) };
}

export interface FragmentPlan {
  index: number;
  sql: string;
  params: (string | null)[];
  /** Rows this fragment reads; null when it reads the whole table (or runs the query as written). */
  range: FragmentRange | null;
  /**
   * The fragment as `COPY … TO STDOUT (FORMAT binary)` (`renderFragmentCopy`), when the plan
   * stores its partial rows in PostgreSQL rather than hand them over as text (`storesPartialRows`).
   */
  copySql?: string;
}

export interface Plan {
  /** The user's statement as submitted: what runs as written, and what a fan-out falls back to. */
  sql: string;
  mode: 'fan-out' | 'as-written';
  /** Why this mode, for people: the partitioning chosen, or what prevents splitting. */
  reason: string;
  partitions: number;
  strategy: 'page-range' | 'key-range' | 'none';
  /** `schema.table` split, when there is one. */
  table: string | null;
  fragments: FragmentPlan[];
  /** How to combine partial rows; null in sequential mode. */
  combine: CombineTemplate | null;
  /** Null when there was no estimate to predict from (the query is not splittable, or no EXPLAIN). */
  prediction: PlanPrediction | null;
  /** Database servers a fan-out's fragments spread over, at one exact cut (a request's `servers`); one when absent. */
  servers?: number;
  /** Run as written, this runs instead of `sql`: the same answer in a form PostgreSQL plans faster (`rewrite.ts`). */
  rewrite?: string;
}

/** Whether the plan's fragments store their partial rows in PostgreSQL, in binary (each has its `copySql`). */
export function storesPartialRows(plan: Pick<Plan, 'fragments'>): boolean {
  return plan.fragments.some((f) => f.copySql !== undefined);
}

/** What runs when `plan` runs as written: the expert's rewrite, or the user's statement. */
export function asWrittenSql(plan: Pick<Plan, 'sql' | 'rewrite'>): string {
  return plan.rewrite ?? plan.sql;
}

/** `plan` (as written) running `rewrite` instead of the user's text, and saying so: in its reason, and as its one fragment's SQL, which records show. */
export function withRewrite(plan: Plan, rewrite: Pick<ExpertRewrite, 'sql' | 'what'>): Plan {
  return {
    ...plan,
    rewrite: rewrite.sql,
    reason: `${plan.reason}; ${rewrite.what}`,
    fragments: plan.fragments.map((f) => ({ ...f, sql: rewrite.sql })),
  };
}

export type Preparation =
  | { kind: 'as-written'; reason: string; prediction?: PlanPrediction }
  | {
      kind: 'split';
      shape: Shape;
      partitions: number;
      reason: string;
      prediction?: PlanPrediction;
      /** The parsed query printed back, for checking it means what the user wrote. */
      verifySql: string;
      probeSql: string;
      /** For key ranges: the query returning the split points, to pass to `buildPlan`. */
      keyBounds: { sql: string; params: string[] } | null;
      /** The fragments store their partial rows (`FragmentPlan.copySql`). */
      storedPartials: boolean;
    };

/**
 * Decides whether to split, before any probe runs.
 * @throws QueryRejectedError `INVALID_PARTITION_KEY` when `partitionKey` names no usable column.
 * @example prepareSplit(parseQuery('SELECT count(*) FROM t'), facts, { partitions: 4 })
 */
export function prepareSplit(parsed: ParsedQuery, facts: CatalogFacts, options: PlanOptions = {}): Preparation {
  if (!parsed.query) return asWritten(parsed.notSplittable ?? 'not split', options);
  const workers = options.workers ?? 1;
  // Validates an explicit count before anything else.
  const byRequest = options.partitions === undefined ? null : choosePartitions(facts.table.pages, options.partitions, workers, options.policy);
  let shape: Shape;
  try {
    shape = shapeQuery(pinTransactionTime(parsed.query, options.transactionTime), facts);
  } catch (error) {
    if (error instanceof NotSplittable) return asWritten(error.message, options);
    throw error;
  }
  const { count, reason, prediction, splitBy } = decidePartitions(shape, facts, options, byRequest);
  if (count === null) return { kind: 'as-written', reason, ...(prediction ? { prediction } : {}) };
  const partitionKey = options.partitionKey ?? splitBy;
  const keyBounds = partitionKey === undefined || count === 1 ? null : keyBoundsFor(facts, partitionKey, count);
  return {
    kind: 'split',
    shape,
    partitions: count,
    reason,
    ...(prediction ? { prediction } : {}),
    verifySql: printSelect(parsed.query),
    probeSql: shape.probeSql,
    keyBounds,
    storedPartials: storesPartials(shape, count, options, splitBy !== undefined),
  };
}

/** Whether each of `count` fragments (split by values, `byValues`) is estimated to return at least `storedPartialRows` partial rows. */
function storesPartials(shape: Shape, count: number, { estimate, storedPartialRows }: PlanOptions, byValues = false): boolean {
  if (count === 1 || !estimate || storedPartialRows === undefined) return false;
  return (byValues ? valueSplitPartialRows : partialRowsPerFragment)(shape, estimate, count) >= storedPartialRows;
}

/** A query that cannot be split: run as written, predicted from PostgreSQL's estimate alone when there is one. */
export function asWritten(reason: string, options: Pick<PlanOptions, 'estimate' | 'costModel' | 'rewrite'>): Extract<Preparation, { kind: 'as-written' }> {
  if (!options.estimate) return { kind: 'as-written', reason };
  const side = predictAsWrittenSide(null, options.estimate, options.costModel, options.rewrite);
  const prediction = {
    ...asWrittenFields(side),
    fanOutMs: null,
    automatic: true,
    queryClass: side.queryClass,
    factors: factorsOf(side.queryClass, options.costModel),
  };
  return { kind: 'as-written', reason, prediction };
}

/** The fragment count: as requested, else by the cost model when there is an estimate, else by table size. */
function decidePartitions(
  shape: Shape,
  facts: CatalogFacts,
  options: PlanOptions,
  byRequest: PartitionChoice | null,
): { count: number | null; reason: string; prediction?: PlanPrediction; splitBy?: string } {
  const { estimate, costModel } = options;
  const workers = options.workers ?? 1;
  const backlog = Math.max(0, Math.floor(options.backlog ?? 0));
  const waitMs = queueWaitMs(backlog, workers, costModel);
  // Which fan-outs were planned behind others: their time outside their fragments holds a wait.
  const behind = backlog > 0 ? { backlog } : {};
  if (byRequest) {
    const k = byRequest.count as number;
    if (!estimate) return { count: k, reason: byRequest.reason };
    const fanOutMs = k === 1 ? null : waitMs + predictFanOutMs(shape, estimate, k, workers, costModel);
    const fanOutFixed = k === 1 ? undefined : waitMs + fanOutFixedMs(shape, estimate, k, costModel);
    return {
      count: k,
      reason: byRequest.reason,
      prediction: {
        ...asWrittenFields(predictAsWrittenSide(shape, estimate, costModel, options.rewrite)),
        fanOutMs,
        automatic: false,
        queryClass: queryClass(shape),
        factors: factorsOf(queryClass(shape), costModel),
        ...(fanOutFixed === undefined ? {} : { fanOutFixedMs: fanOutFixed, ...behind }),
      },
    };
  }
  if (!estimate) return choosePartitions(facts.table.pages, undefined, workers, options.policy);
  // A split by a column's values is weighed only where the user named no column to split by.
  const valueSplit = options.partitionKey === undefined ? (valueSplitColumn(shape)?.column ?? null) : null;
  const maxPartitions = (options.policy ?? DEFAULT_PARTITION_POLICY).maxPartitions;
  const choice = chooseFanOut(shape, estimate, workers, maxPartitions, costModel, waitMs, options.rewrite, valueSplit);
  const split = choice.partitions !== null;
  return {
    count: choice.partitions,
    reason: choice.reason,
    prediction: {
      ...asWrittenFields({ ms: choice.asWrittenMs, fixedMs: choice.asWrittenFixedMs, serialPlan: choice.serialPlan }),
      fanOutMs: split ? choice.fanOutMs : null,
      automatic: true,
      queryClass: choice.queryClass,
      factors: factorsOf(choice.queryClass, costModel, choice.splitBy !== undefined),
      ...(choice.fanOutFixedMs !== undefined ? { fanOutFixedMs: waitMs + choice.fanOutFixedMs, ...behind } : {}),
      ...(choice.splitBy !== undefined ? { splitByValues: true } : {}),
      ...(choice.explores ? { explores: true } : {}),
    },
    ...(choice.splitBy !== undefined ? { splitBy: choice.splitBy } : {}),
  };
}

function keyBoundsFor(facts: CatalogFacts, column: string, count: number) {
  const found = facts.table.columns.find((c) => c.name === column);
  const table = `${facts.table.schema}.${facts.table.name}`;
  if (!found) throw new QueryRejectedError('INVALID_PARTITION_KEY', `cannot partition by "${column}": ${table} has no such column`);
  if (!isKeyRangeType(found.type)) {
    throw new QueryRejectedError(
      'INVALID_PARTITION_KEY',
      `cannot partition by "${column}": it is ${found.type}; key ranges need an integer, numeric, date or timestamp column`,
    );
  }
  return keyBoundsSql(facts.table, column, found.type, count);
}

/** A prediction's as-written side alone, for a query that runs as written after all. */
function withoutFanOut({ fanOutFixedMs: _, ...asWrittenSide }: PlanPrediction): PlanPrediction {
  return asWrittenSide;
}

/** A plan that runs the query as written, in one piece. */
export function planAsWritten(parsed: Pick<ParsedQuery, 'sql'>, reason: string, prediction?: PlanPrediction): Plan {
  return {
    sql: parsed.sql,
    mode: 'as-written',
    reason,
    partitions: 1,
    strategy: 'none',
    table: null,
    fragments: [{ index: 0, sql: parsed.sql, params: [], range: null }],
    combine: null,
    prediction: prediction ? { ...withoutFanOut(prediction), fanOutMs: null } : null,
  };
}

/**
 * Builds the parallel plan from a split preparation and its probe result; falls back to a
 * sequential plan if the probe shows the split cannot be exact.
 * @param keyBounds for key ranges: the split points `preparation.keyBounds` returned.
 */
export function buildPlan(parsed: ParsedQuery, preparation: Preparation, probe: ProbeColumn[], keyBounds: string[] = []): Plan {
  if (preparation.kind === 'as-written') return planAsWritten(parsed, preparation.reason, preparation.prediction);
  const { shape, partitions } = preparation;
  const ranges = fragmentRanges(preparation, keyBounds);
  // Split by a column's values, each value lies in one fragment (decompose.ts, `completeBy`).
  const completeBy = ranges[0] && isKeyRange(ranges[0]) ? ranges[0].column : null;
  let decomposition;
  try {
    decomposition = decompose(shape, probe, completeBy);
  } catch (error) {
    if (error instanceof NotSplittable) return planAsWritten(parsed, error.message, preparation.prediction);
    throw error;
  }
  const { table: facts } = shape.facts;
  const table = { schema: facts.schema, name: facts.name, alias: shape.query.from.alias };
  const { storedPartials } = preparation;
  const notNull = completeBy !== null && facts.columns.some((c) => c.name === completeBy && c.notNull === true);
  const fragments = ranges.map((range, index) => {
    const rendered = renderFragment(decomposition.fragment, table, shape.query.where, range, notNull);
    return { index, range, ...rendered, ...(storedPartials ? { copySql: renderFragmentCopy(rendered, range) } : {}) };
  });
  const strategy = ranges[0] === null ? 'none' : preparation.keyBounds ? 'key-range' : 'page-range';
  return {
    sql: parsed.sql,
    mode: 'fan-out',
    reason:
      preparation.keyBounds && ranges.length !== partitions
        ? `${preparation.reason}; ${ranges.length} key range${ranges.length === 1 ? '' : 's'} found`
        : preparation.reason,
    partitions: ranges.length,
    strategy,
    table: `${facts.schema}.${facts.name}`,
    fragments,
    combine: decomposition.combine,
    prediction: preparation.prediction ?? null,
  };
}

/** One fragment reads the whole table with a plain scan; ranges only when there are several. */
function fragmentRanges(preparation: Extract<Preparation, { kind: 'split' }>, keyBounds: string[]): (FragmentRange | null)[] {
  if (preparation.partitions === 1) return [null];
  const { keyBounds: bounds, shape } = preparation;
  if (!bounds) return pageRanges(shape.facts.table.pages, preparation.partitions);
  const column = bounds.params[2] as string;
  const type = shape.facts.table.columns.find((c) => c.name === column)?.type as string;
  const ranges = keyRanges(column, type, keyBounds);
  return ranges.length === 1 ? [null] : ranges;
}
