/**
 * Ending a query, and running one as written — shared by the workers and by the API, which runs
 * small queries itself rather than through the queue.
 */
import { beginFragmentTransaction, errorRecord, runCapped, toResultSet, type TypeNames } from '@pgfan/engine';
import type { Plan } from '@pgfan/planner';
import { finishQuery, type Outcome } from '@pgfan/store';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { stopQueryWork } from './cancel';
import { recordObservation } from './cost-model';
import { publishQueryEvent } from './events';
import { fragmentApplicationName } from './names';
import { clearFragmentProgress } from './progress';
import type { Queues } from './queues';

/** What ending a query touches. */
export interface ConcludeContext {
  storePool: Pool;
  queryPool: Pool;
  redis: Redis;
  queues: Queues;
}

/**
 * Records the outcome of `generation` (null: whichever is current). Returns false, and changes
 * nothing, when the query already finished or moved on to a newer generation.
 */
export async function concludeQuery(
  ctx: ConcludeContext,
  queryId: string,
  generation: number | null,
  outcome: Outcome,
  stopGeneration?: number,
): Promise<boolean> {
  const recorded = await finishQuery(ctx.storePool, queryId, generation, outcome);
  if (!recorded) return false;
  if (outcome.status !== 'completed' && stopGeneration !== undefined) await stopQueryWork(ctx.queues, ctx.queryPool, queryId, stopGeneration);
  await clearFragmentProgress(ctx.redis, queryId).catch(() => undefined);
  await publishQueryEvent(
    ctx.redis,
    outcome.status === 'completed'
      ? { type: 'completed', id: queryId, rowCount: outcome.result?.rowCount ?? 0, totalMs: recorded.totalMs }
      : { type: 'failed', id: queryId, error: outcome.error ?? { code: 'QUERY_FAILED', message: 'the query failed' }, totalMs: recorded.totalMs },
  );
  return true;
}

export interface WholeQueryContext extends ConcludeContext {
  typeNames: TypeNames;
  /** Who runs it, as the record and the dashboard name it. */
  runner: string;
  resultMaxRows: number;
  resultMaxBytes: number;
}

/** Runs a sequential plan: the user's query as written, in one read-only transaction, and records how it ended. */
export async function runWholeQuery(ctx: WholeQueryContext, queryId: string, generation: number, plan: Plan, deadline: number): Promise<void> {
  const fragment = plan.fragments[0] as Plan['fragments'][number];
  const started = Date.now();
  const progress = { index: 0, range: null, attempts: 1, worker: ctx.runner };
  await publishQueryEvent(ctx.redis, { type: 'fragment-started', id: queryId, index: 0, worker: ctx.runner, attempt: 1 });
  const client = await ctx.queryPool.connect();
  try {
    await beginFragmentTransaction(client, {
      snapshot: null,
      statementTimeoutMs: deadline - started,
      applicationName: fragmentApplicationName(queryId, generation, 0),
    });
    const raw = await runCapped(client, fragment.sql, ctx.resultMaxRows);
    await client.query('COMMIT');
    client.release();
    const ms = Date.now() - started;
    await publishQueryEvent(ctx.redis, { type: 'fragment-done', id: queryId, index: 0, rows: raw.rowCount, ms, worker: ctx.runner, attempt: 1 });
    const result = await toResultSet(ctx.queryPool, raw, ctx.typeNames, { maxRows: ctx.resultMaxRows, maxBytes: ctx.resultMaxBytes });
    await concludeQuery(ctx, queryId, generation, {
      status: 'completed',
      result,
      fragments: [{ ...progress, state: 'done', rows: raw.rowCount, ms }],
      executeMs: ms,
      combineMs: 0,
    });
    // Not awaited: the API answering a query it ran itself need not wait for the model's bookkeeping.
    if (plan.prediction?.automatic) {
      void recordObservation(ctx.redis, { queryClass: plan.prediction.queryClass, predictedMs: plan.prediction.sequentialMs, actualMs: ms, fixedMs: 0 }).catch(
        () => undefined,
      );
    }
  } catch (error) {
    client.release(true);
    await concludeQuery(ctx, queryId, generation, {
      status: 'failed',
      error: errorRecord(error),
      fragments: [{ ...progress, state: 'failed', rows: null, ms: Date.now() - started }],
    });
  }
}
