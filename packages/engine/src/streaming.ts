/**
 * Runs a fragment on a worker: inside its snapshot transaction, reading the partial rows in
 * batches through a cursor. Small results stay in memory (and travel through Redis); past
 * `inlineRows` the rows are handed to `spill` batch by batch, so neither the worker nor Redis
 * ever holds a huge partial result.
 */
import type { FragmentPlan } from '@pgfan/planner';
import type { FieldDef, PoolClient, Submittable } from 'pg';
import { CappedQuery } from './capped-query';
import { END_USER_TRANSACTION, endUserTransaction } from './connection';
import { fromDatabaseError } from './errors';
import type { FieldType } from './execution';
import { FragmentCursor } from './fragment-cursor';
import { openingFailure, transactionStatements, type FragmentSession } from './snapshots';
import type { Row } from './wire';

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

/** A fragment's rows, read before its transaction has ended. */
export interface StreamedRows extends StreamedFragment {
  /**
   * Settles once the session has ended the fragment's transaction: give it back to its pool then,
   * or, if this rejects, destroy it (its end failed, and the next fragment must not inherit it).
   */
  ended: Promise<void>;
}

/**
 * Opens the fragment's transaction (importing the query's snapshot), reads its rows and ends it,
 * returning once the rows are read: in one round trip when they fit in one batch (see
 * `FragmentCursor`). The session is busy until `ended`.
 * @throws SnapshotLostError, QueryFailedError (with the fragment's SQLSTATE), or connection errors.
 */
export async function streamFragment(client: PoolClient, fragment: Pick<FragmentPlan, 'sql' | 'params'>, options: StreamOptions): Promise<StreamedRows> {
  const cursor = new FragmentCursor(fragment.sql, fragment.params, options.batchRows ?? 5000, transactionStatements(options), END_USER_TRANSACTION);
  client.query(cursor as unknown as Submittable);
  let inline: Row[] | null = [];
  let rowCount = 0;
  try {
    for (;;) {
      const batch = await cursor.read();
      rowCount += batch.rows.length;
      if (inline !== null && rowCount > options.inlineRows) {
        await options.spill(inline);
        inline = null;
      }
      if (inline === null) await options.spill(batch.rows);
      else inline.push(...batch.rows);
      if (batch.last) return { fields: fieldTypes(cursor.fields), rows: inline, rowCount, ended: cursor.ended };
      options.onProgress?.(rowCount);
    }
  } catch (error) {
    // A failure between reads (in spill) leaves the portal open, holding the session: close it,
    // or the ROLLBACK queues behind it forever.
    cursor.close();
    await endUserTransaction(client);
    throw fromDatabaseError(cursor.failedToOpen ? openingFailure(error) : error);
  }
}

/**
 * Runs the user's query as written to completion in a read-only transaction of its own (in a
 * given snapshot, for a fan-out that runs as written after all), keeping only the first `keepRows` rows in memory while counting them all. One
 * Execute without a row limit, not a cursor, so that PostgreSQL may run its own parallel plan
 * (see `CappedQuery`). BEGIN, the query and the transaction's end take one round trip, not three
 * (1.2 ms of the headline query's 13 ms here).
 * @throws QueryFailedError with positions in the user's SQL.
 */
export async function runAsWritten(
  client: PoolClient,
  session: Omit<FragmentSession, 'snapshot'> & { snapshot?: string | null },
  sql: string,
  keepRows: number,
  keepBytes?: number,
): Promise<StreamedFragment & { rows: Row[] }> {
  const begin = transactionStatements({ ...session, snapshot: session.snapshot ?? null });
  try {
    const query = new CappedQuery({ text: sql, keepRows, ...(keepBytes !== undefined ? { keepBytes } : {}), before: begin, after: END_USER_TRANSACTION });
    client.query(query as unknown as Submittable);
    const { fields, rows, rowCount } = await query.done;
    return { fields: fieldTypes(fields), rows, rowCount };
  } catch (error) {
    // PostgreSQL skipped the rest; the transaction, if BEGIN ran, is aborted.
    await endUserTransaction(client);
    throw fromDatabaseError(error, { sql, prefixLength: 0 });
  }
}
