/**
 * render: the final SQL text of fragment and combine queries. Partition bounds are bind
 * parameters (constants in a fragment's COPY form, which takes none). Partial rows reach the
 * combine as one `text[]` parameter per column, cast back to the types and collations the
 * fragments produced, or typed, from the tables fragments stored them in.
 */
import type { CombineTemplate, FragmentQuery } from './decompose';
import type { Expr, TableRef } from './ir';
import { isKeyRange, tidAt, type FragmentRange } from './partition';
import { bindParameters } from './parameters';
import { printExpr, printOrderItem, printRowLimit, printSelectItem, printTable, quoteIdent } from './print';

export interface RenderedSql {
  sql: string;
  params: (string | null)[];
}

/**
 * The condition selecting one range's rows, with its bounds as bind parameters. The first key
 * range also holds the NULLs, unless the column has none (an OR costs every row it is tested on).
 */
function rangeCondition(range: FragmentRange, table: TableRef, params: string[], notNull: boolean): string[] {
  const bind = (value: string, type: string) => {
    params.push(value);
    return `$${params.length}::${type}`;
  };
  const qualifier = quoteIdent(table.alias ?? table.name);
  if (!isKeyRange(range)) {
    const ctid = `${qualifier}.ctid`;
    return [
      ...(range.fromPage > 0 ? [`${ctid} >= ${bind(tidAt(range.fromPage), 'tid')}`] : []),
      ...(range.toPage !== null ? [`${ctid} < ${bind(tidAt(range.toPage), 'tid')}`] : []),
    ];
  }
  const key = `${qualifier}.${quoteIdent(range.column)}`;
  if (range.from === null) {
    if (range.to === null) return [];
    const below = `${key} < ${bind(range.to, range.type)}`;
    return [notNull ? below : `(${below} OR ${key} IS NULL)`];
  }
  return [`${key} >= ${bind(range.from, range.type)}`, ...(range.to !== null ? [`${key} < ${bind(range.to, range.type)}`] : [])];
}

/**
 * One fragment's SQL. The user's WHERE is parenthesized before the range is ANDed to it.
 * @param table the resolved table (schema-qualified), with the user's alias if any.
 * @param range the rows to read; null reads the whole table.
 * @param notNull a key range's column is declared NOT NULL.
 */
export function renderFragment(fragment: FragmentQuery, table: TableRef, where: Expr | null, range: FragmentRange | null, notNull = false): RenderedSql {
  const params: string[] = [];
  const conditions = [...(where ? [`(${printExpr(where)})`] : []), ...(range ? rangeCondition(range, table, params, notNull) : [])];
  const select = fragment.columns.map((c) => printSelectItem({ expr: c.expr, alias: c.name })).join(', ');
  const parts = [`SELECT ${fragment.distinct ? 'DISTINCT ' : ''}${select}`, `FROM ${printTable(table)}`];
  if (conditions.length > 0) parts.push(`WHERE ${conditions.join(' AND ')}`);
  if (fragment.groupBy > 0) parts.push(`GROUP BY ${Array.from({ length: fragment.groupBy }, (_, i) => i + 1).join(', ')}`);
  if (fragment.orderBy.length > 0) {
    const order = fragment.orderBy.map((o) => [String(o.position), o.direction, o.nulls && `NULLS ${o.nulls}`].filter(Boolean).join(' '));
    parts.push(`ORDER BY ${order.join(', ')}`);
  }
  if (fragment.limit !== null) parts.push(fragment.withTies ? `FETCH FIRST ${fragment.limit} ROWS WITH TIES` : `LIMIT ${fragment.limit}`);
  return { sql: parts.join(' '), params };
}

/**
 * A rendered fragment as `COPY (…) TO STDOUT (FORMAT binary)`: its partial rows in PostgreSQL's
 * binary format, which a worker passes on to a table without reading them. COPY takes no
 * parameters, so the range's bounds are written in as constants of their types
 * (`bindParameters`): the same values, read by the same input functions.
 */
export function renderFragmentCopy({ sql, params }: RenderedSql, range: FragmentRange | null): string {
  const boundType = range !== null && isKeyRange(range) ? range.type : 'tid';
  const bound = bindParameters(
    sql,
    params,
    params.map(() => boundType),
  );
  if (bound === null) throw new Error(`cannot write the bounds into the fragment: ${sql}`);
  return `COPY (${bound}) TO STDOUT (FORMAT binary)`;
}

/** Name of the relation holding the partial rows inside a combine query. */
export const PARTIALS = 'partials';

/**
 * A set-returning function of (query id, generation, spill token) through which a combine reads
 * the partial rows a generation's fragments kept in PostgreSQL: spilled, each row a JSON array of
 * text values in `vals`; stored, `record`s typed by the caller's column list.
 */
export interface PartialRowsFunction {
  schema: string;
  function: string;
}

/** The call of `fn` with the query id, generation and token as parameters `$first` … `$first+2`. */
export function callPartialRows(fn: PartialRowsFunction, first: number): string {
  return `${quoteIdent(fn.schema)}.${quoteIdent(fn.function)}($${first}::uuid, $${first + 1}::int, $${first + 2}::text)`;
}

/**
 * Where a combine reads its partial rows: `text[]` parameters (`inline`), those and rows spilled as
 * JSON (`spilled`), or, typed and in binary all along, the tables every fragment stored them in
 * (`stored`).
 */
export type PartialSource = { kind: 'inline' } | { kind: 'spilled' | 'stored'; rows: PartialRowsFunction };

/**
 * The combine query's SQL. Inline and spilled, `$1 … $n` are the partial columns, each a `text[]`
 * of every fragment's values in PostgreSQL text format, and with spilled rows `$n+1` is the query
 * id, `$n+2` the generation, `$n+3` its spill token. Stored, those three are `$1 … $3`.
 * @param columnTypes `format_type` of each partial column, as the fragments returned them.
 */
export function renderCombine(combine: CombineTemplate, columnTypes: readonly string[], from: PartialSource = { kind: 'inline' }): string {
  if (columnTypes.length !== combine.columns.length) {
    throw new Error(`combine needs ${combine.columns.length} column types, got ${columnTypes.length}`);
  }
  const names = combine.columns.map((c) => quoteIdent(c.name));
  const collated = (value: string, collation: string | null) => (collation ? `${value} COLLATE ${quoteIdent(collation)}` : value);
  let typed: string[];
  let rows: string;
  if (from.kind === 'stored') {
    // Already of their types: only collations are added.
    typed = combine.columns.map((c) => `${collated(`u.${quoteIdent(c.name)}`, c.collation)} AS ${quoteIdent(c.name)}`);
    const columns = names.map((name, i) => `${name} ${columnTypes[i]}`);
    rows = `${callPartialRows(from.rows, 1)} AS u(${columns.join(', ')})`;
  } else {
    typed = combine.columns.map((c, i) => `${collated(`CAST(u.${quoteIdent(c.name)} AS ${columnTypes[i]})`, c.collation)} AS ${quoteIdent(c.name)}`);
    const arrays = names.map((_, i) => `$${i + 1}::text[]`);
    rows = `unnest(${arrays.join(', ')}) AS u(${names.join(', ')})`;
    if (from.kind === 'spilled') {
      const fromSpill = `SELECT ${names.map((_, i) => `s.vals->>${i}`).join(', ')} FROM ${callPartialRows(from.rows, names.length + 1)} AS s(vals)`;
      rows = `(SELECT * FROM unnest(${arrays.join(', ')}) UNION ALL ${fromSpill}) AS u(${names.join(', ')})`;
    }
  }
  const partials = `WITH ${PARTIALS} AS (SELECT ${typed.join(', ')} FROM ${rows})`;

  const parts = [partials, `SELECT ${combine.distinct ? 'DISTINCT ' : ''}${combine.items.map(printSelectItem).join(', ')}`, `FROM ${source(combine)} AS p`];
  if (combine.groupBy.length > 0) parts.push(`GROUP BY ${combine.groupBy.map(quoteIdent).join(', ')}`);
  if (combine.having) parts.push(`HAVING ${printExpr(combine.having)}`);
  if (combine.orderBy.length > 0) parts.push(`ORDER BY ${combine.orderBy.map(printOrderItem).join(', ')}`);
  parts.push(...printRowLimit(combine));
  return parts.join(' ');
}

/** The partial rows, with per-group means added by a window when float variance needs them. */
function source(combine: CombineTemplate): string {
  if (combine.means.length === 0) return PARTIALS;
  const means = combine.means.map(
    (m) => `sum(${quoteIdent(m.sum)}) OVER w / CAST(NULLIF(sum(${quoteIdent(m.count)}) OVER w, 0) AS double precision) AS ${quoteIdent(m.name)}`,
  );
  const partition = combine.groupBy.length > 0 ? `PARTITION BY ${combine.groupBy.map(quoteIdent).join(', ')}` : '';
  return `(SELECT ${PARTIALS}.*, ${means.join(', ')} FROM ${PARTIALS} WINDOW w AS (${partition}))`;
}
