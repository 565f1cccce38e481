/**
 * Stops a query's outstanding work from any process: waiting fragments are removed from the
 * queue, running fragment statements are cancelled on every database server they may run on
 * (the primary and its replicas; found by application_name).
 * The record's status must already say why (cancelled, failed, timed out).
 */
import type { Pool } from 'pg';
import { jobIds, queryApplicationPattern } from './names';
import type { Queues } from './queues';

export async function stopQueryWork(queues: Queues, servers: readonly Pool[], queryId: string, generation: number): Promise<void> {
  const parent = generation > 0 ? await queues.combine.getJob(jobIds.combine(queryId, generation)) : undefined;
  await Promise.all([
    parent?.removeUnprocessedChildren().catch(() => undefined),
    queues.coordinate.remove(jobIds.coordinate(queryId, generation + 1)).catch(() => undefined),
    cancelStatements(servers, queryId),
  ]);
}

/**
 * How many statements of a query's generation (or of all of them) run now, on every server; null
 * when a server cannot be reached (it may run one).
 */
export async function countStatements(servers: readonly Pool[], queryId: string, generation?: number): Promise<number | null> {
  const pattern = queryApplicationPattern(queryId, generation);
  const counts = await Promise.all(
    servers.map((db) =>
      db
        .query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name LIKE $1', [pattern])
        // As text: the query pools read every value so (engine's connection.ts).
        .then((result) => Number(result.rows[0]?.n ?? 0))
        .catch(() => null),
    ),
  );
  return counts.includes(null) ? null : (counts as number[]).reduce((a, b) => a + b, 0);
}

/**
 * Cancels the running statements of a query's fragments (of one generation, or all) on every
 * server; returns how many. A server that cannot be reached runs nothing to cancel.
 */
export async function cancelStatements(servers: readonly Pool[], queryId: string, generation?: number): Promise<number> {
  const pattern = queryApplicationPattern(queryId, generation);
  const counts = await Promise.all(
    servers.map((db) =>
      db
        .query('SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name LIKE $1 AND pid <> pg_backend_pid()', [pattern])
        .then((result) => result.rowCount ?? 0)
        .catch(() => 0),
    ),
  );
  return counts.reduce((a, b) => a + b, 0);
}
