/**
 * One snapshot per query: a coordinator transaction exports it, every fragment imports it, so
 * all fragments see the database as of one instant.
 */
import type { Pool, QueryResult } from 'pg';
import { readPosition, ServerBehindError } from './servers';

/** An exported snapshot, valid while its transaction stays open. */
export interface HeldSnapshot {
  id: string;
  /** With `atLeast`: the server's WAL position just before the snapshot, which sees everything committed before it. */
  position: bigint | null;
  /** Ends the exporting transaction; fragments can no longer import the snapshot. */
  release(): Promise<void>;
  /** Holds it for `holdMs` more from now, for another query that shares it. */
  extend(holdMs: number): Promise<void>;
  /** Resolves if the exporting session dies first (a database restart, a killed backend): the snapshot died with it. */
  readonly lost: Promise<void>;
}

const SNAPSHOT_ID = /^[0-9A-F]+-[0-9A-F]+-\d+$/i;

/**
 * Opens a REPEATABLE READ transaction and exports its snapshot. The transaction idles while
 * fragments run, so the session's idle_in_transaction_session_timeout is lifted to `holdMs`:
 * long enough for the query, and PostgreSQL still frees the snapshot if its holder is wedged.
 */
export async function exportSnapshot(pool: Pool, holdMs: number, options: { atLeast?: bigint } = {}): Promise<HeldSnapshot> {
  const client = await pool.connect();
  try {
    // A round trip of its own: a snapshot taken after it sees what was committed before it.
    const position = options.atLeast === undefined ? null : await readPosition(client, options.atLeast);
    // One round trip: a multi-statement simple query answers with one result per statement.
    const results = (await client.query(
      `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL idle_in_transaction_session_timeout = ${Math.max(1000, Math.ceil(holdMs))}; SELECT pg_export_snapshot() AS id`,
    )) as unknown as QueryResult<{ id: string }>[];
    const id = String(results[2]?.rows[0]?.id);
    let released = false;
    let markLost = () => {};
    const lost = new Promise<void>((resolve) => (markLost = resolve));
    const onGone = () => {
      if (!released) markLost();
    };
    client.once('error', onGone);
    client.once('end', onGone);
    return {
      id,
      position,
      lost,
      extend: async (holdMs: number) => {
        await client.query(`SET LOCAL idle_in_transaction_session_timeout = ${Math.max(1000, Math.ceil(holdMs))}`);
      },
      release: async () => {
        if (released) return;
        released = true;
        client.off('error', onGone);
        client.off('end', onGone);
        try {
          await client.query('COMMIT');
          client.release();
        } catch (error) {
          client.release(error as Error);
        }
      },
    };
  } catch (error) {
    // A server that is only behind keeps a healthy session.
    client.release(error instanceof ServerBehindError ? undefined : (error as Error));
    throw error;
  }
}

/** The snapshot a fragment was told to import no longer exists: its exporter is gone. */
export class SnapshotLostError extends Error {
  override readonly name = 'SnapshotLostError';
  readonly code = 'SNAPSHOT_LOST';
}

export interface FragmentSession {
  /** Snapshot to import, or null to take a fresh one. */
  snapshot: string | null;
  /** statement_timeout for the fragment, in milliseconds. */
  statementTimeoutMs: number;
  /** application_name, by which a cancel finds the session. */
  applicationName: string;
  /** Plan without parallel workers: the cost model predicted the serial plan faster. */
  serialPlan?: boolean;
}

/**
 * The statements that open a fragment's transaction, in order. Nothing user-supplied is in them;
 * the snapshot id and name are checked.
 */
export function transactionStatements(session: FragmentSession): string[] {
  if (session.snapshot !== null && !SNAPSHOT_ID.test(session.snapshot)) throw new Error(`not a snapshot id: ${session.snapshot}`);
  if (!/^[A-Za-z0-9:._-]{1,63}$/.test(session.applicationName)) throw new Error(`unusable application_name: ${session.applicationName}`);
  return [
    'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
    ...(session.snapshot !== null ? [`SET TRANSACTION SNAPSHOT '${session.snapshot}'`] : []),
    `SET LOCAL statement_timeout = ${Math.max(1, Math.ceil(session.statementTimeoutMs))}`,
    `SET LOCAL application_name = '${session.applicationName}'`,
    ...(session.serialPlan ? ['SET LOCAL max_parallel_workers_per_gather = 0'] : []),
  ];
}

/**
 * What a failure to open a fragment's transaction means: a SnapshotLostError when the snapshot it
 * was told to import is gone (its exporting transaction has ended), otherwise the error itself.
 */
export function openingFailure(error: unknown): unknown {
  const message = error instanceof Error ? error.message : '';
  const lost = /snapshot/i.test(message) && (error as { code?: string }).code === '22023';
  return lost ? new SnapshotLostError(`the query's snapshot is gone (${message})`) : error;
}
