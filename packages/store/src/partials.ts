/**
 * Partial rows too large to pass through Redis, kept in `pgfan.partial_rows` until the combine
 * has read them.
 */
import type { Db } from './queries';

/** The relation the combine reads spilled rows from. */
export const PARTIAL_ROWS = { schema: 'pgfan', table: 'partial_rows' } as const;

export interface PartialKey {
  queryId: string;
  generation: number;
  fragment: number;
}

/** Appends rows (each an array of text values) for one fragment. */
export async function writePartialRows(db: Db, key: PartialKey, rows: (string | null)[][]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO pgfan.partial_rows (query_id, generation, fragment, vals)
     SELECT $1, $2, $3, r FROM jsonb_array_elements($4::jsonb) AS r`,
    [key.queryId, key.generation, key.fragment, JSON.stringify(rows)],
  );
}

/** Removes one fragment's spilled rows (before a retry writes them again), or all of a query's. */
export async function clearPartialRows(db: Db, queryId: string, fragment?: number): Promise<void> {
  if (fragment === undefined) await db.query('DELETE FROM pgfan.partial_rows WHERE query_id = $1', [queryId]);
  else await db.query('DELETE FROM pgfan.partial_rows WHERE query_id = $1 AND fragment = $2', [queryId, fragment]);
}
