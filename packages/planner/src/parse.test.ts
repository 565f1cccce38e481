import { QueryRejectedError } from './errors';
import { parseQuery } from './parse';
import { printExpr, printSelect } from './print';

const reprint = (sql: string) => {
  const parsed = parseQuery(sql);
  if (!parsed.query) throw new Error(`not splittable: ${parsed.notSplittable}`);
  return printSelect(parsed.query);
};
const where = (condition: string) => {
  const q = parseQuery(`SELECT 1 FROM t WHERE ${condition}`).query;
  if (!q?.where) throw new Error('no WHERE');
  return printExpr(q.where);
};

describe('operator precedence, as PostgreSQL reads it', () => {
  test.each([
    ['a OR b AND c', '("a" OR ("b" AND "c"))'],
    ['a AND b OR c', '(("a" AND "b") OR "c")'],
    ['a OR b OR c AND d', '(("a" OR "b") OR ("c" AND "d"))'],
    ['NOT a AND b', '((NOT "a") AND "b")'],
    ['NOT a = b', '(NOT ("a" = "b"))'],
    ['(a OR b) AND c', '(("a" OR "b") AND "c")'],
    ['a = 1 OR b = 2 AND c = 3', '(("a" = 1) OR (("b" = 2) AND ("c" = 3)))'],
    ['a + b * c = d', '(("a" + ("b" * "c")) = "d")'],
    ["a + b || 'x' = c", `((("a" + "b") || 'x') = "c")`],
    ["a LIKE b || 'x'", `("a" LIKE ("b" || 'x'))`],
    ['a IS NULL AND b BETWEEN 1 AND 2 OR c IN (1, 2)', '((("a" IS NULL) AND ("b" BETWEEN 1 AND 2)) OR ("c" IN (1, 2)))'],
    ['-a * b > c - d - e', '(((- "a") * "b") > (("c" - "d") - "e"))'],
    ['a / b / c', '(("a" / "b") / "c")'],
  ])('%s', (condition, printed) => {
    expect(where(condition)).toBe(printed);
  });

  test('inside FILTER too', () => {
    expect(reprint('SELECT max(a) FILTER (WHERE b OR c AND d) FROM t')).toBe('SELECT max("a") FILTER (WHERE ("b" OR ("c" AND "d"))) FROM "t"');
  });
});

describe('names fold as PostgreSQL folds them', () => {
  test('unquoted names are lower-cased, quoted ones kept', () => {
    expect(reprint('SELECT X AS M, "Y" AS "N", Count(*) AS Total FROM Events E GROUP BY X, "Y"')).toBe(
      'SELECT "x" AS "m", "Y" AS "N", count(*) AS "total" FROM "events" AS "e" GROUP BY "x", "Y"',
    );
  });

  test('schema-qualified tables and qualified columns', () => {
    expect(reprint('SELECT e.A FROM Public.Events e')).toBe('SELECT "e"."a" FROM "public"."events" AS "e"');
  });
});

describe('aggregates node-sql-parser only reads as count', () => {
  test.each([
    ['SELECT stddev(DISTINCT x) FILTER (WHERE y > 1) FROM t', 'SELECT stddev(DISTINCT "x") FILTER (WHERE ("y" > 1)) FROM "t"'],
    ['SELECT sum(DISTINCT x), avg(DISTINCT y) FROM t', 'SELECT sum(DISTINCT "x"), avg(DISTINCT "y") FROM "t"'],
    ['SELECT bool_and(b) FILTER (WHERE c), var_pop(x) FROM t', 'SELECT bool_and("b") FILTER (WHERE "c"), var_pop("x") FROM "t"'],
    ['SELECT round(avg(DISTINCT x), 2) FROM t', 'SELECT round(avg(DISTINCT "x"), 2) FROM "t"'],
  ])('%s', (sql, printed) => {
    expect(reprint(sql)).toBe(printed);
  });
});

describe('literals keep their exact text', () => {
  test('numbers keep their scale and size', () => {
    expect(reprint('SELECT 1.50, 12345678901234567890, 1e10, .5, -2 FROM t')).toBe('SELECT 1.50, 12345678901234567890, 1e10, 0.5, (-2) FROM "t"');
  });

  test('strings stay quoted, doubled quotes included', () => {
    expect(reprint("SELECT 'it''s', date '2024-01-01', interval '90' day FROM t")).toBe("SELECT 'it''s', DATE '2024-01-01', INTERVAL '90' DAY FROM \"t\"");
  });
});

describe('queries that are valid but not split', () => {
  test.each([
    ['SELECT a FROM t JOIN u ON true', 'joins are not split yet'],
    ['SELECT a FROM t, u', 'joins are not split yet'],
    ['SELECT (SELECT 1) FROM t', 'subqueries are not split'],
    ['SELECT a FROM t WHERE a IN (SELECT b FROM u)', 'subqueries are not split'],
    ['WITH x AS (SELECT 1) SELECT * FROM x', 'queries with WITH (common table expressions) are not split'],
    ['SELECT row_number() OVER () FROM t', 'window functions are not split'],
    ['SELECT sum(a) OVER (PARTITION BY b) FROM t', 'window functions are not split'],
    ['SELECT DISTINCT ON (a) a FROM t', 'DISTINCT ON is not split'],
    ['SELECT a FROM t GROUP BY ROLLUP (a)', 'GROUPING SETS, ROLLUP and CUBE are not split'],
    ['SELECT a FROM t UNION SELECT b FROM u', 'UNION, INTERSECT and EXCEPT are not split'],
    ['SELECT 1', 'there is no table to split (no FROM)'],
    ['SELECT a FROM (SELECT 1 AS a) s', 'subqueries in FROM are not split'],
    ['SELECT a FROM generate_series(1, 2) AS a', 'functions in FROM are not split'],
    ["SELECT string_agg(a, ',' ORDER BY a) FROM t", 'aggregates with ORDER BY inside are not split'],
    ['SELECT count(*) FROM ONLY t', 'FROM ONLY is not split'],
    ['SELECT a ISNULL FROM t', 'ISNULL is not split'],
    ['SELECT a FROM t TABLESAMPLE SYSTEM (1)', 'this FROM clause is not split (tablesample)'],
  ])('%s', (sql, reason) => {
    const parsed = parseQuery(sql);
    expect(parsed.query).toBeNull();
    expect(parsed.notSplittable).toBe(reason);
  });

  test('keeps the statement without its trailing semicolon and comments', () => {
    expect(parseQuery('SELECT 1 FROM t; -- bye').sql).toBe('SELECT 1 FROM t');
  });
});

test('syntax node-sql-parser cannot read is not split, and runs as written', () => {
  expect(parseQuery("SELECT E'x' FROM t").query).toBeNull();
  expect(parseQuery('SELECT a FROM t LIMIT 5 OFFSET 2 ROWS')).toMatchObject({ query: null, notSplittable: 'the planner cannot read part of this query' });
});

test('rejections come through parseQuery', () => {
  expect(() => parseQuery('DELETE FROM t')).toThrow(QueryRejectedError);
});
