/**
 * Runs the pieces of a plan. The same functions serve the in-process executor and the workers.
 */
import type { ResultSet } from '@pgfan/contracts';
import { renderCombine, type CombineTemplate, type FragmentPlan } from '@pgfan/planner';
import type { FieldDef } from 'pg';
import { queryUserSql, type Queryable } from './connection';
import { fromDatabaseError, QueryFailedError } from './errors';
import type { TypeNames } from './type-names';
import { toJsonValue } from './values';

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
export async function runFragment(db: Queryable, fragment: FragmentPlan, of: number): Promise<RawResult> {
  try {
    const result = await db.query({ text: fragment.sql, values: fragment.params, rowMode: 'array' });
    return { fields: fieldTypes(result.fields), rows: result.rows as (string | null)[][] };
  } catch (error) {
    throw withContext(fromDatabaseError(error), `fragment ${fragment.index + 1} of ${of}`);
  }
}

/**
 * Runs the user's query as written (a sequential plan).
 * @throws QueryFailedError with positions in the user's SQL.
 */
export async function runSequential(db: Queryable, sql: string): Promise<RawResult> {
  try {
    const result = await queryUserSql(db, sql);
    return { fields: fieldTypes(result.fields), rows: result.rows as (string | null)[][] };
  } catch (error) {
    throw fromDatabaseError(error, { sql, prefixLength: 0 });
  }
}

/**
 * Combines every fragment's partial rows in PostgreSQL: the partial columns travel as one
 * `text[]` parameter each and are cast back to the types the fragments produced.
 */
export async function runCombine(db: Queryable, combine: CombineTemplate, partials: RawResult[], typeNames: TypeNames): Promise<{ sql: string; result: RawResult }> {
  const [first] = partials;
  if (!first) throw new Error('a combine needs at least one fragment result');
  const sql = renderCombine(combine, await typeNames.of(db, first.fields));
  const columns: (string | null)[][] = first.fields.map(() => []);
  for (const partial of partials) {
    for (const row of partial.rows) row.forEach((value, i) => (columns[i] as (string | null)[]).push(value));
  }
  try {
    const result = await db.query({ text: sql, values: columns, rowMode: 'array' });
    return { sql, result: { fields: fieldTypes(result.fields), rows: result.rows as (string | null)[][] } };
  } catch (error) {
    throw withContext(fromDatabaseError(error), 'combining the fragments');
  }
}

/** Converts raw rows into the record's result set, keeping at most `maxRows` rows. */
export async function toResultSet(db: Queryable, raw: RawResult, typeNames: TypeNames, maxRows = Infinity): Promise<ResultSet> {
  const types = await typeNames.of(db, raw.fields);
  const kept = raw.rows.length > maxRows ? raw.rows.slice(0, maxRows) : raw.rows;
  return {
    columns: raw.fields.map((f, i) => ({ name: f.name, type: types[i] as string })),
    rows: kept.map((row) => row.map((value, i) => toJsonValue(value, (raw.fields[i] as FieldType).dataTypeID))),
    rowCount: raw.rows.length,
    truncated: kept.length < raw.rows.length,
  };
}

function withContext(error: unknown, where: string): unknown {
  if (error instanceof QueryFailedError) {
    return new QueryFailedError(error.code, `${where} failed: ${error.message}`, error.sqlState);
  }
  return error;
}
