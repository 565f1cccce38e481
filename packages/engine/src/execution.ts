/**
 * Runs the pieces of a plan. The same functions serve the in-process executor and the workers.
 */
import type { JsonValue, ResultSet } from '@pgfan/contracts';
import { callPartialRows, renderCombine, type CombineTemplate, type FragmentPlan, type PartialSource } from '@pgfan/planner';
import type { FieldDef, Pool, PoolClient } from 'pg';
import { queryUserSql, type Queryable } from './connection';
import { fromDatabaseError, QueryFailedError } from './errors';
import type { TypeNames } from './type-names';
import { toJsonValue } from './values';
import { textArrayLiteral } from './wire';

/** The type of one column as PostgreSQL reported it. */
export type FieldType = Pick<FieldDef, 'name' | 'dataTypeID' | 'dataTypeModifier'>;

/** Rows as PostgreSQL returned them (a fragment's partial rows, or a result), values still text. */
export interface RawResult {
  fields: FieldType[];
  rows: (string | null)[][];
  /** Every row the statement returned, when `rows` keeps fewer (a cap on bytes). */
  rowCount?: number;
}

function fieldTypes(fields: FieldDef[]): FieldType[] {
  return fields.map(({ name, dataTypeID, dataTypeModifier }) => ({ name, dataTypeID, dataTypeModifier }));
}

/**
 * Runs one fragment of a parallel plan (its SQL is the planner's, never the user's text).
 * @throws QueryFailedError naming the fragment.
 */
export async function runFragment(db: Pool | PoolClient, fragment: FragmentPlan, of: number): Promise<RawResult> {
  try {
    const result = await queryUserSql(db, fragment.sql, fragment.params);
    return { fields: fieldTypes(result.fields), rows: result.rows };
  } catch (error) {
    throw withContext(fromDatabaseError(error), `fragment ${fragment.index + 1} of ${of}`);
  }
}

/**
 * Runs the user's query as written (a sequential plan).
 * @throws QueryFailedError with positions in the user's SQL.
 */
export async function runSequential(db: Pool | PoolClient, sql: string): Promise<RawResult> {
  try {
    const result = await queryUserSql(db, sql);
    return { fields: fieldTypes(result.fields), rows: result.rows };
  } catch (error) {
    throw fromDatabaseError(error, { sql, prefixLength: 0 });
  }
}

/**
 * Where a combine reads partial rows besides the fragments' own (`RawResult.rows`): rows they
 * spilled as JSON, or, when every fragment stored its rows in binary, those alone.
 */
export type KeptPartials = Exclude<PartialSource, { kind: 'inline' }> & { queryId: string; generation: number; token: string };

/**
 * Combines every fragment's partial rows in PostgreSQL: the partial columns travel as one
 * `text[]` parameter each and are cast back to the types the fragments produced. With `kept`,
 * rows fragments wrote to PostgreSQL are read there too (stored: read there alone).
 */
export async function runCombine(
  db: Pool | PoolClient,
  combine: CombineTemplate,
  partials: RawResult[],
  typeNames: TypeNames,
  kept?: KeptPartials,
  keepBytes?: number,
): Promise<{ sql: string; result: RawResult }> {
  const [first] = partials;
  if (!first) throw new Error('a combine needs at least one fragment result');
  const types = await typeNames.of(db, first.fields);
  const sql = renderCombine(combine, types, kept ?? { kind: 'inline' });
  const columns: (string | null)[][] = first.fields.map(() => []);
  for (const partial of partials) {
    for (const row of partial.rows) row.forEach((value, i) => (columns[i] as (string | null)[]).push(value));
  }
  await checkFloatGuards(db, combine, columns, kept, types);
  const where = kept ? [kept.queryId, String(kept.generation), kept.token] : [];
  const values = kept?.kind === 'stored' ? where : [...columns.map(textArrayLiteral), ...where];
  try {
    const result = await queryUserSql(db, sql, values, {}, keepBytes === undefined ? {} : { bytes: keepBytes });
    return { sql, result: { fields: fieldTypes(result.fields), rows: result.rows, rowCount: result.rowCount } };
  } catch (error) {
    throw withContext(fromDatabaseError(error), 'combining the fragments');
  }
}

/**
 * A float aggregate whose rows could have overflowed in some order (see `FloatGuard`): PostgreSQL
 * raises or not depending on that order, which no split reproduces. The query must run as written.
 */
export class InexactSplitError extends Error {
  override readonly name = 'InexactSplitError';
  readonly code = 'INEXACT_SPLIT';
}

/**
 * Checks every float aggregate's guard over all partial rows, inline (`columns`) and spilled or stored: its
 * rows' count times their largest finite |x| must stay under its bound.
 * @throws InexactSplitError naming the first aggregate past it.
 */
async function checkFloatGuards(
  db: Pool | PoolClient,
  combine: CombineTemplate,
  columns: (string | null)[][],
  kept: KeptPartials | undefined,
  types: readonly string[],
): Promise<void> {
  if (combine.floatGuards.length === 0) return;
  const index = (name: string) => combine.columns.findIndex((c) => c.name === name);
  const numbers = (i: number) => (columns[i] ?? []).filter((v): v is string => v !== null).map(Number);
  const inline = combine.floatGuards.map((g) => ({
    absMax: numbers(index(g.absMax)).reduce((a, b) => Math.max(a, b), 0),
    count: numbers(index(g.count)).reduce((a, b) => a + b, 0),
  }));
  if (kept) {
    const value = (i: number) => (kept.kind === 'stored' ? `s.c${i}::float8` : `(s.vals->>${i})::float8`);
    const aggregates = combine.floatGuards.flatMap((g) => [`max(${value(index(g.absMax))})`, `sum(${value(index(g.count))})`]);
    const call = callPartialRows(kept.rows, 1);
    const source = kept.kind === 'stored' ? `${call} AS s(${types.map((type, i) => `c${i} ${type}`).join(', ')})` : `${call} AS s(vals)`;
    const { rows } = await queryUserSql(db, `SELECT ${aggregates.join(', ')} FROM ${source}`, [kept.queryId, String(kept.generation), kept.token]);
    const read = rows[0] ?? [];
    inline.forEach((g, i) => {
      g.absMax = Math.max(g.absMax, Number(read[2 * i] ?? 0));
      g.count += Number(read[2 * i + 1] ?? 0);
    });
  }
  combine.floatGuards.forEach((g, i) => {
    const { absMax, count } = inline[i] as { absMax: number; count: number };
    if (!(count * absMax < g.bound)) {
      throw new InexactSplitError(
        `${g.aggregate} adds ${count} values up to ${absMax}: in some order its running sum could overflow, and whether PostgreSQL raises then depends on the order of the rows`,
      );
    }
  });
}

export interface ResultLimits {
  /** Keep at most this many rows in the record (its preview). @defaultValue unlimited */
  maxRows?: number;
  /** The most bytes (as JSON) a result may take: past it, the query fails, or only a preview is kept. @defaultValue unlimited */
  maxBytes?: number;
  /** Past `maxBytes`, keep only the first rows rather than fail with RESULT_TOO_LARGE. @defaultValue false */
  previewOnly?: boolean;
}

/** Rows per page of a stored result. */
export const RESULT_PAGE_ROWS = 1000;

/** A result as the record keeps it, and every row in pages when there are more than its preview holds. */
export interface StoredResult {
  resultSet: ResultSet;
  /** Every row, RESULT_PAGE_ROWS to a page; null when the preview holds them all, or only a preview is kept. */
  pages: JsonValue[][][] | null;
}

/**
 * Converts raw rows into the record's result: a preview of `maxRows`, and every row in pages,
 * unless the result is past `maxBytes` (or rows were left uncounted in `raw`).
 * @throws QueryFailedError RESULT_TOO_LARGE past `maxBytes`, unless `previewOnly`.
 */
export async function toStoredResult(db: Queryable, raw: RawResult, typeNames: TypeNames, limits: ResultLimits = {}): Promise<StoredResult> {
  const types = await typeNames.of(db, raw.fields);
  const rowCount = raw.rowCount ?? raw.rows.length;
  const maxBytes = limits.maxBytes ?? Infinity;
  const rows: JsonValue[][] = [];
  let bytes = 0;
  let whole = raw.rows.length === rowCount;
  for (const row of raw.rows) {
    const converted = row.map((value, i) => toJsonValue(value, (raw.fields[i] as FieldType).dataTypeID));
    bytes += JSON.stringify(converted).length + 1;
    if (bytes > maxBytes) {
      whole = false;
      break;
    }
    rows.push(converted);
  }
  if (!whole && !limits.previewOnly) {
    throw new QueryFailedError(
      'RESULT_TOO_LARGE',
      `the result (${rowCount} rows) is larger than RESULT_MAX_BYTES (${maxBytes} bytes as JSON): ask for a preview to keep its first rows ("preview": true), narrow the query, or raise RESULT_MAX_BYTES`,
    );
  }
  const preview = rows.slice(0, limits.maxRows ?? Infinity);
  const pages =
    whole && preview.length < rows.length
      ? Array.from({ length: Math.ceil(rows.length / RESULT_PAGE_ROWS) }, (_, i) => rows.slice(i * RESULT_PAGE_ROWS, (i + 1) * RESULT_PAGE_ROWS))
      : null;
  return {
    resultSet: {
      columns: raw.fields.map((f, i) => ({ name: f.name, type: types[i] as string })),
      rows: preview,
      rowCount,
      truncated: preview.length < rowCount,
      stored: whole,
    },
    pages,
  };
}

/** The record's result alone, keeping what fits (`previewOnly`): for callers that keep no pages. */
export async function toResultSet(db: Queryable, raw: RawResult, typeNames: TypeNames, limits: ResultLimits = {}): Promise<ResultSet> {
  const { resultSet } = await toStoredResult(db, raw, typeNames, { ...limits, previewOnly: true });
  // Without its pages, only the record's rows are kept.
  return { ...resultSet, stored: !resultSet.truncated };
}

function withContext(error: unknown, where: string): unknown {
  if (error instanceof QueryFailedError) {
    return new QueryFailedError(error.code, `${where} failed: ${error.message}`, error.sqlState);
  }
  return error;
}
