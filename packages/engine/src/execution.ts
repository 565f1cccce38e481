/**
 * Runs the pieces of a plan. The same functions serve the in-process executor and the workers.
 */
import type { JsonValue, ResultSet } from '@pgfan/contracts';
import { quoteIdent, renderCombine, type CombineTemplate, type FragmentPlan, type SpilledRows } from '@pgfan/planner';
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
 * Combines every fragment's partial rows in PostgreSQL: the partial columns travel as one
 * `text[]` parameter each and are cast back to the types the fragments produced. With
 * `spilled`, rows fragments wrote to PostgreSQL are read there too.
 */
export async function runCombine(
  db: Pool | PoolClient,
  combine: CombineTemplate,
  partials: RawResult[],
  typeNames: TypeNames,
  spilled?: { rows: SpilledRows; queryId: string; generation: number; token: string },
): Promise<{ sql: string; result: RawResult }> {
  const [first] = partials;
  if (!first) throw new Error('a combine needs at least one fragment result');
  const sql = renderCombine(combine, await typeNames.of(db, first.fields), spilled?.rows);
  const columns: (string | null)[][] = first.fields.map(() => []);
  for (const partial of partials) {
    for (const row of partial.rows) row.forEach((value, i) => (columns[i] as (string | null)[]).push(value));
  }
  await checkFloatGuards(db, combine, columns, spilled);
  const arrays = columns.map(textArrayLiteral);
  const values = spilled ? [...arrays, spilled.queryId, String(spilled.generation), spilled.token] : arrays;
  try {
    const result = await queryUserSql(db, sql, values);
    return { sql, result: { fields: fieldTypes(result.fields), rows: result.rows } };
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
 * Checks every float aggregate's guard over all partial rows, inline (`columns`) and spilled: its
 * rows' count times their largest finite |x| must stay under its bound.
 * @throws InexactSplitError naming the first aggregate past it.
 */
async function checkFloatGuards(
  db: Pool | PoolClient,
  combine: CombineTemplate,
  columns: (string | null)[][],
  spilled?: { rows: SpilledRows; queryId: string; generation: number; token: string },
): Promise<void> {
  if (combine.floatGuards.length === 0) return;
  const index = (name: string) => combine.columns.findIndex((c) => c.name === name);
  const numbers = (i: number) => (columns[i] ?? []).filter((v): v is string => v !== null).map(Number);
  const inline = combine.floatGuards.map((g) => ({
    absMax: numbers(index(g.absMax)).reduce((a, b) => Math.max(a, b), 0),
    count: numbers(index(g.count)).reduce((a, b) => a + b, 0),
  }));
  if (spilled) {
    const aggregates = combine.floatGuards.flatMap((g) => [`max((s.vals->>${index(g.absMax)})::float8)`, `sum((s.vals->>${index(g.count)})::float8)`]);
    const source = `${quoteIdent(spilled.rows.schema)}.${quoteIdent(spilled.rows.function)}($1::uuid, $2::int, $3::text) AS s(vals)`;
    const { rows } = await queryUserSql(db, `SELECT ${aggregates.join(', ')} FROM ${source}`, [spilled.queryId, String(spilled.generation), spilled.token]);
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
  /** Keep at most this many rows. @defaultValue unlimited */
  maxRows?: number;
  /** Keep rows only while their JSON stays under this many bytes. @defaultValue unlimited */
  maxBytes?: number;
}

/**
 * Converts raw rows into the record's result set, keeping rows only up to the limits
 * (`truncated` then says so; `rowCount` still counts every row).
 */
export async function toResultSet(db: Queryable, raw: RawResult & { rowCount?: number }, typeNames: TypeNames, limits: ResultLimits = {}): Promise<ResultSet> {
  const types = await typeNames.of(db, raw.fields);
  const rows: JsonValue[][] = [];
  let bytes = 0;
  for (const row of raw.rows) {
    if (rows.length >= (limits.maxRows ?? Infinity)) break;
    const converted = row.map((value, i) => toJsonValue(value, (raw.fields[i] as FieldType).dataTypeID));
    bytes += JSON.stringify(converted).length + 1;
    if (bytes > (limits.maxBytes ?? Infinity)) break;
    rows.push(converted);
  }
  const rowCount = raw.rowCount ?? raw.rows.length;
  return {
    columns: raw.fields.map((f, i) => ({ name: f.name, type: types[i] as string })),
    rows,
    rowCount,
    truncated: rows.length < rowCount,
  };
}

function withContext(error: unknown, where: string): unknown {
  if (error instanceof QueryFailedError) {
    return new QueryFailedError(error.code, `${where} failed: ${error.message}`, error.sqlState);
  }
  return error;
}
