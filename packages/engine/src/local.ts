/**
 * The in-process executor: plans against the database, runs the fragments concurrently on a
 * pool, then the combine, and returns the query record. No Redis involved; the workers run the
 * same `runFragment` and `runCombine`.
 */
import type { ErrorRecord, PlanRecord, QueryRecord } from '@pgfan/contracts';
import { asWrittenSql, QueryRejectedError, type CombineTemplate, type Plan, type PlanOptions } from '@pgfan/planner';
import type { Pool } from 'pg';
import { QueryFailedError } from './errors';
import { InexactSplitError, runCombine, runFragment, runSequential, toResultSet, type RawResult } from './execution';
import { planOnDatabase } from './planning';
import { TypeNames } from './type-names';
import { ServerBehindError } from './servers';

export interface LocalRunOptions extends PlanOptions {
  /** Keep at most this many result rows in the record (`truncated` tells). @defaultValue unlimited */
  maxRows?: number;
}

/** Plans and runs one query in this process. Never throws for problems with the query itself. */
export async function runLocal(pool: Pool, sql: string, options: LocalRunOptions = {}, typeNames = new TypeNames()): Promise<QueryRecord> {
  const started = performance.now();
  const timings = { totalMs: 0, planMs: 0, executeMs: 0, combineMs: 0 };
  let plan: Plan | null = null;
  let combineSql: string | null = null;
  const record = (rest: Pick<QueryRecord, 'status' | 'result' | 'error'>): QueryRecord => ({
    sql,
    ...rest,
    plan: plan && planRecord(plan, combineSql),
    timings: { ...timings, totalMs: performance.now() - started },
  });
  try {
    ({ plan } = await planOnDatabase(pool, sql, options, typeNames));
    timings.planMs = performance.now() - started;
    let raw: RawResult;
    const executing = performance.now();
    if (plan.combine === null) {
      raw = await runSequential(pool, asWrittenSql(plan));
      timings.executeMs = performance.now() - executing;
    } else {
      const { combine, fragments, sql: asWritten } = plan;
      try {
        const partials = await Promise.all(fragments.map((f) => runFragment(pool, f, fragments.length)));
        const combining = performance.now();
        timings.executeMs = combining - executing;
        const combined = await runCombine(pool, combine, partials, typeNames);
        combineSql = combined.sql;
        raw = combined.result;
        timings.combineMs = performance.now() - combining;
      } catch (error) {
        if (!mustRunAsWritten(combine, error)) throw error;
        raw = await runSequential(pool, asWritten);
        timings.executeMs = performance.now() - executing;
      }
    }
    return record({ status: 'completed', result: await toResultSet(pool, raw, typeNames, { maxRows: options.maxRows }), error: null });
  } catch (error) {
    return record({ status: 'failed', result: null, error: errorRecord(error) });
  }
}

/**
 * Whether a fan-out that failed with `error` must run as written instead: its float aggregates
 * came near an overflow (a fragment's raised it, or the combine's guard saw it could), where
 * whether PostgreSQL raises depends on the order of the rows. As written, PostgreSQL decides.
 */
export function mustRunAsWritten(combine: CombineTemplate, error: unknown): boolean {
  if (combine.floatGuards.length === 0) return false;
  return error instanceof InexactSplitError || (error instanceof QueryFailedError && error.sqlState === NUMERIC_VALUE_OUT_OF_RANGE);
}

/** SQLSTATE of a float (or other number) past its type's range: `value out of range: overflow`. */
export const NUMERIC_VALUE_OUT_OF_RANGE = '22003';

/** The record's view of a plan. */
const round = (ms: number) => Math.round(ms * 10) / 10;

export function planRecord(plan: Plan, combineSql: string | null): PlanRecord {
  return {
    mode: plan.mode,
    reason: plan.reason,
    partitions: plan.partitions,
    strategy: plan.strategy,
    table: plan.table,
    fragments: plan.fragments.map(({ index, sql, params, range }) => ({ index, sql, params, range })),
    combineSql,
    prediction: plan.prediction && {
      asWrittenMs: round(plan.prediction.asWrittenMs),
      fanOutMs: plan.prediction.fanOutMs === null ? null : round(plan.prediction.fanOutMs),
    },
  };
}

/** Any error as the record shows it; unexpected ones keep their message under `INTERNAL_ERROR`. */
export function errorRecord(error: unknown): ErrorRecord {
  if (error instanceof QueryRejectedError || error instanceof QueryFailedError) {
    return { code: error.code, message: error.message, ...(error.position ? { position: error.position } : {}) };
  }
  if (error instanceof ServerBehindError)
    return { code: 'UNAVAILABLE', message: `the replica the query was placed on restarted behind the primary: ${error.message}` };
  return { code: 'INTERNAL_ERROR', message: error instanceof Error ? error.message : String(error) };
}
