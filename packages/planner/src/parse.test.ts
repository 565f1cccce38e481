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

describe('what node-sql-parser cannot read, the planner reads itself', () => {
  test.each([
    // Operators it lacks, with PostgreSQL's precedence.
    ['a # 3 = b', '(("a" # 3) = "b")'],
    ['a << 1 + b', '("a" << (1 + "b"))'],
    ['a | b & c', '(("a" | "b") & "c")'],
    ['2 ^ a * 3', '((2 ^ "a") * 3)'],
    ['2 ^ 3 ^ 2 = a', '(((2 ^ 3) ^ 2) = "a")'],
    ['|/ a + 1 > @ -b', '((|/ ("a" + 1)) > (@ (- "b")))'],
    ['~a = 0', '((~ "a") = 0)'],
    ['a*-b > 0', '(("a" * (- "b")) > 0)'],
    ['NOT a # b', '(NOT ("a" # "b"))'],
    ['a IS DISTINCT FROM b', '("a" IS DISTINCT FROM "b")'],
    ['a IS NOT DISTINCT FROM b = c', '("a" IS NOT DISTINCT FROM ("b" = "c"))'],
    ['a = b IS DISTINCT FROM c OR d', '((("a" = "b") IS DISTINCT FROM "c") OR "d")'],
    ["addr << '10.0.0.0/8'::inet", `("addr" << CAST('10.0.0.0/8' AS inet))`],
    // Other syntax.
    ['a ISNULL OR b NOTNULL', '(("a" IS NULL) OR ("b" IS NOT NULL))'],
    ['a BETWEEN SYMMETRIC 9 AND b + 1', '("a" BETWEEN SYMMETRIC 9 AND ("b" + 1))'],
    ['a NOT BETWEEN SYMMETRIC CASE WHEN b AND c THEN 1 END AND 2', '("a" NOT BETWEEN SYMMETRIC CASE WHEN ("b" AND "c") THEN 1 END AND 2)'],
    ['a BETWEEN ASYMMETRIC 1 AND 2', '("a" BETWEEN 1 AND 2)'],
    ['(p).a = 1', '(("p")."a" = 1)'],
    [`(p)."X y" > ((q).b).c`, `(("p")."X y" > (("q")."b")."c")`],
    ["p = ROW(1, 'Q')::pair", `("p" = CAST(ROW(1, 'Q') AS pair))`],
    ['owner = current_user', '("owner" = CURRENT_USER)'],
    // Casts keep the type as written.
    ['a::float8 > 0', '(CAST("a" AS float8) > 0)'],
    ['a::timetz IS NULL', '(CAST("a" AS timetz) IS NULL)'],
    ['a::interval hour to minute > b', '(CAST("a" AS interval hour to minute) > "b")'],
    ['a::timestamp(3) with time zone < b', '(CAST("a" AS timestamp(3) with time zone) < "b")'],
    ['CAST(a AS character varying(10)[]) IS NULL', '(CAST("a" AS character varying(10)[]) IS NULL)'],
    ['a::public."My Type" IS NULL', '(CAST("a" AS public."My Type") IS NULL)'],
    // Strings exactly as written.
    [String.raw`a = E'it\'s' OR a = $$x$$`, String.raw`(("a" = E'it\'s') OR ("a" = $$x$$))`],
    [String.raw`a ~ '^https?://(?:www\.)?([^/]+)/.*$'`, String.raw`("a" ~ '^https?://(?:www\.)?([^/]+)/.*$')`],
    ["a = U&'d!0061t' UESCAPE '!'", `("a" = U&'d!0061t' UESCAPE '!')`],
  ])('%s', (condition, printed) => {
    expect(where(condition)).toBe(printed);
  });

  test.each([
    ['SELECT "a""b", count(*) AS "c\\d" FROM t GROUP BY 1', 'SELECT "a""b", count(*) AS "c\\d" FROM "t" GROUP BY 1'],
    ['SELECT sum(extract(epoch FROM make_interval(days => a))) FROM t', 'SELECT sum(EXTRACT(EPOCH FROM make_interval("days" => "a"))) FROM "t"'],
    ['SELECT count(*) FROM t GROUP BY ()', 'SELECT count(*) FROM "t" GROUP BY ()'],
    ['SELECT count(E.*) FROM t E', 'SELECT count("e".*) FROM "t" AS "e"'],
    ['TABLE Events ORDER BY id', 'SELECT * FROM "events" ORDER BY "id"'],
    ['SELECT(p).a, max((p).b) FROM t GROUP BY 1', 'SELECT ("p")."a", max(("p")."b") FROM "t" GROUP BY 1'],
    ['SELECT corr(y, x) FILTER (WHERE z), regr_count(y, x) FROM t', 'SELECT corr("y", "x") FILTER (WHERE "z"), regr_count("y", "x") FROM "t"'],
    ['SELECT a FROM t ORDER BY a USING >, b USING <', 'SELECT "a" FROM "t" ORDER BY "a" DESC, "b" ASC'],
    ["SELECT regexp_replace(a, '^(\\d)+$', '\\1') FROM t", 'SELECT regexp_replace("a", \'^(\\d)+$\', \'\\1\') FROM "t"'],
    ["SELECT sum((j->>'v')::int)::float8 FROM t", 'SELECT CAST(sum(CAST(("j" ->> \'v\') AS int)) AS float8) FROM "t"'],
  ])('%s', (sql, printed) => {
    expect(reprint(sql)).toBe(printed);
  });
});

describe('LIMIT, OFFSET and FETCH in every form PostgreSQL reads', () => {
  test.each([
    ['SELECT a FROM t LIMIT 5', 'SELECT "a" FROM "t" LIMIT 5'],
    ['SELECT a FROM t OFFSET 0 LIMIT 2', 'SELECT "a" FROM "t" LIMIT 2 OFFSET 0'],
    ["SELECT a FROM t LIMIT '3'", `SELECT "a" FROM "t" LIMIT '3'`],
    ['SELECT a FROM t LIMIT 2 + 1', 'SELECT "a" FROM "t" LIMIT (2 + 1)'],
    ['SELECT a FROM t LIMIT NULL', 'SELECT "a" FROM "t" LIMIT NULL'],
    ['SELECT a FROM t LIMIT ALL OFFSET 3', 'SELECT "a" FROM "t" OFFSET 3'],
    ['SELECT a FROM t ORDER BY a FETCH FIRST 5 ROWS ONLY', 'SELECT "a" FROM "t" ORDER BY "a" LIMIT 5'],
    ['SELECT a FROM t ORDER BY a OFFSET 3 ROWS FETCH NEXT ROW ONLY', 'SELECT "a" FROM "t" ORDER BY "a" LIMIT 1 OFFSET 3'],
    ['SELECT a FROM t ORDER BY a OFFSET 1 ROW FETCH FIRST 2 ROWS WITH TIES', 'SELECT "a" FROM "t" ORDER BY "a" OFFSET 1 ROWS FETCH FIRST (2) ROWS WITH TIES'],
    ['SELECT a FROM t WHERE b IN (SELECT 1 LIMIT 1) LIMIT 4', null],
  ])('%s', (sql, printed) => {
    const parsed = parseQuery(sql);
    expect(parsed.query ? printSelect(parsed.query) : null).toBe(printed);
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

test('syntax neither node-sql-parser nor the corrections read is not split, and runs as written', () => {
  expect(parseQuery('SELECT a FROM t WHERE a OPERATOR(pg_catalog.=) 1')).toMatchObject({
    query: null,
    notSplittable: 'the planner cannot read part of this query',
  });
  expect(parseQuery('SELECT a FROM t LIMIT 5 FETCH FIRST 3 ROWS ONLY')).toMatchObject({
    query: null,
    notSplittable: 'this LIMIT, OFFSET or FETCH form is not split',
  });
});

test('rejections come through parseQuery', () => {
  expect(() => parseQuery('DELETE FROM t')).toThrow(QueryRejectedError);
});
