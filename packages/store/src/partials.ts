/**
 * Partial rows too large to pass through Redis, kept in `pgfan.partial_batches` (a batch of rows
 * to a row, as JSON text) until the combine has read them.
 */
import type { Db } from './queries';
import { loadSql } from './sql-files';

const SQL = { write: loadSql('write-partial-rows'), clear: loadSql('clear-partial-rows') };

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

/** Appends a batch of rows (each an array of text values) for one fragment, as one row. */
export async function writePartialRows(db: Db, key: PartialKey, rows: (string | null)[][]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(SQL.write, [key.queryId, key.generation, key.fragment, key.token, JSON.stringify(rows)]);
}

/** Removes one fragment's spilled rows (before a retry writes them again), or all of a query's. */
export async function clearPartialRows(db: Db, queryId: string, fragment?: number): Promise<void> {
  await db.query(SQL.clear, [queryId, fragment ?? null]);
}
