/**
 * A generation's fragments combined and the query recorded completed — shared by the workers'
 * combine job and by the API, which combines a fan-out it coordinates for a waiting client as soon
 * as every fragment's end has carried its rows (dispatch/carried.ts), without the combine job's
 * hop. The combine job stays the authority for everything else: failed fragments, a lost
 * snapshot, partials that cannot combine exactly, spilled or stored ones.
 */
import type { Cut, FragmentOutput, FragmentProgress, QueryView } from '@pgfan/contracts';
import { runCombine, toStoredResult, type KeptPartials, type StoredResult, type TypeNames } from '@pgfan/engine';
import type { Observation, Plan } from '@pgfan/planner';
import type { Pool } from 'pg';
import { fanOutObservation, recordFanOut } from './cost-model';
import { concludeQuery, type ConcludeContext, type ConcludeOptions } from './conclude';
import { metrics } from './metrics';

/** What combining touches beside ending the query. */
export interface CombineContext extends ConcludeContext {
  queryPool: Pool;
  typeNames: TypeNames;
  resultMaxRows: number;
  resultMaxBytes: number;
}

/** The combine's SQL and its result, as the record keeps it. */
export type Combined = StoredResult & { sql: string };

/**
 * Runs the plan's combine over the fragments' outputs, in fragment order (or over the rows they
 * kept in the store), and converts its result as the record keeps it.
 * @throws InexactSplitError when the partial rows cannot be combined exactly; a QueryFailedError when the combine fails.
 */
export async function combineOutputs(
  ctx: CombineContext,
  plan: Plan,
  ordered: readonly FragmentOutput[],
  options: { kept?: KeptPartials; previewOnly: boolean },
): Promise<Combined> {
  const { sql, result } = await runCombine(
    ctx.queryPool,
    plan.combine as NonNullable<Plan['combine']>,
    ordered.map((o) => ({ fields: o.fields, rows: o.rows ?? [] })),
    ctx.typeNames,
    options.kept,
    ctx.resultMaxBytes,
  );
  const limits = { maxRows: ctx.resultMaxRows, maxBytes: ctx.resultMaxBytes, previewOnly: options.previewOnly };
  return { sql, ...(await toStoredResult(ctx.queryPool, result, ctx.typeNames, limits)) };
}

/** The fragments as the record keeps them once every one is done. */
export function doneFragments(plan: Plan, ordered: readonly FragmentOutput[]): FragmentProgress[] {
  return plan.fragments.map((f, i): FragmentProgress => {
    const o = ordered[i] as FragmentOutput;
    return {
      index: f.index,
      range: f.range,
      state: 'done',
      rows: o.rowCount,
      ms: o.ms,
      attempts: o.attempts,
      worker: o.worker,
      ...(o.server ? { server: o.server } : {}),
    };
  });
}

export interface CombinedRun {
  queryId: string;
  generation: number;
  /** When the generation started (its record's `startedAt`), if it did. */
  startedAt: number | null;
  /** When the combine started. */
  combineStarted: number;
  /** Which attempt at the combine this is (1: the first). */
  combineAttempts: number;
  /** Where every fragment read, for the record. */
  cut: Cut | null;
  /** Who combines: the API coordinating the fan-out, or a combine job (`pgfan_combines_total`). */
  by: 'api' | 'combine-job';
}

/**
 * Records the generation completed with `combined`, then teaches the cost model what the fan-out
 * cost (in the background). Returns the finished record, or null when the generation had already ended or been
 * replaced (nothing is then recorded or learned).
 */
export async function concludeCombined(
  ctx: ConcludeContext,
  run: CombinedRun,
  plan: Plan,
  ordered: readonly FragmentOutput[],
  combined: Combined,
  options: ConcludeOptions = {},
): Promise<QueryView | null> {
  const combineMs = Date.now() - run.combineStarted;
  const executeMs = run.startedAt === null ? null : run.combineStarted - run.startedAt;
  const { sql, resultSet, pages } = combined;
  const recorded = await concludeQuery(
    ctx,
    run.queryId,
    run.generation,
    { status: 'completed', result: resultSet, pages, fragments: doneFragments(plan, ordered), combineSql: sql, executeMs, combineMs, cut: run.cut },
    options,
  );
  if (!recorded) return null;
  metrics.combines.inc({ by: run.by });
  const { prediction } = plan;
  // Only the model's own choices teach its scan; every fan-out, chosen or requested, shows what
  // one costs outside its fragments and how long its fragments take.
  const scanned: Observation | null =
    prediction?.automatic && prediction.fanOutMs !== null && executeMs !== null
      ? {
          queryClass: prediction.queryClass,
          side: 'fan-out',
          predictedMs: prediction.fanOutMs,
          actualMs: executeMs + combineMs,
          fixedMs: prediction.fanOutFixedMs ?? 0,
          ...(prediction.factors ? { factorUsed: prediction.factors.fanOutScale } : {}),
          ...(prediction.splitByValues ? { splitByValues: true } : {}),
        }
      : null;
  const finished = fanOutObservation(ordered, {
    executeMs,
    combineMs,
    generation: run.generation,
    combineAttempts: run.combineAttempts,
    plannedBehind: (prediction?.backlog ?? 0) > 0,
  });
  // After the answer is on its way, as a query run as written teaches it (conclude.ts).
  if (scanned || finished) setImmediate(() => void recordFanOut(ctx.redis, plan.sql, finished, scanned).catch(() => undefined));
  return recorded;
}
