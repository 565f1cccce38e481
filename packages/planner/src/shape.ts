/**
 * shape: decides, from the query and catalog facts, whether a query can be split and how it
 * groups — its group keys, aggregates and DISTINCT arguments — and builds the probe query that
 * asks PostgreSQL for the types and collations the split depends on.
 */
import { isSplittableAggregate } from './aggregates';
import { NotSplittable } from './convert';
import type { CatalogFacts } from './facts';
import { children, mapExpressions, queryExpressions, transform, walk, type Call, type Expr, type SelectItem, type SelectQuery, type TableRef } from './ir';
import { printExpr, printSelectItem, printTable, quoteIdent } from './print';

/** What the engine must read from the catalog before shaping. */
export interface CatalogRequest {
  table: TableRef;
  /** Names of every function called, folded, without schema. */
  functions: string[];
}

interface BaseShape {
  /** The query with column qualifiers removed and `*` expanded. */
  query: SelectQuery;
  facts: CatalogFacts;
  /** Output items, `*` expanded. Their names come from the probe. */
  items: SelectItem[];
  /** Expressions whose type and collation the probe reports, after the output columns. */
  hidden: Expr[];
  /** The probe query: outputs, then hidden columns, then one collation per hidden column. */
  probeSql: string;
}

/** A query without aggregates or GROUP BY: fragments return rows, the combine orders and limits them. */
export interface RowsShape extends BaseShape {
  kind: 'rows';
  /** ORDER BY expressions that are not output columns, computed by fragments as sort keys. */
  sortKeys: Expr[];
}

/** A query with aggregates and/or GROUP BY. */
export interface GroupedShape extends BaseShape {
  kind: 'grouped';
  /** GROUP BY expressions, resolved, plus columns functionally dependent on a grouped primary key. */
  keys: Expr[];
  /** Arguments of DISTINCT aggregates: fragments group by them too. */
  distinctArgs: Expr[];
  /** Every distinct aggregate call, in order of first appearance. */
  aggregates: Call[];
}

export type Shape = RowsShape | GroupedShape;

/** Lists the table and functions a parsed query uses. */
export function catalogRequest(query: SelectQuery): CatalogRequest {
  const functions = new Set<string>();
  for (const e of queryExpressions(query)) {
    walk(e, (node) => {
      if (node.kind === 'call' && !node.keyword) functions.add(node.name);
    });
  }
  return { table: query.from, functions: [...functions].sort() };
}

/**
 * Shapes a parsed query for splitting.
 * @throws NotSplittable with a reason a person understands.
 */
export function shapeQuery(parsed: SelectQuery, facts: CatalogFacts): Shape {
  checkRelation(facts);
  const query = normalizeQualifiers(parsed, facts.table.schema);
  checkFunctions(query, facts);
  const items = query.selectStar
    ? facts.table.columns.map((c): SelectItem => ({ expr: { kind: 'column', table: null, name: c.name }, alias: null }))
    : query.items;
  const aggregates = collectAggregates([...items.map((i) => i.expr), ...(query.having ? [query.having] : []), ...query.orderBy.map((o) => o.expr)], facts);
  if (query.emptyGroupingSet && aggregates.length === 0) throw new NotSplittable('GROUP BY () without aggregates is not split');
  if (aggregates.length === 0 && query.groupBy.length === 0) {
    if (query.having) throw new NotSplittable('HAVING without aggregates or GROUP BY is not split');
    const sortKeys = query.orderBy.map((o) => o.expr).filter((e) => !isOutputReference(e, items, facts));
    const hidden = [...items.map((i) => i.expr), ...sortKeys];
    return { kind: 'rows', query, facts, items, sortKeys, hidden, probeSql: probeSql(query, hidden, false) };
  }
  const keys = query.groupBy.map((g) => resolveGroupKey(g, items, facts));
  keys.push(...dependentColumns(query, items, keys, aggregates, facts));
  const distinctArgs = uniqueByText(aggregates.filter((a) => a.distinct).map((a) => a.args[0] as Expr));
  // A DISTINCT argument is not grouped in the probe, so ask for an element of its array_agg:
  // same collation, valid for every type.
  const distinctProbes = distinctArgs.map((d): Expr => ({
    kind: 'subscript',
    operand: { kind: 'call', schema: null, name: 'array_agg', args: [d], star: false, distinct: false, filter: null },
    index: { kind: 'literal', sql: '1' },
  }));
  const hidden = [...keys, ...distinctProbes, ...aggregates];
  return { kind: 'grouped', query, facts, items, keys, distinctArgs, aggregates, hidden, probeSql: probeSql(query, hidden, true) };
}

function checkRelation(facts: CatalogFacts): void {
  const { kind, schema, name } = facts.table;
  const what = `${schema}.${name}`;
  if (kind === 'view') throw new NotSplittable(`${what} is a view; views run as written`);
  if (kind === 'partitioned-table') throw new NotSplittable(`${what} is a partitioned table; partitioned tables are not split yet`);
  if (kind === 'foreign-table') throw new NotSplittable(`${what} is a foreign table; foreign tables run as written`);
  if (kind !== 'table' && kind !== 'materialized-view') throw new NotSplittable(`${what} is not a table`);
}

/**
 * Strips `t.` (and `schema.t.`) from column references to the query's one table, so equal
 * expressions print equal.
 * @param tableSchema the schema the table was found in.
 */
function normalizeQualifiers(q: SelectQuery, tableSchema: string): SelectQuery {
  const visibleName = q.from.alias ?? q.from.name;
  const strip = (e: Expr): Expr =>
    transform(e, (node) => {
      if ((node.kind !== 'column' && node.kind !== 'whole-row') || node.table === null) return undefined;
      if (node.table !== visibleName) throw new NotSplittable(`the qualifier "${node.table}" does not name the query's table`);
      // schema.table.column names the table itself: not through an alias, and in its own schema.
      if (node.kind === 'column' && node.schema !== undefined && (q.from.alias !== null || node.schema !== (q.from.schema ?? tableSchema))) {
        throw new NotSplittable(`the qualifier "${node.schema}.${node.table}" does not name the query's table`);
      }
      // A whole row keeps its qualifier: `t.*` means nothing without one.
      return node.kind === 'whole-row' ? node : { kind: 'column', table: null, name: node.name };
    });
  return mapExpressions(q, strip);
}

function checkFunctions(q: SelectQuery, facts: CatalogFacts): void {
  for (const e of queryExpressions(q)) {
    walk(e, (node) => {
      if (node.kind !== 'call' || node.keyword) return;
      const f = facts.functions[node.name];
      if (f?.volatile) throw new NotSplittable(`${node.name}() is volatile: each fragment would get different values`);
      if (f?.returnsSet) throw new NotSplittable(`${node.name}() returns a set of rows; set-returning functions are not split`);
    });
  }
}

function isAggregateCall(e: Expr, facts: CatalogFacts): e is Call {
  if (e.kind !== 'call' || e.keyword) return false;
  if (facts.functions[e.name]?.window) throw new NotSplittable(`${e.name}() is a window function; window functions are not split`);
  return isSplittableAggregate(e.name) || facts.functions[e.name]?.aggregate === true;
}

const ORDER_DEPENDENT = new Set(['string_agg', 'array_agg', 'json_agg', 'jsonb_agg', 'json_object_agg', 'jsonb_object_agg', 'xmlagg']);

function collectAggregates(exprs: Expr[], facts: CatalogFacts): Call[] {
  const found = new Map<string, Call>();
  const visit = (e: Expr): void => {
    if (isAggregateCall(e, facts)) {
      if (!isSplittableAggregate(e.name) || (e.schema !== null && e.schema !== 'pg_catalog')) {
        throw new NotSplittable(
          ORDER_DEPENDENT.has(e.name)
            ? `${e.name}() collects values in arrival order, which fragments cannot reproduce`
            : `${e.name}() cannot be split exactly`,
        );
      }
      if (e.distinct && (e.star || e.args.length !== 1)) throw new NotSplittable(`this DISTINCT aggregate is not split`);
      found.set(printExpr(e), e);
      return;
    }
    children(e).forEach(visit);
  };
  exprs.forEach(visit);
  return [...found.values()];
}

function uniqueByText(exprs: Expr[]): Expr[] {
  return [...new Map(exprs.map((e) => [printExpr(e), e])).values()];
}

function integerLiteral(e: Expr): number | null {
  return e.kind === 'literal' && /^\d+$/.test(e.sql) ? Number(e.sql) : null;
}

function isTableColumn(name: string, facts: CatalogFacts): boolean {
  return facts.table.columns.some((c) => c.name === name);
}

/** GROUP BY 2, GROUP BY alias (only if no input column has that name), or an expression. */
function resolveGroupKey(g: Expr, items: SelectItem[], facts: CatalogFacts): Expr {
  const ordinal = integerLiteral(g);
  if (ordinal !== null) {
    const item = items[ordinal - 1];
    if (!item) throw new NotSplittable(`GROUP BY position ${ordinal} is not in the select list`);
    return item.expr;
  }
  if (g.kind === 'column' && !isTableColumn(g.name, facts)) {
    const aliased = items.find((i) => i.alias === g.name);
    if (aliased) return aliased.expr;
  }
  return g;
}

/** ORDER BY 2, or a bare name that is an output alias or not an input column (a derived name). */
function isOutputReference(e: Expr, items: SelectItem[], facts: CatalogFacts): boolean {
  if (integerLiteral(e) !== null) return true;
  if (e.kind === 'column' && e.table === null) {
    const namesOutput = (i: SelectItem) => i.alias === e.name || (i.alias === null && i.expr.kind === 'column' && i.expr.name === e.name);
    return items.some(namesOutput) || !isTableColumn(e.name, facts);
  }
  return items.some((i) => printExpr(i.expr) === printExpr(e));
}

/**
 * Columns used outside aggregates that are not group keys. PostgreSQL accepts them only when
 * they depend on a grouped primary key; grouping fragments by them too changes no group.
 */
function dependentColumns(q: SelectQuery, items: SelectItem[], keys: Expr[], aggregates: Call[], facts: CatalogFacts): Expr[] {
  const keyTexts = new Set(keys.map(printExpr));
  const aggregateTexts = new Set(aggregates.map(printExpr));
  const loose = new Map<string, Expr>();
  const scan = (e: Expr) =>
    transform(e, (node) => {
      const text = printExpr(node);
      if (keyTexts.has(text) || aggregateTexts.has(text)) return node;
      if (node.kind === 'column' || node.kind === 'whole-row') loose.set(text, node);
      return undefined;
    });
  items.forEach((i) => scan(i.expr));
  if (q.having) scan(q.having);
  q.orderBy.filter((o) => !isOutputReference(o.expr, items, facts)).forEach((o) => scan(o.expr));
  if (loose.size === 0) return [];
  const pk = facts.table.primaryKey;
  const pkGrouped = pk.length > 0 && pk.every((c) => keyTexts.has(quoteIdent(c)));
  if (!pkGrouped) {
    const [first] = loose.values() as IterableIterator<Expr>;
    throw new NotSplittable(`${first ? printExpr(first) : 'a column'} is used outside an aggregate without being grouped`);
  }
  return [...loose.values()];
}

/**
 * The probe returns exactly one row and reads no table rows (LIMIT 0 inside): its column types
 * are those of the outputs and hidden expressions, and its values are the hidden expressions'
 * collations, cast through text so non-collatable types report "default".
 */
function probeSql(q: SelectQuery, hidden: Expr[], grouped: boolean): string {
  const outputs = q.selectStar ? '*' : q.items.map(printSelectItem).join(', ');
  const hiddenItems = hidden.map((e, i) => `, ${printExpr(e)} AS ${quoteIdent(`__probe_${i}`)}`).join('');
  const inner = [
    `SELECT ${outputs}${hiddenItems}`,
    `FROM ${printTable(q.from)}`,
    ...(grouped && q.groupBy.length > 0 ? [`GROUP BY ${q.groupBy.map(printExpr).join(', ')}`] : []),
    'LIMIT 0',
  ].join(' ');
  const collations = hidden.map((_, i) => `, pg_collation_for(CAST(q.${quoteIdent(`__probe_${i}`)} AS text))`).join('');
  return `SELECT q.*${collations} FROM (${inner}) AS q RIGHT JOIN (SELECT) AS one ON TRUE`;
}
