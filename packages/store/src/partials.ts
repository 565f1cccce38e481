/**
 * Partial rows too large to pass through Redis, kept in `pgfan.partial_rows` until the combine
 * has read them.
 */
import type { Db } from './queries';

/**
 * The function the combine reads spilled rows through (migration 0005): it runs as the query
 * role, which cannot read schema pgfan, and gets only rows whose spill token it gives.
 */
export const PARTIAL_ROWS = { schema: 'pgfan_spill', function: 'partial_rows' } as const;

export interface PartialKey {
  queryId: string;
  generation: number;
  fragment: number;
  /** The generation's spill token: the combine reads the rows back with it. */
  token: string;
}

/** Appends rows (each an array of text values) for one fragment. */
export async function writePartialRows(db: Db, key: PartialKey, rows: (string | null)[][]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO pgfan.partial_rows (query_id, generation, fragment, token, vals)
     SELECT $1, $2, $3, $4, r FROM jsonb_array_elements($5::jsonb) AS r`,
    [key.queryId, key.generation, key.fragment, key.token, JSON.stringify(rows)],
  );
}

/** Removes one fragment's spilled rows (before a retry writes them again), or all of a query's. */
export async function clearPartialRows(db: Db, queryId: string, fragment?: number): Promise<void> {
  if (fragment === undefined) await db.query('DELETE FROM pgfan.partial_rows WHERE query_id = $1', [queryId]);
  else await db.query('DELETE FROM pgfan.partial_rows WHERE query_id = $1 AND fragment = $2', [queryId, fragment]);
}
