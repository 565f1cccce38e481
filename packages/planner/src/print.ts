/**
 * Prints the planner's IR back to SQL. Every identifier goes through `quoteIdent`, every
 * operator application is parenthesized, so the printed text parses into exactly the tree it
 * came from, whatever PostgreSQL's precedence rules. Values never reach SQL text from here:
 * literals are the user's own constants, checked when parsed; bounds are bind parameters.
 */
import type { Expr, OrderItem, SelectItem, SelectQuery, TableRef } from './ir';

/** Quotes a (folded) name as a PostgreSQL identifier: `Foo"bar` → `"Foo""bar"`. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Prints a function name. Plain lower-case names stay unquoted because several SQL keywords
 * look like functions (`coalesce`, `greatest`) and stop working when quoted; since names are
 * folded before parsing, an unquoted lower-case name means the same as the quoted one.
 */
export function printFunctionName(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : quoteIdent(name);
}

export function printExpr(e: Expr): string {
  switch (e.kind) {
    case 'column':
      if (e.table === null) return quoteIdent(e.name);
      return `${e.schema === undefined ? '' : `${quoteIdent(e.schema)}.`}${quoteIdent(e.table)}.${quoteIdent(e.name)}`;
    case 'whole-row':
      return `${quoteIdent(e.table)}.*`;
    case 'ref':
      return quoteIdent(e.name);
    case 'literal':
      return e.sql;
    case 'unary':
      return `(${e.op} ${printExpr(e.operand)})`;
    case 'binary':
      return `(${printExpr(e.left)} ${e.op} ${printExpr(e.right)})`;
    case 'is':
      return `(${printExpr(e.operand)} IS ${e.negated ? 'NOT ' : ''}${e.test})`;
    case 'between':
      return `(${printExpr(e.operand)} ${e.negated ? 'NOT ' : ''}BETWEEN ${e.symmetric ? 'SYMMETRIC ' : ''}${printExpr(e.low)} AND ${printExpr(e.high)})`;
    case 'in':
      return `(${printExpr(e.operand)} ${e.negated ? 'NOT ' : ''}IN (${e.list.map(printExpr).join(', ')}))`;
    case 'like': {
      const escape = e.escape ? ` ESCAPE ${printExpr(e.escape)}` : '';
      return `(${printExpr(e.operand)} ${e.negated ? 'NOT ' : ''}${e.op} ${printExpr(e.pattern)}${escape})`;
    }
    case 'case': {
      const operand = e.operand ? ` ${printExpr(e.operand)}` : '';
      const whens = e.whens.map((w) => ` WHEN ${printExpr(w.when)} THEN ${printExpr(w.then)}`).join('');
      const otherwise = e.otherwise ? ` ELSE ${printExpr(e.otherwise)}` : '';
      return `CASE${operand}${whens}${otherwise} END`;
    }
    case 'cast':
      return `CAST(${printExpr(e.operand)} AS ${e.type})`;
    case 'call':
      return printCall(e);
    case 'named-arg':
      return `${quoteIdent(e.name)} => ${printExpr(e.value)}`;
    case 'array':
      return `ARRAY[${e.elements.map(printExpr).join(', ')}]`;
    case 'subscript':
      return `(${printExpr(e.operand)})[${printExpr(e.index)}]`;
    case 'field':
      return `(${printExpr(e.operand)}).${quoteIdent(e.field)}`;
    case 'at-time-zone':
      return `(${printExpr(e.operand)} AT TIME ZONE ${printExpr(e.zone)})`;
    case 'collate':
      return `(${printExpr(e.operand)} COLLATE ${quoteIdent(e.collation)})`;
  }
}

function printCall(e: Extract<Expr, { kind: 'call' }>): string {
  if (e.keyword === 'bare') return e.name.toUpperCase() + (e.args.length > 0 ? `(${e.args.map(printExpr).join(', ')})` : '');
  if (e.keyword === 'row') return `ROW(${e.args.map(printExpr).join(', ')})`;
  if (e.keyword === 'extract') {
    const [field, source] = e.args as [Expr, Expr];
    return `EXTRACT(${printExpr(field)} FROM ${printExpr(source)})`;
  }
  const name = (e.schema === null ? '' : `${quoteIdent(e.schema)}.`) + printFunctionName(e.name);
  const args = e.star ? '*' : e.args.map(printExpr).join(', ');
  const filter = e.filter ? ` FILTER (WHERE ${printExpr(e.filter)})` : '';
  return `${name}(${e.distinct ? 'DISTINCT ' : ''}${args})${filter}`;
}

export function printTable(t: TableRef): string {
  const name = (t.schema === null ? '' : `${quoteIdent(t.schema)}.`) + quoteIdent(t.name);
  return t.alias === null ? name : `${name} AS ${quoteIdent(t.alias)}`;
}

export function printSelectItem(item: SelectItem): string {
  const expr = printExpr(item.expr);
  return item.alias === null ? expr : `${expr} AS ${quoteIdent(item.alias)}`;
}

export function printOrderItem(item: OrderItem): string {
  return [printExpr(item.expr), item.direction, item.nulls && `NULLS ${item.nulls}`].filter(Boolean).join(' ');
}

/** Prints a whole query; used to check that the IR means what the user wrote. */
export function printSelect(q: SelectQuery): string {
  const parts = [`SELECT ${q.distinct ? 'DISTINCT ' : ''}${q.selectStar ? '*' : q.items.map(printSelectItem).join(', ')}`, `FROM ${printTable(q.from)}`];
  if (q.where) parts.push(`WHERE ${printExpr(q.where)}`);
  if (q.groupBy.length > 0 || q.emptyGroupingSet) parts.push(`GROUP BY ${q.emptyGroupingSet ? '()' : q.groupBy.map(printExpr).join(', ')}`);
  if (q.having) parts.push(`HAVING ${printExpr(q.having)}`);
  if (q.orderBy.length > 0) parts.push(`ORDER BY ${q.orderBy.map(printOrderItem).join(', ')}`);
  parts.push(...printRowLimit(q));
  return parts.join(' ');
}

/** LIMIT and OFFSET, or with ties `OFFSET … ROWS FETCH FIRST (…) ROWS WITH TIES`. */
export function printRowLimit(q: Pick<SelectQuery, 'limit' | 'offset' | 'withTies'>): string[] {
  if (q.withTies) {
    return [...(q.offset ? [`OFFSET ${printExpr(q.offset)} ROWS`] : []), `FETCH FIRST (${q.limit ? printExpr(q.limit) : 'NULL'}) ROWS WITH TIES`];
  }
  return [...(q.limit ? [`LIMIT ${printExpr(q.limit)}`] : []), ...(q.offset ? [`OFFSET ${printExpr(q.offset)}`] : [])];
}
