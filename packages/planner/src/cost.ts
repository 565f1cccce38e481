/**
 * cost: whether fanning a query out pays, and into how many fragments — predicted from
 * PostgreSQL's own estimate of the query (EXPLAIN's total cost and rows), the table's column
 * statistics (how many groups fragments will return) and a few constants that turn those into
 * milliseconds.
 *
 * The model, for k fragments on `slots` worker slots, of which the database runs `p` at full speed
 * at once (measured, `databaseParallelism`):
 *
 *   sequential(q) = scale(class(q)) × msPerCost × (cost(q) + distinctSortCost(q) + parallelShortfallCost(q))
 *                   + for a parallel plan, its workers' start-up
 *   fanOut(q, k)  = fanOutMs + partialRowMs × k × partialRowsPerFragment(q, k)
 *                 + fanOutScale(class(q)) × scale(class(q)) × msPerCost × serialCost(q) × fragmentScanFactor
 *                   × ⌈k / slots⌉ × min(k, slots) / (k × min(k, slots, p))
 *
 * cost(q) is the cost of the plan PostgreSQL will run, with its parallel workers if it plans
 * some; serialCost(q) is the cost of the query planned without them (the same for a serial
 * plan), which fragments divide. PostgreSQL costs a parallel plan as if its participants (2.4 for
 * 2 workers and the leader) all ran at full speed; the database may run fewer
 * (`parallelShortfallCost`), and on small tables the workers' start-up, which the estimate puts
 * far lower than it is, makes a parallel plan slower than its serial one. With both, one scale per
 * class serves both plans.
 *
 * PostgreSQL's estimate leaves out the sort behind every DISTINCT aggregate (it never runs one in
 * parallel, and fragments replace it with a hashed GROUP BY), so the sequential side adds it. The
 * constants come from `npm run bench` on a 2-core machine (docs/benchmarks.md). Two learned
 * factors per class of query (`learn`) correct them by what finished queries took: `scale`, from
 * queries run as written, for how fast this database really runs what PostgreSQL estimates; and
 * `fanOutScale`, from fanned-out queries, for how much of the predicted parallel speed-up
 * fragments really get (worker slots are not cores). And from every finished fan-out
 * (`learnFromFanOut`): `fanOutMs`, what one costs outside its fragments, and `fragmentMs`, how long
 * a fragment takes, by which a new fan-out waits behind others' (`queueWaitMs`).
 */
import type { CatalogFacts } from './facts';
import type { Expr } from './ir';
import type { GroupedShape, Shape } from './shape';
import { statisticsDistinct } from './value-split';

/**
 * Kinds of query whose real time strays from PostgreSQL's estimate by different factors: it is
 * close for a plain aggregate scan and far off for hashed grouping and DISTINCT aggregates. One
 * scale for all let the big queries teach the small ones to fan out (docs/benchmarks.md).
 */
export const QUERY_CLASSES = ['scan', 'grouped', 'distinct', 'rows', 'other'] as const;
export type QueryClass = (typeof QUERY_CLASSES)[number];

/** The class of a query by its shape; `other` for queries the planner cannot shape (run as written). */
export function queryClass(shape: Shape | null): QueryClass {
  if (!shape) return 'other';
  if (shape.kind === 'rows') return 'rows';
  if (shape.aggregates.some((a) => a.distinct)) return 'distinct';
  return shape.keys.length > 0 ? 'grouped' : 'scan';
}

export interface CostModel {
  /** Milliseconds of execution per unit of PostgreSQL's cost estimate, in one session: measured on the database, this default until then. */
  msPerCost: number;
  /** A fragment's TID range scan costs this much more per page than a sequential scan. */
  fragmentScanFactor: number;
  /**
   * Fixed cost of fanning out over running as written: snapshot, flow, jobs, combine. Learned
   * from finished fan-outs, as their time outside their fragments (`learnFromFanOut`).
   */
  fanOutMs: number;
  /** Shipping one partial row from a fragment and combining it. */
  partialRowMs: number;
  /** Fan out only when it is predicted at least this much faster (a margin for the model's error). */
  minGain: number;
  /**
   * Learned, per class: how much slower queries run than PostgreSQL's cost estimate says,
   * relative to `msPerCost` (1: as measured on simple scans). PostgreSQL underestimates the CPU of
   * aggregates and expressions, so this grows with the class's complexity; it scales the parts of
   * both predictions that follow the estimate, never the fixed fan-out and partial-row costs.
   * Learned from queries run as written only.
   */
  costScales: Record<QueryClass, number>;
  /**
   * Learned, per class, from fanned-out queries: how much slower their fragments scan than the
   * model predicts (1: as predicted). Kept apart from `costScales` because a fan-out slower than
   * predicted must make fanning out look worse: folded into the shared scale, it made running as
   * written look slower still, and a benchmark's slow fan-outs taught a 100K-row COUNT(*) to fan
   * out at 8× its direct time.
   */
  fanOutScales: Record<QueryClass, number>;
  /**
   * How many sessions the database runs at full speed at once, as measured (`measureParallelism`
   * in the engine); null until measured, when every worker slot counts as one. Worker slots are
   * not cores: here 4 slots share 2, so 4 fragments scan no faster than 2 and ship twice the
   * partial rows.
   */
  databaseParallelism: number | null;
  /**
   * Milliseconds PostgreSQL takes to start a parallel plan's first worker, as measured
   * (`measureParallelStart` in the engine); null until measured, when a query runs as written
   * in whichever plan PostgreSQL picks. Its estimate puts this at a few milliseconds; it measured
   * 20–24 here, enough to make a parallel plan on 1M rows slower than the serial one.
   */
  parallelStartMs: number | null;
  /** Milliseconds each worker after the first adds to that start-up, as measured (0–16 here, by the day); null: none. */
  parallelWorkerStartMs: number | null;
  /**
   * Learned from finished fan-outs: how long a fragment takes on a worker, on average. With the
   * fragments queued or running, how long a new fan-out waits for slots (`queueWaitMs`); null
   * until learned, when it is taken not to wait.
   */
  fragmentMs: number | null;
  /**
   * The statement being planned, if it ran before: the factors its own runs taught, in place of
   * its class's (`learnStatement`). Absent from the shared model; the API adds it per statement.
   */
  statement?: StatementFactors;
}

/**
 * What one statement's own runs taught (absent: that side never ran, and its class's factor
 * stands in). Dashboards send the same statements again and again, and statements of one class
 * stray from PostgreSQL's estimate by different factors: a class's factor, learned from whichever
 * statement ran most, mispredicts the rest.
 */
export interface StatementFactors {
  costScale?: number;
  /** Its fan-outs split by pages. */
  fanOutScale?: number;
  /**
   * Its fan-outs split by a column's values (`predictValueSplitMs`): apart from its page splits',
   * whose misses are not theirs. A page split of COUNT(DISTINCT UserID) returns every fragment's
   * distinct values, which PostgreSQL's statistics put at an eighth of what they are; a split by
   * values returns one count per fragment. Sharing one factor, the page split's miss priced the
   * split by values out before it ever ran.
   */
  valueSplitScale?: number;
  /** A run as written was planned to learn its time (`exploresAsWritten`): one is enough. */
  explored?: boolean;
}

/** The factors a statement learns, each kept as a number of its own. */
export const STATEMENT_FACTORS = ['costScale', 'fanOutScale', 'valueSplitScale'] as const;
/** Of them, its fan-outs': one per kind of split. */
const FAN_OUT_FACTORS = ['fanOutScale', 'valueSplitScale'] as const;
/** The statement's factor for its fan-outs split by pages, or by a column's values. */
const fanOutFactorFor = (splitByValues: boolean) => (splitByValues ? 'valueSplitScale' : 'fanOutScale');

/**
 * Whether a figure a choice was made with (`then`) is still where it was (`now`), within a tenth:
 * how far a statement's factor, or PostgreSQL's estimate of a split query, may move before the
 * choice is made again.
 */
export function stillNear(then: number, now: number): boolean {
  return then === 0 ? now === 0 : Math.abs(now / then - 1) <= 0.1;
}

/**
 * Whether a statement's lessons `now` are those a choice was made with (`then`): the same factors
 * learned, none moved by more than a tenth (`stillNear`). Each of its runs moves a factor, mostly
 * by a few per cent, which would not change the choice. Whether it was tried as written does not
 * count: a split made before the try was noted was made where the try was not due, and the note
 * only keeps it from coming again.
 */
export function sameLessons(then: StatementFactors, now: StatementFactors): boolean {
  const close = (a: number | undefined, b: number | undefined) => (a === undefined ? b === undefined : b !== undefined && stillNear(a, b));
  return STATEMENT_FACTORS.every((f) => close(then[f], now[f]));
}

/** The figures the API measures on the database itself (`measureParallelism`, `msPerCostOf`, `measureParallelStart` in the engine), not learned from runs. */
export const MEASURED_FIGURES = ['databaseParallelism', 'msPerCost', 'parallelStartMs', 'parallelWorkerStartMs'] as const;
export type DatabaseMeasurement = Pick<CostModel, (typeof MEASURED_FIGURES)[number]>;

/** What `model` holds of the database's measurement: what a choice made with it is kept with. */
export function measurementOf(model: CostModel): DatabaseMeasurement {
  return Object.fromEntries(MEASURED_FIGURES.map((f) => [f, model[f]])) as DatabaseMeasurement;
}

/**
 * Whether the database's measurement in `now` is the one a choice was made with (`then`): every
 * figure measured then and now, none moved by more than a tenth (`stillNear`), or unmeasured both
 * times. A new measurement moves them at once (the first, or one confirmed after a start under
 * load, which had seen 1.5 sessions at full speed and parallel workers starting in 5.8 ms where
 * the idle machine measured 2.0 and 3.4), and every choice made with the old one is made again.
 */
export function sameMeasurement(then: DatabaseMeasurement, now: CostModel): boolean {
  return MEASURED_FIGURES.every((f) => {
    const [a, b] = [then[f], now[f]];
    return a === null || b === null ? a === b : stillNear(a, b);
  });
}

/** The factor that scales what PostgreSQL estimates, as written, for a query of `cls`: its statement's own, else its class's. */
export const costScaleOf = (model: CostModel, cls: QueryClass) => model.statement?.costScale ?? model.costScales[cls];
/** The factor on a fan-out's predicted speed-up for a query of `cls`: its statement's own, else its class's. */
export const fanOutScaleOf = (model: CostModel, cls: QueryClass) => model.statement?.fanOutScale ?? model.fanOutScales[cls];
/** The same for a split by a column's values: its statement's own for such splits, else its class's fan-out factor. */
export const valueSplitScaleOf = (model: CostModel, cls: QueryClass) => model.statement?.valueSplitScale ?? model.fanOutScales[cls];

/**
 * Measured on the benchmark machine: simple scans ran at 0.0014–0.0016 ms per cost unit (the
 * lowest, so complex queries are under- rather than over-estimated and fan out less eagerly; the
 * API replaces it with the database's own once it has measured it: `msPerCostOf` in the engine);
 * 2, 4 and 8 fragments of COUNT(DISTINCT) over 10M rows differed by 1.4 µs per partial row; a
 * one-page query forced into 4 fragments cost 14–36 ms more than run directly (the benchmark's
 * dispatch overhead; 26 ms in run 6), where the API's own part of that (HTTP, planning, the record)
 * is about 8 ms, which running as written pays too.
 */
export const DEFAULT_COST_MODEL: CostModel = {
  msPerCost: 0.0015,
  fragmentScanFactor: 1.3,
  fanOutMs: 20,
  partialRowMs: 0.0014,
  minGain: 0.8,
  costScales: { scan: 1, grouped: 1, distinct: 1, rows: 1, other: 1 },
  fanOutScales: { scan: 1, grouped: 1, distinct: 1, rows: 1, other: 1 },
  databaseParallelism: null,
  parallelStartMs: null,
  parallelWorkerStartMs: null,
  fragmentMs: null,
};

/** What EXPLAIN says of the query as the user wrote it. */
export interface QueryEstimate {
  /** The top plan node's total cost: of the plan PostgreSQL will run, parallel or not. */
  totalCost: number;
  /** Rows the scan of the table yields after its filter (the input of grouping and sorting). */
  scannedRows: number;
  /** Parallel workers PostgreSQL's plan has (a Gather's); absent or 0 for a serial plan. */
  parallelWorkers?: number;
  /**
   * For a parallel plan, the total cost of the same query planned without parallel workers.
   * Fragments never run in parallel (a TID range scan cannot), so they divide this, not the
   * parallel plan's cost, which already counts its workers' share: dividing that again made
   * fanning out look twice as fast as it was.
   */
  serialCost?: number;
  /**
   * For a parallel plan, per participant, the cost of the work its workers and leader divide
   * among themselves: below its Gathers, less the page reads of its scans, which PostgreSQL charges
   * each participant whole. Unknown (undefined), the shortfall is inferred from `serialCost`.
   */
  dividedCost?: number;
  /**
   * The cost of the serial plan's scan of the table (its page reads and its filter): what each
   * fragment split by a column's values reads whole (`predictValueSplitMs`). Unknown, such a split
   * is never predicted to pay.
   */
  scanCost?: number;
}

/** What the query costs run serially: what fragments divide among themselves. */
const serialCostOf = (estimate: QueryEstimate) => estimate.serialCost ?? estimate.totalCost;

/** PostgreSQL's estimate of distinct values when it has no statistics (DEFAULT_NUM_DISTINCT). */
const DEFAULT_DISTINCT = 200;
/** cpu_operator_cost, per comparison of a sort. */
const COMPARISON_COST = 0.0025;

export interface Prediction {
  /** Fragments that minimise the predicted time; null to run the query as written. */
  partitions: number | null;
  /** Predicted milliseconds as written, and with the chosen (or requested) fragments. */
  asWrittenMs: number;
  /** Of `asWrittenMs`, what does not follow the estimate (a parallel plan's workers' start-up). */
  asWrittenFixedMs: number;
  /** Running as written (chosen, or as a fallback) means PostgreSQL's serial plan, predicted faster than its parallel one. */
  serialPlan: boolean;
  fanOutMs: number | null;
  /** Whose learned scale predicted the side chosen, and learns from its time: a rewrite run as written is `grouped`. */
  queryClass: QueryClass;
  reason: string;
  /** The fragments split by ranges of this column's values (`predictValueSplitMs`), not by pages. */
  splitBy?: string;
  /** Of `fanOutMs`, the fixed and partial-row costs of the split chosen (the wait left out); absent when it runs as written. */
  fanOutFixedMs?: number;
  /** Run as written once, where the model would fan out, to learn the statement's time as written (`exploresAsWritten`). */
  explores?: boolean;
}

/** Distinct values of an expression: a column's `n_distinct` (negative: a fraction of the rows), else PostgreSQL's default. */
function distinctValues(expr: Expr, facts: CatalogFacts): number {
  return (expr.kind === 'column' ? statisticsDistinct(facts, expr.name) : null) ?? DEFAULT_DISTINCT;
}

/** An integer literal, as a float: for estimates of row counts only, never for SQL. */
function literalCount(expr: Expr | null): number | null {
  return expr?.kind === 'literal' && /^\d+$/.test(expr.sql) ? Number(expr.sql) : null;
}

/** LIMIT + OFFSET as a count, when LIMIT is a plain integer; null otherwise. */
function topCount(shape: Shape): number | null {
  const limit = literalCount(shape.query.limit);
  return limit === null ? null : limit + (literalCount(shape.query.offset) ?? 0);
}

/** Rows each of `k` fragments returns: groups (keys and DISTINCT arguments), top-N rows, or matching rows. */
export function partialRowsPerFragment(shape: Shape, estimate: QueryEstimate, k: number): number {
  const perFragmentInput = Math.max(1, estimate.scannedRows / k);
  if (shape.kind === 'rows') {
    const top = topCount(shape);
    return top === null ? perFragmentInput : Math.min(perFragmentInput, top);
  }
  const keys = [...shape.keys, ...shape.distinctArgs];
  if (keys.length === 0) return 1;
  const groups = keys.reduce((product, key) => product * distinctValues(key, shape.facts), 1);
  return Math.min(groups, perFragmentInput);
}

/** Groups a GROUP BY forms: its keys' distinct values multiplied, at most the rows scanned. */
function groupsOf(shape: GroupedShape, estimate: QueryEstimate): number {
  return Math.min(
    shape.keys.reduce((product, key) => product * distinctValues(key, shape.facts), 1),
    Math.max(1, estimate.scannedRows),
  );
}

/** The sort PostgreSQL runs for each DISTINCT aggregate, which its estimate omits. */
function distinctSortCost(shape: Shape, estimate: QueryEstimate): number {
  if (shape.kind !== 'grouped') return 0;
  const sorts = shape.aggregates.filter((a) => a.distinct).length;
  const n = Math.max(2, estimate.scannedRows);
  return sorts * n * Math.log2(n) * 2 * COMPARISON_COST;
}

/** Running as written: predicted milliseconds, and whether without PostgreSQL's parallel workers. */
export interface AsWrittenPrediction {
  ms: number;
  /** Of `ms`, what does not follow the estimate: a parallel plan's workers' start-up. */
  fixedMs: number;
  /** The serial plan is predicted faster than PostgreSQL's parallel one (whose workers' start-up its estimate leaves out). */
  serialPlan: boolean;
}

/** Milliseconds a parallel plan with `workers` takes to start them, once measured. */
export function parallelStartupMs(workers: number, model: CostModel): number | null {
  if (model.parallelStartMs === null) return null;
  return model.parallelStartMs + Math.max(0, workers - 1) * (model.parallelWorkerStartMs ?? 0);
}

/** Participants PostgreSQL divides a parallel plan's CPU among: its workers and the leader, counted as 1 − 0.3 per worker (`get_parallel_divisor` in costsize.c). */
export function parallelDivisor(workers: number): number {
  return workers + Math.max(0, 1 - 0.3 * workers);
}

/**
 * What a parallel plan takes beyond its cost, in cost units, where the database runs fewer
 * sessions at full speed than the plan counts on. PostgreSQL costs the work it divides as if its
 * participants (2.4 for 2 workers) all ran at once; it runs at min(d, p), not d. A 2-core server
 * runs about 2 sessions; without this a scale learned from parallel plans made serial plans look
 * slower than they are, and on 1M rows queries ran in parallel plans 1.1–1.8× slower than serial
 * ones. Scaling the whole cost instead wrongly ran COUNT(*) on 10M rows serially.
 *
 * The divided work is the estimate's `dividedCost` where planning found it. Without it, it is
 * inferred from the difference to the serial plan, (serial − parallel) × d ÷ (d − 1), which
 * holds for a scan (its CPU divided, its page reads not) but misses what only the parallel plan
 * does: the partial aggregates, the sorts and the merge of a high-cardinality GROUP BY on 1M rows,
 * which made its parallel plan look 9% cheaper than the serial one, where it ran 14–49% slower.
 */
export function parallelShortfallCost(workers: number, estimate: QueryEstimate, model: CostModel): number {
  const divisor = parallelDivisor(workers);
  const fullSpeed = Math.min(divisor, Math.max(1, model.databaseParallelism ?? divisor));
  if (divisor <= 1 || fullSpeed >= divisor) return 0;
  if (estimate.dividedCost !== undefined) return estimate.dividedCost * (divisor / fullSpeed - 1);
  const divided = (Math.max(0, serialCostOf(estimate) - estimate.totalCost) * divisor) / (divisor - 1);
  return divided * (1 / fullSpeed - 1 / divisor);
}

/**
 * PostgreSQL's plan as it will run it; for a parallel plan, once the workers' start-up is
 * measured, the faster of that plan (at the speed the database gives it, with its start-up) and
 * the serial plan.
 * @param extraCost what the estimate leaves out, on both plans (the sorts behind DISTINCT aggregates).
 */
function asWritten(scale: number, extraCost: number, estimate: QueryEstimate, model: CostModel): AsWrittenPrediction {
  const msOf = (cost: number) => scale * model.msPerCost * (cost + extraCost);
  const workers = estimate.parallelWorkers ?? 0;
  const startMs = parallelStartupMs(workers, model);
  if (!workers || estimate.serialCost === undefined || startMs === null) return { ms: msOf(estimate.totalCost), fixedMs: 0, serialPlan: false };
  const parallel = msOf(estimate.totalCost + parallelShortfallCost(workers, estimate, model)) + startMs;
  const serial = msOf(estimate.serialCost);
  return serial <= parallel ? { ms: serial, fixedMs: 0, serialPlan: true } : { ms: parallel, fixedMs: startMs, serialPlan: false };
}

export function predictAsWrittenPlan(shape: Shape, estimate: QueryEstimate, model: CostModel = DEFAULT_COST_MODEL): AsWrittenPrediction {
  return asWritten(costScaleOf(model, queryClass(shape)), distinctSortCost(shape, estimate), estimate, model);
}

/** Running as written, and the class whose scale predicts it. */
export interface AsWrittenSide extends AsWrittenPrediction {
  queryClass: QueryClass;
}

/**
 * What running the query as written means: the user's text, or, where the engine found one that
 * PostgreSQL estimates cheaper, the expert's rewrite (`rewrite`, its estimate), which then runs
 * instead. The rewrite (count over SELECT DISTINCT) is a hashed grouping with no DISTINCT
 * aggregate: predicted, and taught, as a grouped query — its time is not count(DISTINCT)'s.
 * @param shape null for a query the planner cannot shape: PostgreSQL's estimate alone predicts it.
 */
export function predictAsWrittenSide(
  shape: Shape | null,
  estimate: QueryEstimate,
  model: CostModel = DEFAULT_COST_MODEL,
  rewrite?: QueryEstimate,
): AsWrittenSide {
  if (rewrite) return { ...asWritten(costScaleOf(model, 'grouped'), 0, rewrite, model), queryClass: 'grouped' };
  if (!shape) return { ...asWritten(costScaleOf(model, 'other'), 0, estimate, model), queryClass: 'other' };
  return { ...predictAsWrittenPlan(shape, estimate, model), queryClass: queryClass(shape) };
}

export function predictFanOutMs(shape: Shape, estimate: QueryEstimate, k: number, parallelism: number, model: CostModel = DEFAULT_COST_MODEL): number {
  const cls = queryClass(shape);
  return fanOutFixedMs(shape, estimate, k, model) + fanOutScanMs(fanOutScaleOf(model, cls) * costScaleOf(model, cls), estimate, k, parallelism, model);
}

/** The part of a fan-out prediction that does not follow PostgreSQL's estimate: fixed cost and partial rows. */
export function fanOutFixedMs(shape: Shape, estimate: QueryEstimate, k: number, model: CostModel = DEFAULT_COST_MODEL): number {
  return model.fanOutMs + model.partialRowMs * k * partialRowsPerFragment(shape, estimate, k);
}

/** k fragments in waves of `slots`; each wave runs at the speed of at most `databaseParallelism` sessions. */
function fanOutScanMs(scale: number, estimate: QueryEstimate, k: number, slots: number, model: CostModel): number {
  const atOnce = Math.min(k, Math.max(1, slots));
  const waves = Math.ceil(k / atOnce);
  const fullSpeed = Math.max(1, Math.min(atOnce, model.databaseParallelism ?? atOnce));
  // Each fragment does 1/k of the work; a wave of `atOnce` runs atOnce ÷ fullSpeed times slower.
  return (scale * model.msPerCost * serialCostOf(estimate) * model.fragmentScanFactor * waves * atOnce) / (k * fullSpeed);
}

/**
 * Rows each of `k` fragments split by a column's values (value-split.ts) returns: one for an
 * ungrouped COUNT(DISTINCT); for a GROUP BY its share of the groups, or its own top N where the
 * query's ORDER BY and LIMIT can be pushed down (decompose.ts; whether its outputs' types allow it
 * is known only from the probe, after this is predicted).
 */
export function valueSplitPartialRows(shape: Shape, estimate: QueryEstimate, k: number): number {
  if (shape.kind !== 'grouped' || shape.keys.length === 0) return 1;
  const share = Math.max(1, groupsOf(shape, estimate) / k);
  const top = shape.query.orderBy.length > 0 && !shape.query.having && !shape.query.distinct ? topCount(shape) : null;
  return top === null ? share : Math.min(share, top);
}

/**
 * k fragments split by a column's values (value-split.ts): each reads the whole table
 * (`scanCost`) and does 1/k of the rest, the sorts behind DISTINCT aggregates included, and
 * returns its own top N, or one count; in waves of `slots`, each at the speed of at most
 * `databaseParallelism` sessions. Null without the scan's cost.
 */
export function predictValueSplitMs(
  shape: Shape,
  estimate: QueryEstimate,
  k: number,
  slots: number,
  model: CostModel = DEFAULT_COST_MODEL,
): { ms: number; fixedMs: number } | null {
  if (estimate.scanCost === undefined) return null;
  const cls = queryClass(shape);
  const scale = valueSplitScaleOf(model, cls) * costScaleOf(model, cls);
  const whole = serialCostOf(estimate) + distinctSortCost(shape, estimate);
  const scan = Math.min(estimate.scanCost, whole);
  const perFragment = scan + (whole - scan) / k;
  const atOnce = Math.min(k, Math.max(1, slots));
  const waves = Math.ceil(k / atOnce);
  const fullSpeed = Math.max(1, Math.min(atOnce, model.databaseParallelism ?? atOnce));
  const fixedMs = model.fanOutMs + model.partialRowMs * k * valueSplitPartialRows(shape, estimate, k);
  return { ms: fixedMs + (scale * model.msPerCost * perFragment * waves * atOnce) / fullSpeed, fixedMs };
}

/** Which learned factors each side of a finished query teaches. */
export const TAUGHT_BY = { 'as-written': 'costScales', 'fan-out': 'fanOutScales' } as const;
export type LearnedFactors = (typeof TAUGHT_BY)[keyof typeof TAUGHT_BY];

/** A finished query: how long it was predicted to take, and took; `fixedMs` of the prediction did not follow the estimate. */
export interface Observation {
  queryClass: QueryClass;
  /** Run as written (teaches `costScales`) or fanned out (teaches `fanOutScales`). */
  side: keyof typeof TAUGHT_BY;
  predictedMs: number;
  actualMs: number;
  /** 0 for a query run as written; the fixed fan-out and partial-row costs for a fanned-out one. */
  fixedMs: number;
  /** A fan-out split by a column's values: its statement's `valueSplitScale` learns, not its `fanOutScale`. */
  splitByValues?: boolean;
  /**
   * The factor this side teaches as the prediction used it (`PlanPrediction.factors`), which may
   * be older than the model's now: a plan reused from the plan cache keeps its prediction.
   * Absent: the model's current factor.
   */
  factorUsed?: number;
}

/** Below this much estimate-driven prediction, fixed costs and timer resolution dominate: such queries teach nothing. */
export const MIN_LEARNING_MS = 20;
const clamp = (n: number, [least, most]: readonly [number, number]) => Math.min(most, Math.max(least, n));

/** Each observation moves the scale this far toward what it saw. */
const LEARNING_RATE = 0.2;
/**
 * What one observation may claim, as actual ÷ predicted: a 48 ms COUNT(*) that stalled to 190 ms
 * (run 7), 5.6× its prediction, moved the scale ×1.9 and sent later 1M-row scans the slow way. Bounded, one stall
 * moves it at most ×1.2 and the next few ordinary queries take it back; a real change still
 * arrives, a step at a time.
 */
const RATIO_BOUNDS = [0.5, 2] as const;
const SCALE_BOUNDS = [0.25, 8] as const;

/**
 * The model after one observation: the factor its side teaches (`costScales` as written,
 * `fanOutScales` fanned out) moves a step, for its class, toward what the run implies of it: the
 * factor the prediction used times (actual − fixed) ÷ (predicted − fixed), the part of the time
 * the estimate drives. Toward that, not by that ratio from wherever the factor now is: runs of one
 * cached plan share one prediction, and a query repeated within the plan cache's life, each run
 * 3× its prediction, compounded ×1.2 a run and took its class's scale to its bound (8) in 15 runs,
 * after which every query of the class looked 8× slower as written than it was. Each ratio is
 * bounded (`RATIO_BOUNDS`), so is the factor, and queries too small to tell teach nothing.
 */
export function learn(model: CostModel, observation: Observation): CostModel {
  const lesson = lessonOf(model, observation);
  if (lesson === null) return model;
  const { factors, queryClass: cls } = lesson;
  const current = model[factors][cls];
  const next = current + LEARNING_RATE * (lesson.implied - current);
  return { ...model, [factors]: { ...model[factors], [cls]: clamp(next, SCALE_BOUNDS) } };
}

/**
 * What a run says of the factor its side teaches: which factors, the factor its prediction used
 * (the class's now, when the observation does not say), and what the run implies of it — that
 * times (actual − fixed) ÷ (predicted − fixed), the ratio bounded. Null for a run too small to tell.
 */
function lessonOf(model: CostModel, observation: Observation): { factors: LearnedFactors; queryClass: QueryClass; used: number; implied: number } | null {
  const { queryClass: cls, predictedMs, actualMs, fixedMs, factorUsed } = observation;
  const predicted = predictedMs - fixedMs;
  const actual = actualMs - fixedMs;
  if (!(predicted >= MIN_LEARNING_MS) || !(actual > 0) || !QUERY_CLASSES.includes(cls)) return null;
  const factors = TAUGHT_BY[observation.side];
  const used = factorUsed !== undefined && factorUsed > 0 ? factorUsed : model[factors][cls];
  return { factors, queryClass: cls, used, implied: used * clamp(actual / predicted, RATIO_BOUNDS) };
}

/** A statement's own factor that a run teaches: the one for its side, and for a fan-out its kind of split. */
function statementFactorOf(observation: Observation): (typeof STATEMENT_FACTORS)[number] {
  return observation.side === 'as-written' ? 'costScale' : fanOutFactorFor(observation.splitByValues === true);
}
/** A statement's own factor moves this far toward what each of its runs implies: its own runs are the best evidence of it. */
const STATEMENT_LEARNING_RATE = 0.5;

/**
 * What one finished run teaches: its statement's own factor for its side moves half-way toward
 * what the run implies (starting from the factor its prediction used), and its class's factor
 * learns (`learn`) only from a statement's first run on that side. A statement repeated all day
 * then teaches its class as much as one run once: 165 runs of one filtered COUNT(*) that took 2.5×
 * its prediction took the class's scale to 2.2, and with it the prediction of every other
 * COUNT(*), though ClickBench's ran at 0.8× theirs.
 */
export function learnStatement(model: CostModel, statement: StatementFactors, observation: Observation): { model: CostModel; statement: StatementFactors } {
  const lesson = lessonOf(model, observation);
  if (lesson === null) return { model, statement };
  const own = statementFactorOf(observation);
  const current = statement[own] ?? lesson.used;
  const next = clamp(current + STATEMENT_LEARNING_RATE * (lesson.implied - current), SCALE_BOUNDS);
  // Its fan-outs are predicted by costScale × their factor, and what they took taught that product:
  // a run as written moves costScale alone, so their factors move the other way, and the
  // fan-outs' prediction stays what they showed. Else a statement whose fan-outs ran first put the
  // database's slowness in their factor, and counted it twice once its runs as written taught it
  // again: a GROUP BY whose fan-outs ran faster than its runs as written then ran as written.
  const fanOutFactors: Partial<StatementFactors> = {};
  if (own === 'costScale') {
    for (const factor of FAN_OUT_FACTORS) {
      const learned = statement[factor];
      if (learned !== undefined) fanOutFactors[factor] = clamp((learned * current) / next, SCALE_BOUNDS);
    }
  }
  return { model: statement[own] === undefined ? learn(model, observation) : model, statement: { ...statement, [own]: next, ...fanOutFactors } };
}

/** What a finished fan-out shows of the costs that do not follow PostgreSQL's estimate. */
export interface FinishedFanOut {
  /**
   * From the query's start to its first fragment's start, plus from its last fragment's end to
   * the combine's end: the snapshot, the flow, the hops to and from the queue, and the combine.
   * Waves and contention among the fragments fall inside their window, which the scan part of
   * the prediction covers. Absent when it also holds a wait behind other queries' fragments.
   */
  outsideFragmentsMs?: number;
  /** Partial rows the fragments returned, which the combine took in (`partialRowMs` each). */
  partialRows: number;
  /** Its fragments' mean time on a worker. */
  meanFragmentMs: number;
}

/** What the fixed cost may learn to: no fan-out costs nothing, and none should cost more than a second. */
const FAN_OUT_MS_BOUNDS = [2, 1000] as const;
/** A fragment's mean time: from a one-page fragment to one that takes ten minutes. */
const FRAGMENT_MS_BOUNDS = [0.1, 600_000] as const;

/**
 * The model after one finished fan-out. `fanOutMs` moves a step toward what it spent outside its
 * fragments less its partial rows' cost, bounded like the scales (`RATIO_BOUNDS`), so one stalled
 * hop moves it ×1.2 at most; `fragmentMs` moves a step toward its fragments' mean time, unbounded
 * (fragments of different queries differ by orders of magnitude, and it only times a queue).
 * Nonsense (a negative time, from clocks of different machines) teaches nothing.
 */
export function learnFromFanOut(model: CostModel, observation: FinishedFanOut): CostModel {
  let next = model;
  const fixed = (observation.outsideFragmentsMs ?? NaN) - model.partialRowMs * observation.partialRows;
  if (fixed > 0 && Number.isFinite(fixed) && model.fanOutMs > 0) {
    const ratio = clamp(fixed / model.fanOutMs, RATIO_BOUNDS);
    next = { ...next, fanOutMs: clamp(model.fanOutMs * (1 + LEARNING_RATE * (ratio - 1)), FAN_OUT_MS_BOUNDS) };
  }
  const fragment = observation.meanFragmentMs;
  if (fragment > 0 && Number.isFinite(fragment)) {
    const before = model.fragmentMs ?? fragment;
    next = { ...next, fragmentMs: clamp(before + LEARNING_RATE * (fragment - before), FRAGMENT_MS_BOUNDS) };
  }
  return next;
}

/**
 * How long a new fan-out waits for worker slots behind `backlog` fragments queued or running:
 * their work, at the learned mean fragment time, spread over every slot. Zero with no backlog,
 * or before a fragment time is learned. A fan-out that pays even after it still queues, so an
 * autoscaler watching the queue sees the demand.
 */
export function queueWaitMs(backlog: number, slots: number, model: CostModel = DEFAULT_COST_MODEL): number {
  if (model.fragmentMs === null || !(backlog > 0)) return 0;
  return (Math.floor(backlog) * model.fragmentMs) / Math.max(1, slots);
}

const ms = (n: number) => (n < 10 ? n.toFixed(1) : n.toFixed(0));

/** How a reason tells of a wait for worker slots, if any. */
const waiting = (waitMs: number) => (waitMs > 0 ? ` (${ms(waitMs)} ms of it waiting for worker slots)` : '');

/** "as written" (or "rewritten", run as the expert's rewrite), and how PostgreSQL will run it when that is in parallel, or why not. */
function asWrittenLabel(how: 'as written' | 'rewritten', estimate: QueryEstimate, side: AsWrittenPrediction, model: CostModel): string {
  const workers = estimate.parallelWorkers ?? 0;
  if (side.serialPlan) return `${how} without parallel workers (they take ${ms(parallelStartupMs(workers, model) ?? 0)} ms to start)`;
  return workers > 0 ? `${how} (PostgreSQL's parallel plan, ${workers} worker${workers === 1 ? '' : 's'})` : how;
}

/** How much slower than its fan-out a statement's run as written may be predicted and still be tried once (`exploresAsWritten`). */
export const EXPLORE_WITHIN = 1.5;

/**
 * Whether a statement the model would fan out runs as written once instead, to learn its time
 * that way. Only the side that runs teaches, so a prediction as written that is too slow never
 * corrects itself: ClickBench's `COUNT(*)` was predicted at 106 ms as written, ran in 52 ms in
 * PostgreSQL, and fanned out in every round at 78 ms. Tried once per statement (`explored`), when
 * its fan-outs of the chosen kind have taught their time and its runs as written never have, and
 * as written is predicted within `EXPLORE_WITHIN` of the fan-out and long enough to teach. The try
 * costs at most that much on one run, at PostgreSQL's own speed.
 */
export function exploresAsWritten(model: CostModel, asWritten: AsWrittenPrediction, fanOutMs: number, splitByValues: boolean): boolean {
  const statement = model.statement;
  if (!statement || statement.explored || statement.costScale !== undefined) return false;
  if (statement[fanOutFactorFor(splitByValues)] === undefined) return false;
  return asWritten.ms - asWritten.fixedMs >= MIN_LEARNING_MS && asWritten.ms <= EXPLORE_WITHIN * fanOutMs;
}

/**
 * Chooses the fragment count for automatic partitioning: the k in 2..maxPartitions with the
 * lowest predicted time, if that beats running as written — the user's text, or the expert's
 * rewrite where there is one (`rewrite`, its estimate) — by the model's margin. Fragments split
 * by pages, or, given a `valueSplit` column, by ranges of its values where that is predicted faster.
 * A statement whose runs as written have never taught the model may run so once instead (`exploresAsWritten`).
 * @param parallelism fragments that can run at once (worker slots).
 * @param waitMs how long a fan-out would wait for those slots first (`queueWaitMs`).
 */
export function chooseFanOut(
  shape: Shape,
  estimate: QueryEstimate,
  parallelism: number,
  maxPartitions: number,
  model: CostModel = DEFAULT_COST_MODEL,
  waitMs = 0,
  rewrite?: QueryEstimate,
  valueSplit: string | null = null,
): Prediction {
  const side = predictAsWrittenSide(shape, estimate, model, rewrite);
  const { ms: asWrittenMs, fixedMs: asWrittenFixedMs, serialPlan } = side;
  const runAsWritten = { partitions: null, asWrittenMs, asWrittenFixedMs, serialPlan, queryClass: side.queryClass };
  const label = rewrite ? asWrittenLabel('rewritten', rewrite, side, model) : asWrittenLabel('as written', estimate, side, model);
  if (parallelism < 2) return { ...runAsWritten, fanOutMs: null, reason: `only ${parallelism} fragment can run at a time` };
  let best: { k: number; ms: number; fixedMs: number; splitBy?: string } = { k: 2, ms: Infinity, fixedMs: 0 };
  for (let k = 2; k <= Math.max(2, Math.min(maxPartitions, 2 * parallelism)); k++) {
    const byPages = waitMs + predictFanOutMs(shape, estimate, k, parallelism, model);
    if (byPages < best.ms) best = { k, ms: byPages, fixedMs: fanOutFixedMs(shape, estimate, k, model) };
    const byValues = valueSplit === null ? null : predictValueSplitMs(shape, estimate, k, parallelism, model);
    if (valueSplit !== null && byValues && waitMs + byValues.ms < best.ms)
      best = { k, ms: waitMs + byValues.ms, fixedMs: byValues.fixedMs, splitBy: valueSplit };
  }
  const fragments = `${best.k} fragments${best.splitBy ? ` split by ${best.splitBy}'s values` : ''}${waiting(waitMs)}`;
  if (best.ms > model.minGain * asWrittenMs) {
    return {
      ...runAsWritten,
      fanOutMs: best.ms,
      reason: `predicted ${ms(asWrittenMs)} ms ${label}, ${ms(best.ms)} ms in ${fragments}: splitting would not pay`,
    };
  }
  if (exploresAsWritten(model, side, best.ms, best.splitBy !== undefined)) {
    return {
      ...runAsWritten,
      fanOutMs: best.ms,
      explores: true,
      reason: `predicted ${ms(best.ms)} ms in ${fragments}, ${ms(asWrittenMs)} ms ${label}: run once this way to learn its time, which only its fan-outs have shown so far`,
    };
  }
  return {
    ...runAsWritten,
    partitions: best.k,
    queryClass: queryClass(shape),
    fanOutMs: best.ms,
    reason: `predicted ${ms(best.ms)} ms in ${fragments}, ${ms(asWrittenMs)} ms ${label}`,
    fanOutFixedMs: best.fixedMs,
    ...(best.splitBy ? { splitBy: best.splitBy } : {}),
  };
}
