/**
 * Runs a fragment on a worker: inside its snapshot transaction, reading the partial rows in
 * batches through a cursor. Small results stay in memory (and travel through Redis); past
 * `inlineRows` the rows are handed to `spill` batch by batch, so neither the worker nor Redis
 * ever holds a huge partial result.
 */
import type { FragmentPlan } from '@pgfan/planner';
import type { FieldDef, PoolClient, QueryResult, Submittable } from 'pg';
import Cursor from 'pg-cursor';
import { CappedQuery } from './capped-query';
import { RAW_TEXT } from './connection';
import { fromDatabaseError } from './errors';
import type { FieldType } from './execution';
import { beginFragmentTransaction, transactionStatements, type FragmentSession } from './snapshots';

type Row = (string | null)[];

export interface StreamOptions extends FragmentSession {
  /** Rows fetched per round trip. @defaultValue 5000 */
  batchRows?: number;
  /** At most this many rows are returned inline; beyond, all rows go to `spill`. */
  inlineRows: number;
  /** Stores a batch of rows elsewhere (PostgreSQL); called in order. */
  spill(rows: Row[]): Promise<void>;
  /** Told the number of rows read so far, after each batch. */
  onProgress?(rows: number): void;
}

export interface StreamedFragment {
  fields: FieldType[];
  /** The rows, or null when they were spilled. */
  rows: Row[] | null;
  rowCount: number;
}

/** What the combine and the result set need of a column: its name and exact type. */
function fieldTypes(fields: FieldDef[]): FieldType[] {
  return fields.map(({ name, dataTypeID, dataTypeModifier }) => ({ name, dataTypeID, dataTypeModifier }));
}

function readBatch(cursor: Cursor<Row>, count: number): Promise<{ rows: Row[]; fields: FieldType[] }> {
  return new Promise((resolve, reject) => {
    cursor.read(count, (error: Error | undefined, rows: Row[], result: QueryResult) =>
      error ? reject(error) : resolve({ rows, fields: fieldTypes(result.fields) }),
    );
  });
}

/**
 * @throws SnapshotLostError, QueryFailedError (with the fragment's SQLSTATE), or connection errors.
 */
export async function streamFragment(client: PoolClient, fragment: Pick<FragmentPlan, 'sql' | 'params'>, options: StreamOptions): Promise<StreamedFragment> {
  await beginFragmentTransaction(client, options);
  const batchRows = options.batchRows ?? 5000;
  let inline: Row[] | null = [];
  let rowCount = 0;
  let cursor: Cursor<Row> | undefined;
  let reading = false;
  const read = async (open: Cursor<Row>) => {
    reading = true;
    const batch = await readBatch(open, batchRows);
    reading = false;
    return batch;
  };
  try {
    cursor = client.query(new Cursor<Row>(fragment.sql, fragment.params, { rowMode: 'array', types: RAW_TEXT }));
    let batch = await read(cursor);
    const { fields } = batch;
    for (;;) {
      rowCount += batch.rows.length;
      if (inline !== null && rowCount > options.inlineRows) {
        await options.spill(inline);
        inline = null;
      }
      if (inline === null) await options.spill(batch.rows);
      else inline.push(...batch.rows);
      if (batch.rows.length < batchRows) break;
      options.onProgress?.(rowCount);
      batch = await read(cursor);
    }
    await cursor.close();
    await client.query('COMMIT');
    return { fields, rows: inline, rowCount };
  } catch (error) {
    // A failure between reads (in spill) leaves the cursor's portal open, holding the session:
    // close it, or the ROLLBACK queues behind it forever. A failed read has ended the cursor
    // already, and closing it then would wait on a connection that may be gone.
    if (cursor && !reading) void cursor.close().catch(() => undefined);
    await client.query('ROLLBACK').catch(() => undefined);
    throw fromDatabaseError(error);
  }
}

/**
 * Runs the user's query as written (a sequential plan) to completion in a read-only transaction
 * of its own, keeping only the first `keepRows` rows in memory while counting them all. One
 * Execute without a row limit, not a cursor, so that PostgreSQL may run its own parallel plan
 * (see `CappedQuery`). BEGIN, the query and COMMIT take one round trip, not three (1.2 ms of the
 * headline query's 13 ms here). A failure rolls the transaction back.
 * @throws QueryFailedError with positions in the user's SQL.
 */
export async function runAsWritten(
  client: PoolClient,
  session: Omit<FragmentSession, 'snapshot'>,
  sql: string,
  keepRows: number,
): Promise<StreamedFragment & { rows: Row[] }> {
  const begin = transactionStatements({ ...session, snapshot: null });
  try {
    const query = new CappedQuery(sql, keepRows, begin, ['COMMIT']);
    client.query(query as unknown as Submittable);
    const { fields, rows, rowCount } = await query.done;
    return { fields: fieldTypes(fields), rows, rowCount };
  } catch (error) {
    // PostgreSQL skipped the COMMIT; the transaction, if BEGIN ran, is aborted.
    await client.query('ROLLBACK').catch(() => undefined);
    throw fromDatabaseError(error, { sql, prefixLength: 0 });
  }
}
