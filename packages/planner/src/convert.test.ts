/**
 * convert: node-sql-parser's AST into the planner's IR (through parseQuery, which feeds it),
 * operator precedence as PostgreSQL has it, and every construct it does not split named.
 */
import type { Expr } from './ir';
import { parseQuery } from './parse';
import { printExpr } from './print';

/** The WHERE of `SELECT count(*) FROM events WHERE <condition>`, printed fully parenthesized. */
const where = (condition: string): string => {
  const { query, notSplittable } = parseQuery(`SELECT count(*) FROM events WHERE ${condition}`);
  if (!query?.where) throw new Error(`not read: ${notSplittable}`);
  return printExpr(query.where);
};

test.each([
  ['a + b * c > 1', '(("a" + ("b" * "c")) > 1)'],
  ['a - b - c = 0', '((("a" - "b") - "c") = 0)'],
  ['a OR b AND c', '("a" OR ("b" AND "c"))'],
  ['NOT a AND b', '((NOT "a") AND "b")'],
  ['NOT a = b', '(NOT ("a" = "b"))'],
  ['- a * b < 0', '(((- "a") * "b") < 0)'],
  ["a || b LIKE 'x%'", `(("a" || "b") LIKE 'x%')`],
  ['a BETWEEN 1 AND 2 AND b', '(("a" BETWEEN 1 AND 2) AND "b")'],
  ['a IN (1, 2) OR b IS NOT NULL', '(("a" IN (1, 2)) OR ("b" IS NOT NULL))'],
])('%s reads as PostgreSQL reads it: %s', (condition, printed) => {
  expect(where(condition)).toBe(printed);
});

test('names fold as PostgreSQL folds them; quoted ones keep their case', () => {
  const { query } = parseQuery('SELECT Country AS Land, "Device" FROM Events');
  expect(query?.items.map((i) => [i.expr, i.alias])).toEqual([
    [{ kind: 'column', table: null, name: 'country' } satisfies Expr, 'land'],
    [{ kind: 'column', table: null, name: 'Device' } satisfies Expr, null],
  ]);
  expect(query?.from).toEqual({ schema: null, name: 'events', alias: null });
});

test('aggregates keep DISTINCT, FILTER and *', () => {
  const { query } = parseQuery('SELECT count(DISTINCT a) FILTER (WHERE b > 0), count(*), avg(c) FILTER (WHERE d) FROM events');
  expect(query?.items.map((i) => printExpr(i.expr))).toEqual(['count(DISTINCT "a") FILTER (WHERE ("b" > 0))', 'count(*)', 'avg("c") FILTER (WHERE "d")']);
});

test('GROUP BY, ORDER BY, LIMIT and OFFSET are kept as written', () => {
  const { query } = parseQuery('SELECT a, count(*) FROM events GROUP BY a ORDER BY 2 DESC NULLS FIRST, a LIMIT 10 OFFSET 5');
  expect(query?.groupBy.map(printExpr)).toEqual(['"a"']);
  expect(query?.orderBy).toEqual([
    { expr: { kind: 'literal', sql: '2' }, direction: 'DESC', nulls: 'FIRST' },
    { expr: { kind: 'column', table: null, name: 'a' }, direction: null, nulls: null },
  ]);
  expect([query?.limit, query?.offset]).toEqual([
    { kind: 'literal', sql: '10' },
    { kind: 'literal', sql: '5' },
  ]);
});

test.each([
  ['WITH x AS (SELECT 1) SELECT * FROM x', 'queries with WITH (common table expressions) are not split'],
  ['SELECT a FROM events UNION SELECT a FROM events', 'UNION, INTERSECT and EXCEPT are not split'],
  ['SELECT DISTINCT ON (a) a FROM events', 'DISTINCT ON is not split'],
  ['SELECT 1', 'there is no table to split (no FROM)'],
  ['SELECT * FROM events e JOIN users u ON u.id = e.user_id', 'joins are not split yet'],
  ['SELECT * FROM (SELECT 1) s', 'subqueries in FROM are not split'],
  ['SELECT a, count(*) FROM events GROUP BY ROLLUP (a)', 'GROUPING SETS, ROLLUP and CUBE are not split'],
  ['SELECT count(*) FROM events WHERE a IN (SELECT 1)', 'subqueries are not split'],
  ['SELECT rank() OVER (ORDER BY a) FROM events', 'window functions are not split'],
  ['SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY a) FROM events', 'percentile_cont() is an ordered-set aggregate (WITHIN GROUP); those are not split'],
])('%s runs as written: %s', (sql, reason) => {
  expect(parseQuery(sql)).toMatchObject({ query: null, notSplittable: reason });
});
