/** Ending a query: record the outcome (if it is still the one to record), stop leftovers, announce it. */
import { clearFragmentProgress, publishQueryEvent, stopQueryWork } from '@pgfan/dispatch';
import { finishQuery, type Outcome } from '@pgfan/store';
import type { WorkerContext } from './context';

/**
 * Records the outcome of `generation` (null: whichever is current). Returns false, and changes
 * nothing, when the query already finished or moved on to a newer generation.
 */
export async function concludeQuery(
  ctx: WorkerContext,
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

/** The error record for a failure message a fragment job left: `CODE: message`. */
export function parseFailure(reason: string): { code: string; message: string } {
  const match = /^([A-Z_]+): ([\s\S]*)$/.exec(reason);
  return match ? { code: match[1] as string, message: match[2] as string } : { code: 'QUERY_FAILED', message: reason };
}
