/**
 * Stops a query's outstanding work from any process: waiting fragments are removed from the
 * queue, running fragment statements are cancelled on PostgreSQL (found by application_name).
 * The record's status must already say why (cancelled, failed, timed out).
 */
import type { Pool } from 'pg';
import { jobIds, queryApplicationPattern } from './names';
import type { Queues } from './queues';

export async function stopQueryWork(queues: Queues, db: Pool, queryId: string, generation: number): Promise<void> {
  const parent = generation > 0 ? await queues.combine.getJob(jobIds.combine(queryId, generation)) : undefined;
  await Promise.all([
    parent?.removeUnprocessedChildren().catch(() => undefined),
    queues.coordinate.remove(jobIds.coordinate(queryId, generation + 1)).catch(() => undefined),
    cancelStatements(db, queryId),
  ]);
}

/**
 * Cancels the running statements of a query's fragments (of one generation, or all); returns
 * how many.
 */
export async function cancelStatements(db: Pool, queryId: string, generation?: number): Promise<number> {
  const result = await db.query('SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name LIKE $1 AND pid <> pg_backend_pid()', [
    queryApplicationPattern(queryId, generation),
  ]);
  return result.rowCount ?? 0;
}
