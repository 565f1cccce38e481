/**
 * The expert's rewrite of COUNT(DISTINCT) (planner `rewrite.ts`), differentially: the rewrite
 * answers exactly as the user's text — NULLs, collations (ICU, "C", a case-insensitive
 * nondeterministic one), numerics of mixed scales, floats with -0 and NaN, empty tables — and
 * fails with the same error; and a query run as written runs it only where PostgreSQL estimates it
 * cheaper (a low-cardinality column), not where it is not (a column of nearly unique values);
 * the statistics' gate for non-text columns is tested in the planner.
 */
import { asWrittenSql, catalogRequest, DEFAULT_COST_MODEL, distinctSubquery, parseQuery } from '@pgfan/planner';
import { useQueryPool } from './__tests__/harness';
import { loadCatalogFacts } from './catalog';
import { planOnDatabase } from './planning';

const t = useQueryPool('rewrite');

beforeAll(async () => {
  await t.db.exec(`
    CREATE COLLATION IF NOT EXISTS case_insensitive (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
    CREATE TABLE words (id int, word text COLLATE case_insensitive, f float8);
    INSERT INTO words SELECT i, (ARRAY['Apple', 'apple', 'APPLE', 'pear', NULL, 'Pear', 'ß', 'ss'])[1 + i % 8],
      (ARRAY['0', '-0', 'NaN', '1.5', NULL, 'Infinity'])[1 + i % 6]::float8
    FROM generate_series(1, 2000) AS i;
    CREATE TABLE visits AS SELECT i AS id, i % 50 AS shop, i AS visitor, md5((i % 20000)::text) AS page FROM generate_series(1, 300000) AS i;
    ANALYZE words;
    ANALYZE visits;
  `);
});

/** Rows or the error, as text. */
async function answer(sql: string): Promise<unknown> {
  try {
    return (await t.pool.query({ text: sql, rowMode: 'array' })).rows;
  } catch (error) {
    const { code, message } = error as { code: string; message: string };
    return { code, message };
  }
}

/** The rewrite's form, whether or not the planner would pick it for these statistics. */
async function rewriteOf(sql: string): Promise<string> {
  const parsed = parseQuery(sql);
  const rewrite = distinctSubquery(parsed.query!, await loadCatalogFacts(t.pool, catalogRequest(parsed.query!)));
  if (!rewrite) throw new Error(`no rewrite of ${sql}`);
  return rewrite.sql;
}

test.each([
  'SELECT count(DISTINCT user_id) FROM events',
  'SELECT count(DISTINCT country) FROM events',
  'SELECT count(DISTINCT country_c) AS c FROM events',
  'SELECT count(DISTINCT device) FROM events WHERE user_id > 100',
  'SELECT count(DISTINCT tag) FROM events',
  'SELECT count(DISTINCT duration) FROM events',
  'SELECT count(DISTINCT score) FROM events WHERE is_bot',
  'SELECT count(DISTINCT revenue) FROM events',
  'SELECT count(DISTINCT price) FROM events',
  'SELECT count(DISTINCT day) FROM events',
  'SELECT count(DISTINCT ts) FROM events',
  'SELECT count(DISTINCT is_bot) FROM events',
  'SELECT count(DISTINCT big) FROM events',
  'SELECT count(DISTINCT small) FROM events',
  'SELECT count(DISTINCT user_id) FROM empty_events',
  'SELECT count(DISTINCT word) FROM words',
  'SELECT count(DISTINCT f) FROM words',
  'SELECT count(DISTINCT user_id) FROM events WHERE 1 / (id - id) > 0',
])('%s: the rewrite gives the same answer', async (sql) => {
  expect(await answer(await rewriteOf(sql))).toEqual(await answer(sql));
});

test('run as written, a low-cardinality count(DISTINCT) runs as the DISTINCT subquery, and the plan says so', async () => {
  const sql = 'SELECT count(DISTINCT shop) FROM visits';
  const { plan } = await planOnDatabase(t.pool, sql, { workers: 1 }, t.typeNames);
  expect(plan.mode).toBe('as-written');
  expect(asWrittenSql(plan)).toBe(await rewriteOf(sql));
  expect(plan.reason).toContain('runs as count() over SELECT DISTINCT');
  // The record shows what ran; the user's statement stays the query's SQL.
  expect(plan.fragments.map((f) => f.sql)).toEqual([await rewriteOf(sql)]);
  expect(plan.sql).toBe(sql);
  expect(await answer(asWrittenSql(plan))).toEqual([['50']]);
});

test("for text, the bar is the user's query with the sort its estimate leaves out: the rewrite runs, PostgreSQL's own estimate would have kept it out", async () => {
  const sql = 'SELECT count(DISTINCT page) FROM visits';
  const cost = async (text: string) =>
    JSON.parse(String((await t.pool.query({ text: `EXPLAIN (FORMAT JSON) ${text}`, rowMode: 'array' })).rows[0]![0]))[0].Plan['Total Cost'] as number;
  const rewrite = await rewriteOf(sql);
  expect(await cost(rewrite)).toBeGreaterThan(await cost(sql));
  const { plan } = await planOnDatabase(t.pool, sql, { workers: 1 }, t.typeNames);
  expect(asWrittenSql(plan)).toBe(rewrite);
  expect(await answer(rewrite)).toEqual(await answer(sql));
});

test('where PostgreSQL does not estimate the rewrite cheaper (nearly unique values), or there is none, the user’s text runs', async () => {
  const unique = await planOnDatabase(t.pool, 'SELECT count(DISTINCT visitor) FROM visits', { workers: 1 }, t.typeNames);
  expect(unique.plan.rewrite).toBeUndefined();
  expect(asWrittenSql(unique.plan)).toBe('SELECT count(DISTINCT visitor) FROM visits');
  const other = await planOnDatabase(t.pool, 'SELECT count(DISTINCT shop), count(*) FROM visits', { workers: 1 }, t.typeNames);
  expect(other.plan.rewrite).toBeUndefined();
});

test('the rewrite is one more way to run the query: weighed against fragments, it runs where it is predicted faster, and the fan-out where that is', async () => {
  const sql = 'SELECT count(DISTINCT shop) FROM visits';
  // count(DISTINCT) as written predicted slow enough to fan out.
  const slowText = { ...DEFAULT_COST_MODEL, fanOutMs: 2, costScales: { ...DEFAULT_COST_MODEL.costScales, distinct: 8 } };
  const rewritten = await planOnDatabase(t.pool, sql, { workers: 4, costModel: slowText }, t.typeNames);
  expect(rewritten.plan).toMatchObject({ mode: 'as-written', rewrite: await rewriteOf(sql), prediction: { queryClass: 'grouped' } });
  expect(rewritten.plan.reason).toMatch(/^predicted .* ms rewritten.* in \d fragments: splitting would not pay; runs as count\(\) over SELECT DISTINCT/);
  // Hashed grouping as slow as that too: the fragments win.
  const slowGrouping = { ...slowText, costScales: { ...slowText.costScales, grouped: 8 } };
  const fannedOut = await planOnDatabase(t.pool, sql, { workers: 4, costModel: slowGrouping }, t.typeNames);
  expect(fannedOut.plan).toMatchObject({ mode: 'fan-out', prediction: { queryClass: 'distinct' } });
  expect(fannedOut.plan.rewrite).toBeUndefined();
  expect(fannedOut.plan.reason).toMatch(/ms rewritten/);
});

test('with a fragment count requested, the count decides; a query that cannot split still runs as the rewrite', async () => {
  await t.db.exec('CREATE VIEW visits_view AS SELECT * FROM visits');
  const requested = await planOnDatabase(t.pool, 'SELECT count(DISTINCT page) FROM visits', { workers: 4, partitions: 2 }, t.typeNames);
  expect(requested.plan).toMatchObject({ mode: 'fan-out', partitions: 2 });
  const view = 'SELECT count(DISTINCT page) FROM visits_view';
  const unsplit = await planOnDatabase(t.pool, view, { workers: 4, partitions: 2 }, t.typeNames);
  expect(unsplit.plan).toMatchObject({ mode: 'as-written', rewrite: await rewriteOf(view) });
});
