/**
 * Answering a statement from a fan-out, for the PostgreSQL port: what the session asked for
 * (`SET pgfan.partitions`, `pgfan.servers`), its parameters written in as typed constants, the
 * submit service's outcome turned into rows in the formats the client asked for, an error, or
 * 'forward' (the session runs it as written, where PostgreSQL gives its own answer).
 */
import { MAX_REQUEST_SERVERS, type JsonValue } from '@pgfan/contracts';
import { RESULT_PAGE_ROWS, toPostgresText } from '@pgfan/engine';
import { bindParameters } from '@pgfan/planner';
import { resultRows } from '@pgfan/store';
import type { Logger } from '@pgfan/runtime';
import type { Caller } from '../auth';
import type { ApiContext } from '../context';
import { ServiceError } from '../errors';
import { cancel, submit } from '../submit';
import { fromBinary, toBinary } from './binary';
import * as pg from './messages';
import type { Requested } from './settings';

/** SQLSTATEs of the submit service's refusals a protocol client hears as errors. */
const REFUSALS: Record<string, string> = {
  // A pgfan.* setting that asks for more than there is.
  BAD_REQUEST: '22023',
  RATE_LIMITED: '53400',
  TOO_MANY_QUERIES: '53400',
  OVERLOADED: '53000',
};

/** What to do with a fanned-out query's outcome. */
export type Answer = { rows: Buffer[]; tag: string } | { error: pg.ErrorFields } | 'forward';

/** The fanned-out query a session waits for, to cancel. */
export interface RunningQuery {
  /** Its id once admitted. */
  id: string | null;
  abort: AbortController;
  /** A CancelRequest came before it was admitted: it is cancelled the moment it is. */
  cancelRequested?: boolean;
}

/** What a cancelled statement answers, as PostgreSQL words it. */
export const CANCELLED: Answer = { error: { severity: 'ERROR', code: '57014', message: 'canceling statement due to user request' } };

/** What the session asked for with `SET pgfan.partitions` and `SET pgfan.servers`, as REST's `partitions` and `servers`. */
export function requestedFanOut(requested: Requested, maxPartitions: number): { partitions?: number; servers?: number } | { error: pg.ErrorFields } {
  const request: { partitions?: number; servers?: number } = {};
  for (const [name, max] of [
    ['partitions', maxPartitions],
    ['servers', MAX_REQUEST_SERVERS],
  ] as const) {
    const value = requested[name];
    if (value === null || value === '' || value === 'auto') continue;
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
      return { error: { severity: 'ERROR', code: '22023', message: `pgfan.${name} must be a whole number from 1 to ${max}, or auto (it is ${value})` } };
    }
    request[name] = Number(value);
  }
  return request;
}

/**
 * `sql` with its parameters' values written in as constants of their types (`oids`, as the
 * statement's ParameterDescription gives them); null if a type is not known.
 */
export async function withValues(api: ApiContext, sql: string, parameters: pg.Bind['parameters'], oids: number[]): Promise<string | null> {
  if (oids.length !== parameters.length) return null;
  // Sent in binary (pgjdbc's numbers), a value is read back into text by its type.
  const values = parameters.map(({ value, format }, i) => (value === null ? null : format === 0 ? value.toString('utf8') : fromBinary(value, oids[i] ?? 0)));
  if (values.includes(undefined)) return null;
  const { typeNames, queryPool } = api;
  const names = await typeNames.of(
    queryPool,
    oids.map((dataTypeID) => ({ dataTypeID, dataTypeModifier: -1 })),
  );
  return names.includes('unknown') ? null : bindParameters(sql, values as (string | null)[], names);
}

/**
 * Runs `sql` through the submit service, fanned out or as an expert's rewrite, or not at all
 * ('forward': the session runs the text itself), within the session's
 * statement_timeout (MAX_TIMEOUT_MS without one), as `caller`.
 */
export async function fanOut(
  api: ApiContext,
  statement: {
    sql: string;
    columns: { type: number; format: number }[];
    caller: Caller;
    statementTimeoutMs: number;
    request: { partitions?: number; servers?: number };
    running: RunningQuery;
    log: Logger;
  },
): Promise<Answer> {
  const { sql, columns, caller, statementTimeoutMs, request, running, log } = statement;
  const { env } = api;
  const timeoutMs = Math.min(statementTimeoutMs > 0 ? statementTimeoutMs : env.MAX_TIMEOUT_MS, env.MAX_TIMEOUT_MS);
  try {
    const outcome = await submit(api, {
      sql,
      ...request,
      timeoutMs,
      waitMs: timeoutMs + 5_000,
      caller,
      log,
      signal: running.abort.signal,
      declineAsWritten: true,
      onAdmitted: (id) => {
        running.id = id;
        if (running.cancelRequested) void cancel(api, id, undefined).catch(() => undefined);
      },
    });
    if ('declined' in outcome || !outcome.finished) return 'forward';
    const { record } = outcome;
    if (record.status === 'cancelled') return CANCELLED;
    if (record.status === 'completed' && record.result && (!record.result.truncated || record.result.stored === true)) {
      // Past the record's preview, the rest is in the result's pages.
      const all = record.result.truncated ? await resultRows(api.storePool, record.id, 0, record.result.rowCount, RESULT_PAGE_ROWS) : record.result.rows;
      const rows = dataRows(all, columns);
      // A value binary cannot carry here: the session sends PostgreSQL's own.
      return rows ? { rows, tag: `SELECT ${record.result.rowCount}` } : 'forward';
    }
    if (record.error?.code === 'TIMEOUT') return { error: { severity: 'ERROR', code: '57014', message: 'canceling statement due to statement timeout' } };
    // Failed: run as written, where PostgreSQL gives its own error (or, past RESULT_MAX_BYTES, every row).
    return 'forward';
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    // Past a limit: refused as over REST. Anything else refused before it ran (a query the
    // planner cannot read, a queue that is down) the session runs as written.
    const sqlState = REFUSALS[error.code];
    return sqlState ? { error: { severity: 'ERROR', code: sqlState, message: error.message } } : 'forward';
  }
}

/** A record's rows as DataRows, each value in its column's format; null if one has no binary form here. */
export function dataRows(rows: JsonValue[][], columns: { type: number; format: number }[]): Buffer[] | null {
  const encoded: Buffer[] = [];
  for (const row of rows) {
    const values: (string | Buffer | null)[] = [];
    for (const [i, value] of row.entries()) {
      const { type = 0, format = 0 } = columns[i] ?? {};
      const text = toPostgresText(value, type);
      const bytes = text === null || format === 0 ? text : toBinary(text, type);
      if (bytes === undefined) return null;
      values.push(bytes);
    }
    encoded.push(pg.dataRow(values));
  }
  return encoded;
}
