/**
 * Partial rows too large to pass through Redis, kept until the combine has read them: spilled, in
 * `pgfan.partial_batches` (a batch of rows to a row, as JSON text), or stored, in binary, in a
 * table of their own types per fragment (migration 0011).
 */
import type { Db } from './queries';
import { loadSql } from './sql-files';

const SQL = { write: loadSql('write-partial-rows'), clear: loadSql('clear-partial-rows'), createTable: loadSql('create-partial-table') };

/**
 * The function the combine reads spilled rows through (migration 0005): it runs as the query
 * role, which cannot read schema pgfan, and gets only rows whose spill token it gives.
 */
export const PARTIAL_ROWS = { schema: 'pgfan_spill', function: 'partial_rows' } as const;

/** The function the combine reads stored rows through, typed by its column list, with the same guard. */
export const STORED_PARTIAL_ROWS = { schema: 'pgfan_spill', function: 'partial_tuples' } as const;

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

/**
 * Creates the empty table one fragment's stored rows go to, typed as PostgreSQL described them,
 * replacing one an earlier attempt left; returns its name as COPY takes it.
 */
export async function createPartialTable(db: Db, key: PartialKey, fields: readonly { dataTypeID: number; dataTypeModifier: number }[]): Promise<string> {
  const types = fields.map((f) => f.dataTypeID);
  const modifiers = fields.map((f) => f.dataTypeModifier);
  const { rows } = await db.query<{ name: string }>(SQL.createTable, [key.queryId, key.generation, key.fragment, key.token, types, modifiers]);
  return (rows[0] as { name: string }).name;
}

/** Removes one fragment's spilled or stored rows (before a retry writes them again), or all of a query's. */
export async function clearPartialRows(db: Db, queryId: string, fragment?: number): Promise<void> {
  await db.query(SQL.clear, [queryId, fragment ?? null]);
}
