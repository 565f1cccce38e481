/**
 * Query records in `pgfan.queries`. Every state change is a compare-and-set on the status (and
 * the generation), so a late worker, a cancelled query or a query that started over can never
 * overwrite a newer outcome.
 */
import type { Cut, ErrorRecord, FragmentProgress, JsonValue, PlanRecord, QueryPage, QueryStatus, QuerySummary, QueryView, ResultSet } from '@pgfan/contracts';
import type { Pool, PoolClient } from 'pg';
import { loadSql } from './sql-files';

export type Db = Pool | PoolClient;

const SQL = {
  insertQuery: loadSql('insert-query'),
  getQuery: loadSql('get-query'),
  queryClient: loadSql('query-client'),
  queryWork: loadSql('query-work'),
  queryStatus: loadSql('query-status'),
  listQueries: loadSql('list-queries'),
  beginGeneration: loadSql('begin-generation'),
  markCombining: loadSql('mark-combining'),
  finishQuery: loadSql('finish-query'),
  cancelQuery: loadSql('cancel-query'),
  failOverdue: loadSql('fail-overdue'),
  apiRuns: loadSql('api-runs'),
  purgeCutoff: loadSql('purge-cutoff'),
  purgeHistory: loadSql('purge-history'),
  historySize: loadSql('history-size'),
  vacuumHistory: loadSql('vacuum-history'),
  resultPages: loadSql('result-pages'),
};

export interface NewQuery {
  id: string;
  sql: string;
  partitionsRequested: number | null;
  timeoutMs: number;
  plan: PlanRecord;
  /** The planner's plan, opaque here; the workers execute it. */
  planInternal: unknown;
  planMs: number;
  fragments: FragmentProgress[];
  /** Past RESULT_MAX_BYTES, keep only the first rows rather than fail (the request's `preview`). @defaultValue false */
  previewOnly?: boolean;
}

interface QueryRow {
  id: string;
  sql: string;
  status: QueryStatus;
  generation: number;
  partitions_requested: number | null;
  timeout_ms: number;
  deadline: Date;
  plan: PlanRecord | null;
  fragments: FragmentProgress[];
  result: ResultSet | null;
  error: ErrorRecord | null;
  submitted_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  plan_ms: number;
  execute_ms: number | null;
  combine_ms: number | null;
  coordinator: string | null;
  row_count?: number | null;
}

function since(later: Date | null, earlier: Date | null): number | null {
  return later && earlier ? later.getTime() - earlier.getTime() : null;
}

function toSummary(row: QueryRow): QuerySummary {
  return {
    id: row.id,
    sql: row.sql,
    status: row.status,
    plan: row.plan,
    fragments: row.fragments,
    error: row.error,
    timings: {
      submittedAt: row.submitted_at.toISOString(),
      startedAt: row.started_at?.toISOString() ?? null,
      finishedAt: row.finished_at?.toISOString() ?? null,
      queueMs: since(row.started_at, row.submitted_at),
      planMs: row.plan_ms,
      executeMs: row.execute_ms,
      combineMs: row.combine_ms,
      totalMs: since(row.finished_at, row.submitted_at),
    },
    partitionsRequested: row.partitions_requested,
    timeoutMs: row.timeout_ms,
    generation: row.generation,
    coordinator: row.coordinator,
    rowCount: row.row_count ?? null,
  };
}

/** Caps on unfinished (queued, running or combining) queries; 0 means no cap. */
export interface AdmissionLimits {
  /** All clients together. */
  maxActive: number;
  /** One client (`client`). */
  maxActivePerClient: number;
}

export type Admission = { admitted: true } | { admitted: false; limit: 'active' | 'client'; active: number; clientActive: number };

export interface InsertOptions {
  /** The query is already running its generation 1 under this coordinator (the API running it itself: one write instead of two). */
  runner?: string;
  /** Who submitted it. */
  client?: string | null;
  limits?: AdmissionLimits;
}

/**
 * Records a planned query as queued (or running, with `runner`) if the limits admit it. Counting
 * and inserting are one statement, so admission costs no extra round trip; concurrent
 * submissions may overshoot a cap by as many as arrive in the same instant.
 */
export async function insertQuery(db: Db, q: NewQuery, options: InsertOptions = {}): Promise<Admission> {
  const limits = options.limits ?? { maxActive: 0, maxActivePerClient: 0 };
  const [plan, planInternal, fragments] = [q.plan, q.planInternal, q.fragments].map((value) => JSON.stringify(value)) as [string, string, string];
  const result = await db.query<{ active: string; client_active: string; inserted: string }>({
    // Named, so each connection parses and plans it once: two statements on every query's path.
    name: 'pgfan-insert-query',
    text: SQL.insertQuery,
    values: [
      q.id,
      q.sql,
      q.partitionsRequested,
      q.timeoutMs,
      plan,
      planInternal,
      fragments,
      q.planMs,
      options.runner ?? null,
      options.client ?? null,
      limits.maxActive,
      limits.maxActivePerClient,
      [q.sql, plan, planInternal, fragments].reduce((bytes, text) => bytes + Buffer.byteLength(text), 0),
      q.previewOnly ?? false,
    ],
  });
  const row = result.rows[0] as { active: string; client_active: string; inserted: string };
  if (row.inserted === '1') return { admitted: true };
  const active = Number(row.active);
  const clientActive = Number(row.client_active);
  return { admitted: false, limit: limits.maxActive > 0 && active >= limits.maxActive ? 'active' : 'client', active, clientActive };
}

/**
 * Whose queries a caller may see: `undefined` for everyone's (an admin, or no keys at all), or
 * one client's (an API key's name).
 */
export type Owner = string | undefined;

/** The full record of a query, with its result, or null if there is none (of `owner`'s, when given). */
export async function getQuery(db: Db, id: string, owner?: Owner): Promise<QueryView | null> {
  // Named: every waiting client reads it once its query ends.
  const result = await db.query<QueryRow>({ name: 'pgfan-get-query', text: SQL.getQuery, values: [id, owner ?? null] });
  const row = result.rows[0];
  return row ? toView(row) : null;
}

function toView(row: QueryRow): QueryView {
  const { rowCount: _, ...summary } = toSummary(row);
  return { ...summary, result: row.result };
}

/** Who submitted a query (an API key's name, null without keys), or undefined if there is no such query. */
export async function queryClient(db: Db, id: string): Promise<string | null | undefined> {
  const result = await db.query<{ client: string | null }>(SQL.queryClient, [id]);
  return result.rows[0]?.client;
}

/**
 * Where a query stands, or null if there is no such query: for whoever waits for its end, which
 * needs neither its plan nor its result.
 */
export async function queryStatus(db: Db, id: string): Promise<{ status: QueryStatus; generation: number } | null> {
  const result = await db.query<{ status: QueryStatus; generation: number }>(SQL.queryStatus, [id]);
  return result.rows[0] ?? null;
}

/** What a worker needs to run a query. */
export interface QueryWork {
  status: QueryStatus;
  generation: number;
  planInternal: unknown;
  deadline: Date;
  timeoutMs: number;
  startedAt: Date | null;
  /** Past RESULT_MAX_BYTES, keep only the first rows rather than fail. */
  previewOnly: boolean;
}

interface WorkRow {
  status: QueryStatus;
  generation: number;
  plan_internal: unknown;
  deadline: Date;
  timeout_ms: number;
  started_at: Date | null;
  preview_only: boolean;
}

function toWork(row: WorkRow): QueryWork {
  return {
    status: row.status,
    generation: row.generation,
    planInternal: row.plan_internal,
    deadline: row.deadline,
    timeoutMs: row.timeout_ms,
    startedAt: row.started_at,
    previewOnly: row.preview_only,
  };
}

export async function getQueryWork(db: Db, id: string): Promise<QueryWork | null> {
  const result = await db.query<WorkRow>(SQL.queryWork, [id]);
  const row = result.rows[0];
  return row ? toWork(row) : null;
}

export interface ListOptions {
  limit: number;
  status?: QueryStatus;
  /** Only this client's queries. */
  owner?: Owner;
  /** From a previous page's `nextCursor`. */
  cursor?: string;
}

/** Encodes the position after `row` in newest-first order. */
function cursorAfter(row: QueryRow): string {
  return Buffer.from(JSON.stringify([row.submitted_at.toISOString(), row.id])).toString('base64url');
}

/** @throws RangeError for a cursor this function did not produce. */
export function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      !Number.isNaN(Date.parse(value[0])) &&
      typeof value[1] === 'string' &&
      /^[0-9a-f-]{36}$/.test(value[1])
    ) {
      return [value[0], value[1]];
    }
  } catch {
    // fall through
  }
  throw new RangeError('the cursor is not one this server returned');
}

/** Newest first, without result rows. */
export async function listQueries(db: Db, options: ListOptions): Promise<QueryPage> {
  const [submittedAt, id] = options.cursor ? decodeCursor(options.cursor) : [null, null];
  const result = await db.query<QueryRow>(SQL.listQueries, [options.owner ?? null, options.status ?? null, submittedAt, id, options.limit + 1]);
  const rows = result.rows.slice(0, options.limit);
  const last = rows[rows.length - 1];
  return { queries: rows.map(toSummary), nextCursor: result.rows.length > options.limit && last ? cursorAfter(last) : null };
}

/**
 * Starts generation `from + 1` of a queued or running query: the compare-and-set that decides
 * who runs it (or starts it over). Returns what the new generation runs (in the same round
 * trip), or null if someone else started it, or the query has finished.
 */
export async function beginGeneration(db: Db, id: string, from: number, coordinator: string): Promise<QueryWork | null> {
  const result = await db.query<WorkRow>(SQL.beginGeneration, [id, from, coordinator]);
  const row = result.rows[0];
  return row ? toWork(row) : null;
}

/** Moves a running generation to `combining`; false if it is no longer current. */
export async function markCombining(db: Db, id: string, generation: number): Promise<boolean> {
  // Already combining: a retried combine job (its first attempt lost the database midway).
  const result = await db.query(SQL.markCombining, [id, generation]);
  return result.rowCount === 1;
}

export interface Outcome {
  status: 'completed' | 'failed';
  result?: ResultSet | null;
  error?: ErrorRecord | null;
  fragments?: FragmentProgress[];
  combineSql?: string | null;
  executeMs?: number | null;
  combineMs?: number | null;
  /** Where the query read the database (the plan's `cut`), when the primary has replicas. */
  cut?: Cut | null;
  /** Every row of a result larger than its preview, in pages (see `toStoredResult`). */
  pages?: JsonValue[][][] | null;
}

/**
 * Finishes the current generation of an unfinished query, returning the finished record. Null
 * when it had already finished (cancelled, timed out) or started over: the outcome is then
 * discarded.
 * @param generation null to finish whatever generation is current (timeouts, coordinator failures).
 */
export async function finishQuery(db: Db, id: string, generation: number | null, outcome: Outcome): Promise<QueryView | null> {
  const result = outcome.result === undefined || outcome.result === null ? null : JSON.stringify(outcome.result);
  const error = outcome.error ? JSON.stringify(outcome.error) : null;
  const pages = outcome.pages ? JSON.stringify(outcome.pages) : null;
  const finished = await db.query<QueryRow>({
    name: 'pgfan-finish-query',
    // The result goes to its own table, in the same statement (one round trip); the record keeps
    // its row count and grows by the result's size. Named: every query's path runs it.
    text: SQL.finishQuery,
    values: [
      id,
      generation,
      outcome.status,
      result,
      error,
      outcome.fragments ? JSON.stringify(outcome.fragments) : null,
      outcome.combineSql ?? null,
      outcome.executeMs ?? null,
      outcome.combineMs ?? null,
      outcome.result?.rowCount ?? null,
      [result, error, outcome.combineSql, pages].reduce((bytes, text) => bytes + (text ? Buffer.byteLength(text) : 0), 0),
      outcome.cut ? JSON.stringify(outcome.cut) : null,
      pages,
    ],
  });
  const row = finished.rows[0];
  // The result is the caller's own: not sent back over the wire.
  return row ? toView({ ...row, result: outcome.result ?? null }) : null;
}

/**
 * Rows `offset` to `offset + limit` of a query's stored result pages (of `pageRows` rows each),
 * in order; fewer at its end.
 */
export async function resultRows(db: Db, id: string, offset: number, limit: number, pageRows: number): Promise<JsonValue[][]> {
  const first = Math.floor(offset / pageRows);
  const last = Math.floor((offset + limit - 1) / pageRows);
  const result = await db.query<{ page: number; rows: JsonValue[][] }>(SQL.resultPages, [id, first, last]);
  return result.rows.flatMap((p) => p.rows).slice(offset - first * pageRows, offset - first * pageRows + limit);
}

/** Cancels an unfinished query (of `owner`'s, when given: another client's is 'missing'). */
export async function cancelQuery(db: Db, id: string, owner?: Owner): Promise<'cancelled' | 'finished' | 'missing'> {
  // One round trip: whether it was cancelled, and whether it is there at all.
  const result = await db.query<{ outcome: 'cancelled' | 'finished' }>(SQL.cancelQuery, [id, owner ?? null]);
  return result.rows[0]?.outcome ?? 'missing';
}

/** Fails unfinished queries whose deadline passed more than `graceMs` ago. */
export async function failOverdue(db: Db, graceMs: number): Promise<{ id: string; error: ErrorRecord; totalMs: number }[]> {
  const result = await db.query<{ id: string; error: ErrorRecord; total_ms: number }>(SQL.failOverdue, [graceMs]);
  return result.rows.map((r) => ({ id: r.id, error: r.error, totalMs: r.total_ms }));
}

/** Generations the API runs as written (its own statement, no job behind them) that started over `graceMs` ago. */
export async function apiRunsPastGrace(db: Db, graceMs: number): Promise<{ id: string; generation: number }[]> {
  return (await db.query<{ id: string; generation: number }>(SQL.apiRuns, [graceMs])).rows;
}

/** Records deleted in one statement: a long history goes a batch at a time, with no long lock. */
const PURGE_BATCH = 1000;

/** How much history to keep; 0 (or omitted) sets no bound of that kind. */
export interface Retention {
  /** Finished records submitted longer ago than this go. */
  maxAgeMs?: number;
  /** Past this many bytes in all (records and results, as JSON text), the oldest finished records go. */
  maxBytes?: number;
}

/**
 * Deletes the records of finished queries (and their results) past the retention, oldest first, a
 * batch at a time, and returns how many it deleted. Unfinished ones stay (the reaper ends them
 * first) and count toward the bytes; rows another process is deleting are skipped, so every
 * worker may run it.
 */
export async function purgeHistory(db: Db, retention: Retention, batch = PURGE_BATCH): Promise<number> {
  // The newest record the byte bound leaves out: it and every older one go. Found once, with
  // one pass over the history; the batches then go by index.
  const cutoff =
    (retention.maxBytes ?? 0) > 0
      ? // As text: a Date would drop the microseconds, and the cutoff itself would stay.
        (await db.query<{ submitted_at: string; id: string }>(SQL.purgeCutoff, [retention.maxBytes])).rows[0]
      : undefined;
  let deleted = 0;
  for (;;) {
    const result = await db.query(SQL.purgeHistory, [retention.maxAgeMs ?? 0, cutoff?.submitted_at ?? null, cutoff?.id ?? null, batch]);
    deleted += result.rowCount ?? 0;
    if ((result.rowCount ?? 0) < batch) return deleted;
  }
}

/** What the history holds: records, and their bytes (records and results, as JSON text). */
export async function historySize(db: Db): Promise<{ records: number; bytes: number }> {
  const { rows } = await db.query<{ records: string; bytes: string }>(SQL.historySize);
  return { records: Number(rows[0]?.records), bytes: Number(rows[0]?.bytes) };
}

/**
 * Vacuums the history where autovacuum is off, so that the space of purged records is used
 * again rather than the table growing regardless; true if it did. Where another session is
 * vacuuming a table already, it is skipped.
 */
export async function vacuumHistoryIfNeeded(db: Db): Promise<boolean> {
  const { rows } = await db.query<{ on: boolean }>("SELECT current_setting('autovacuum') = 'on' AS on");
  if (rows[0]?.on) return false;
  await db.query(SQL.vacuumHistory);
  return true;
}
