/**
 * Connections that run users' queries. Every session is read-only and prints values the way
 * the query record promises (UTC timestamps, ISO dates, shortest exact floats); values come back
 * as PostgreSQL's own text, untouched by node-postgres' type parsers.
 */
import { Pool, type PoolClient, type QueryArrayConfig, type QueryArrayResult, type QueryConfig, type QueryResult, type Submittable } from 'pg';
import { CappedQuery, type CappedResult } from './capped-query';
import { RAW_TEXT } from './wire';

/** Anything that runs one query: a Pool, or a checked-out client. */
export interface Queryable {
  query(config: QueryArrayConfig): Promise<QueryArrayResult>;
  query(config: QueryConfig): Promise<QueryResult>;
}

/** Session settings for query connections; part of the result format, so not configurable. */
export const SESSION_SETTINGS: Record<string, string> = {
  TimeZone: 'UTC',
  DateStyle: 'ISO, MDY',
  IntervalStyle: 'postgres',
  extra_float_digits: '1',
  standard_conforming_strings: 'on',
  default_transaction_read_only: 'on',
  // JIT compiles every statement anew: per fragment, and for LIMIT 0 probes of big tables, the
  // compile time (often 50-200 ms) outweighs what it saves. Results do not depend on it.
  jit: 'off',
};

function sessionOptions(extra: Record<string, string>): string {
  return Object.entries({ ...SESSION_SETTINGS, ...extra })
    .map(([name, value]) => `-c ${name}=${value.replace(/([ \\])/g, '\\$1')}`)
    .join(' ');
}

export interface QueryPoolOptions {
  connectionString: string;
  /** Connections at most. @defaultValue 4 */
  max?: number;
  /** Shown in pg_stat_activity. @defaultValue 'pgfan' */
  applicationName?: string;
  /** Session statement_timeout in milliseconds; 0 disables. @defaultValue 0 */
  statementTimeoutMs?: number;
  /**
   * lock_timeout: how long a query waits for a lock (behind ALTER TABLE, VACUUM FULL, …) before
   * it fails rather than queueing everything behind it. @defaultValue 10000
   */
  lockTimeoutMs?: number;
  /** idle_in_transaction_session_timeout: frees a session its client forgot inside a transaction. @defaultValue 60000 */
  idleInTransactionTimeoutMs?: number;
  /** How long an unused connection stays open. @defaultValue 300000 */
  idleTimeoutMs?: number;
  /**
   * Sessions kept open however long unused (once opened): a pool that gives idle ones back soon
   * keeps those its steady work needs warm. @defaultValue 0
   */
  keepIdle?: number;
}

/**
 * Keeps a connection failure (a terminated backend, a restarted server) from crashing the
 * process: node-postgres emits 'error' on the client, and on the pool for idle clients, and an
 * 'error' event without a listener throws. The failure still rejects the query in flight.
 */
export function survivingConnectionErrors<T extends Pool>(pool: T): T {
  pool.on('error', () => undefined);
  pool.on('connect', (client) => void client.on('error', () => undefined));
  return pool;
}

export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;
export const DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;
/**
 * How long a pool keeps an idle session (node-postgres' default is 10 s): a new session costs
 * 17–20 ms here and plans its first queries on a cold catalog cache.
 */
export const IDLE_SESSION_MS = 300_000;

/** A pool of read-only connections for planning and running users' queries. */
export function createQueryPool(options: QueryPoolOptions): Pool {
  return survivingConnectionErrors(
    new Pool({
      connectionString: options.connectionString,
      max: options.max ?? 4,
      application_name: options.applicationName ?? 'pgfan',
      options: sessionOptions({
        statement_timeout: String(options.statementTimeoutMs ?? 0),
        lock_timeout: String(options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS),
        idle_in_transaction_session_timeout: String(options.idleInTransactionTimeoutMs ?? DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS),
      }),
      types: RAW_TEXT,
      idleTimeoutMillis: options.idleTimeoutMs ?? IDLE_SESSION_MS,
      // node-postgres closes idle sessions only while it has more than this.
      min: options.keepIdle ?? 0,
    }),
  );
}

/** Runs `work` with one client checked out of `pool`, always releasing it. */
export async function withClient<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}

/** Opens every transaction users' SQL runs in. */
export const BEGIN_READ_ONLY = 'BEGIN READ ONLY';

/**
 * How every transaction users' SQL ran in ends. Read-only, it has nothing to commit, and a
 * rollback also undoes every setting its statements changed, session-level ones included
 * (`set_config(…, false)`, `SET` inside a function). Session advisory locks, which a rollback
 * keeps, are released after it. So nothing a statement did is left for the session's next user.
 */
export const END_USER_TRANSACTION: readonly string[] = ['ROLLBACK', 'SELECT pg_advisory_unlock_all()'];

/** `SET LOCAL` statements for settings whose names and values are ours, never a user's. */
export function setLocal(settings: Record<string, string>): string[] {
  return Object.entries(settings).map(([name, value]) => `SET LOCAL ${name} = ${value}`);
}

/**
 * Ends a user's transaction in its own round trip, where the batch that opened it could not: after
 * a failure (the statements after the failing one were skipped, the transaction is aborted), or
 * around work of several statements. False when the session cannot even do that: it must then be
 * closed, never handed to anyone else.
 */
export async function endUserTransaction(client: PoolClient): Promise<boolean> {
  try {
    await client.query(END_USER_TRANSACTION.join('; '));
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `work` on one pooled session in a READ ONLY transaction with `settings` SET LOCAL, then
 * rolls it back, so the settings end with it. A session that cannot roll back may still hold them:
 * it is closed, never handed to another query. Names and values are ours, never a user's.
 */
export async function withLocalSettings<T>(pool: Pool, settings: Record<string, string>, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query([BEGIN_READ_ONLY, ...setLocal(settings)].join('; '));
    return await work(client);
  } finally {
    client.release(!(await endUserTransaction(client)));
  }
}

/**
 * Runs SQL that holds user text (their query, an EXPLAIN of it, a fragment or combine built from
 * it) in a read-only transaction of its own that ends as `END_USER_TRANSACTION` says, in one
 * round trip. Through the extended protocol, which runs one statement at most, so a statement
 * hidden after a `;` can never execute.
 * @param db a pool (a session is taken and given back) or a session the caller holds.
 * @param settings SET LOCAL for the transaction; names and values are ours.
 * @param keep how many rows, and bytes of their text, to keep (the rest are counted). @defaultValue all
 */
export async function queryUserSql(
  db: Pool | PoolClient,
  text: string,
  values: readonly (string | null)[] = [],
  settings: Record<string, string> = {},
  keep: { rows?: number; bytes?: number } = {},
): Promise<CappedResult> {
  const pooled = !('release' in db);
  const client = pooled ? await db.connect() : db;
  let broken = false;
  try {
    const query = new CappedQuery({
      text,
      values,
      keepRows: keep.rows ?? Infinity,
      ...(keep.bytes !== undefined ? { keepBytes: keep.bytes } : {}),
      before: [BEGIN_READ_ONLY, ...setLocal(settings)],
      after: END_USER_TRANSACTION,
    });
    client.query(query as unknown as Submittable);
    return await query.done;
  } catch (error) {
    broken = !(await endUserTransaction(client));
    throw error;
  } finally {
    if (pooled) client.release(broken);
  }
}
