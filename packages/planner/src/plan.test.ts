import { EVENTS, combineOf, planFor } from './__tests__/helpers';
import type { CatalogFacts } from './facts';

const sql = (plan: ReturnType<typeof planFor>, i = 0) => plan.fragments[i]?.sql;

describe('grouped aggregates', () => {
  const plan = planFor("SELECT country, count(*), avg(amount) FROM events WHERE device = 'tv' OR is_bot GROUP BY country ORDER BY 2 DESC LIMIT 5", {
    partitions: 3,
    types: ['text', 'bigint', 'numeric'],
  });

  test('each fragment groups its page range; the WHERE keeps its parentheses', () => {
    expect(plan).toMatchObject({ mode: 'fan-out', partitions: 3, strategy: 'page-range', table: 'public.events' });
    const select = 'SELECT "country" AS "k0", count(*) AS "a0_count", sum("amount") AS "a1_sum", count("amount") AS "a1_count" FROM "public"."events"';
    const where = `WHERE ((("device" = 'tv') OR "is_bot"))`;
    expect(plan.fragments.map((f) => [f.sql, f.params])).toEqual([
      [`${select} ${where} AND "events".ctid < $1::tid GROUP BY 1`, ['(1000,0)']],
      [`${select} ${where} AND "events".ctid >= $1::tid AND "events".ctid < $2::tid GROUP BY 1`, ['(1000,0)', '(2000,0)']],
      [`${select} ${where} AND "events".ctid >= $1::tid GROUP BY 1`, ['(2000,0)']],
    ]);
  });

  test('the combine re-aggregates, averages as sum / count, and re-applies ORDER BY and LIMIT', () => {
    expect(combineOf(plan)).toBe(
      'WITH partials AS (SELECT CAST(u."k0" AS T) AS "k0", CAST(u."a0_count" AS T) AS "a0_count", CAST(u."a1_sum" AS T) AS "a1_sum", CAST(u."a1_count" AS T) AS "a1_count" ' +
        'FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u("k0", "a0_count", "a1_sum", "a1_count")) ' +
        'SELECT "k0" AS "out0", CAST(coalesce(sum("a0_count"), 0) AS bigint) AS "out1", CAST((sum("a1_sum") / nullif(sum("a1_count"), 0)) AS numeric) AS "out2" ' +
        'FROM partials AS p GROUP BY "k0" ORDER BY 2 DESC LIMIT 5',
    );
  });
});

test('avg over floats sums in double precision', () => {
  const plan = planFor('SELECT avg(duration) FROM events', { types: ['double precision'] });
  expect(sql(plan)).toBe(
    'SELECT sum(CAST("duration" AS double precision)) AS "a0_sum", count("duration") AS "a0_count", ' +
      `max(abs(CAST("duration" AS double precision))) FILTER (WHERE (abs(CAST("duration" AS double precision)) < CAST('Infinity' AS double precision))) AS "a0_absmax" ` +
      'FROM "public"."events" WHERE "events".ctid < $1::tid',
  );
  // Its accumulation could overflow only past this: the combine checks it first.
  expect(plan.combine?.floatGuards).toEqual([{ aggregate: 'avg("duration")', absMax: 'a0_absmax', count: 'a0_count', bound: 1e153 }]);
  expect(combineOf(plan)).toContain('SELECT (sum("a0_sum") / CAST(nullif(sum("a0_count"), 0) AS double precision)) AS "out0" FROM partials AS p');
});

test('sum over real sums in double precision and rounds once', () => {
  const plan = planFor('SELECT sum(price) FROM events', { types: ['real'] });
  expect(sql(plan)).toContain('sum(CAST("price" AS double precision)) AS "a0_sum"');
  expect(combineOf(plan)).toContain('CAST(sum("a0_sum") AS real) AS "out0"');
});

test('sum over integers casts the combined sum back to bigint', () => {
  expect(combineOf(planFor('SELECT sum(user_id) FROM events', { types: ['bigint'] }))).toContain('CAST(sum("a0_sum") AS bigint) AS "out0"');
});

test('count(DISTINCT x) FILTER: fragments group by x and note whether any row passed', () => {
  const plan = planFor('SELECT country, count(DISTINCT user_id) FILTER (WHERE is_bot) FROM events GROUP BY 1', { types: ['text', 'integer', 'bigint'] });
  expect(sql(plan)).toBe(
    'SELECT "country" AS "k0", "user_id" AS "d0", bool_or("is_bot") AS "a0_passes" FROM "public"."events" WHERE "events".ctid < $1::tid GROUP BY 1, 2',
  );
  expect(combineOf(plan)).toContain(
    'SELECT "k0" AS "out0", CAST(count(DISTINCT "d0") FILTER (WHERE "a0_passes") AS bigint) AS "out1" FROM partials AS p GROUP BY "k0"',
  );
});

test('exact numeric variance from count, Σx and Σx²', () => {
  const plan = planFor('SELECT var_samp(amount) FROM events', { types: ['numeric'] });
  expect(sql(plan)).toBe(
    'SELECT count("amount") AS "a0_count", sum(CAST("amount" AS numeric)) AS "a0_sum", sum((CAST("amount" AS numeric) * CAST("amount" AS numeric))) AS "a0_sumsq" FROM "public"."events" WHERE "events".ctid < $1::tid',
  );
  const N = 'coalesce(sum("a0_count"), 0)';
  const numerator = `((${N} * sum("a0_sumsq")) - (sum("a0_sum") * sum("a0_sum")))`;
  expect(combineOf(plan)).toContain(
    `CASE WHEN (${N} <= 1) THEN CAST(NULL AS numeric) WHEN (sum("a0_sum") IN (CAST('NaN' AS numeric), CAST('Infinity' AS numeric), CAST('-Infinity' AS numeric))) THEN CAST('NaN' AS numeric) ` +
      `WHEN (${numerator} <= 0) THEN CAST(0 AS numeric) ELSE (${numerator} / (${N} * (${N} - 1))) END AS "out0"`,
  );
});

test('float variance adds per-fragment squared deviations around a windowed mean', () => {
  const plan = planFor('SELECT country, stddev_pop(duration) FROM events GROUP BY country', { types: ['text', 'double precision'] });
  expect(sql(plan)).toContain('(var_pop(CAST("duration" AS double precision)) * CAST(count("duration") AS double precision)) AS "a0_m2"');
  expect(combineOf(plan)).toContain(
    'FROM (SELECT partials.*, sum("a0_sum") OVER w / CAST(NULLIF(sum("a0_count") OVER w, 0) AS double precision) AS "a0_mean" FROM partials WINDOW w AS (PARTITION BY "k0")) AS p GROUP BY "k0"',
  );
});

test('expressions over aggregates and HAVING are rewritten over the combined values', () => {
  const plan = planFor('SELECT sum(amount) / count(*) AS per_row FROM events HAVING max(price) > 10', { types: ['numeric', 'bigint', 'numeric'] });
  expect(combineOf(plan)).toContain(
    'SELECT (CAST(sum("a0_sum") AS numeric) / CAST(coalesce(sum("a1_count"), 0) AS bigint)) AS "out0" FROM partials AS p HAVING (max("a2_max") > 10)',
  );
});

test('GROUP BY a primary key carries the columns that depend on it', () => {
  const plan = planFor('SELECT id, country, count(*) FROM events GROUP BY id', { types: ['bigint', 'text', 'bigint'] });
  expect(sql(plan)).toMatch(/^SELECT "id" AS "k0", "country" AS "k1", count\(\*\) AS "a0_count" .* GROUP BY 1, 2$/);
});

test('GROUP BY alias, ordinal and expression resolve to the same key', () => {
  for (const group of ['bucket', '1', '"user_id" % 10']) {
    const plan = planFor(`SELECT user_id % 10 AS bucket, count(*) FROM events GROUP BY ${group}`);
    expect(sql(plan)).toMatch(/^SELECT \("user_id" % 10\) AS "k0", count\(\*\) AS "a0_count"/);
  }
});

describe('top-N', () => {
  test('plain rows: each fragment keeps its first LIMIT + OFFSET rows, the combine re-sorts and re-limits', () => {
    const plan = planFor('SELECT id, country FROM events WHERE price > 10 ORDER BY country DESC NULLS LAST, id LIMIT 10 OFFSET 5');
    expect(sql(plan)).toBe(
      'SELECT "id" AS "c0", "country" AS "c1" FROM "public"."events" WHERE (("price" > 10)) AND "events".ctid < $1::tid ORDER BY 2 DESC NULLS LAST, 1 LIMIT 15',
    );
    expect(combineOf(plan)).toContain('SELECT "c0" AS "out0", "c1" AS "out1" FROM partials AS p ORDER BY 2 DESC NULLS LAST, 1 LIMIT 10 OFFSET 5');
  });

  test('an ORDER BY expression that is not an output becomes a hidden sort column', () => {
    const plan = planFor('SELECT id FROM events ORDER BY lower(country), id LIMIT 3');
    expect(sql(plan)).toBe('SELECT "id" AS "c0", lower("country") AS "s0" FROM "public"."events" WHERE "events".ctid < $1::tid ORDER BY 2, 1 LIMIT 3');
    expect(combineOf(plan)).toContain('SELECT "c0" AS "out0" FROM partials AS p ORDER BY "s0", 1 LIMIT 3');
  });

  test('groups ordered by all their keys are limited per fragment too', () => {
    expect(sql(planFor('SELECT user_id, count(*) FROM events GROUP BY user_id ORDER BY user_id DESC LIMIT 10'))).toMatch(
      /GROUP BY 1 ORDER BY 1 DESC LIMIT 10$/,
    );
  });

  test.each([
    ['ordered by an aggregate', 'SELECT user_id, count(*) FROM events GROUP BY user_id ORDER BY 2 LIMIT 10'],
    ['ordered by only some keys', 'SELECT user_id, country, count(*) FROM events GROUP BY 1, 2 ORDER BY 1 LIMIT 10'],
    ['filtered by HAVING', 'SELECT user_id FROM events GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT 10'],
    ['with a DISTINCT aggregate', 'SELECT user_id, count(DISTINCT country) FROM events GROUP BY 1 ORDER BY 1 LIMIT 10'],
  ])('but not when %s: a group could be cut short', (_, query) => {
    expect(sql(planFor(query))).not.toMatch(/LIMIT/);
  });
});

describe('key ranges', () => {
  test('split by a column: the first range holds the NULLs, the last is open', () => {
    const plan = planFor('SELECT count(*) FROM events WHERE is_bot', {
      partitions: 3,
      partitionKey: 'ts',
      keyBounds: ['2024-02-01 00:00:00+00', '2024-03-01 00:00:00+00'],
    });
    expect(plan).toMatchObject({ strategy: 'key-range', partitions: 3 });
    const base = 'SELECT count(*) AS "a0_count" FROM "public"."events" WHERE ("is_bot") AND ';
    expect(plan.fragments.map((f) => [f.sql, f.params])).toEqual([
      [`${base}("events"."ts" < $1::timestamp with time zone OR "events"."ts" IS NULL)`, ['2024-02-01 00:00:00+00']],
      [
        `${base}"events"."ts" >= $1::timestamp with time zone AND "events"."ts" < $2::timestamp with time zone`,
        ['2024-02-01 00:00:00+00', '2024-03-01 00:00:00+00'],
      ],
      [`${base}"events"."ts" >= $1::timestamp with time zone`, ['2024-03-01 00:00:00+00']],
    ]);
    expect(plan.fragments[1]?.range).toEqual({ column: 'ts', type: 'timestamp with time zone', from: '2024-02-01 00:00:00+00', to: '2024-03-01 00:00:00+00' });
  });

  test('fewer split points than asked for (an empty table) means fewer fragments', () => {
    expect(planFor('SELECT count(*) FROM events', { partitions: 4, partitionKey: 'id', keyBounds: [] })).toMatchObject({
      partitions: 1,
      strategy: 'none',
      fragments: [{ range: null }],
    });
  });

  test.each([
    ['nope', 'cannot partition by "nope": public.events has no such column'],
    ['country', 'cannot partition by "country": it is text; key ranges need an integer, numeric, date or timestamp column'],
  ])('refuses %s', (key, message) => {
    expect(() => planFor('SELECT count(*) FROM events', { partitions: 2, partitionKey: key })).toThrow(message);
  });
});

test('one partition reads the whole table with a plain scan', () => {
  const plan = planFor('SELECT count(*) FROM events', { partitions: 1 });
  expect(plan).toMatchObject({ mode: 'fan-out', strategy: 'none', partitions: 1 });
  expect(plan.fragments).toEqual([{ index: 0, range: null, params: [], sql: 'SELECT count(*) AS "a0_count" FROM "public"."events"' }]);
});

test('a non-default collation is restored on the partial column', () => {
  const plan = planFor('SELECT min(country) FROM events', { types: ['text'], collations: ['C'] });
  expect(plan.combine?.columns).toEqual([{ name: 'a0_min', collation: 'C' }]);
  expect(combineOf(plan)).toContain('CAST(u."a0_min" AS T) COLLATE "C" AS "a0_min"');
});

describe('runs as written, with a reason a person understands', () => {
  const facts = (changes: Partial<CatalogFacts['table']>): CatalogFacts => ({ ...EVENTS, table: { ...EVENTS.table, ...changes } });

  test.each([
    ['SELECT count(*) FROM events WHERE random() < 0.5', {}, 'random() is volatile: each fragment would get different values'],
    [
      'SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY price) FROM events',
      {},
      'percentile_cont() is an ordered-set aggregate (WITHIN GROUP); those are not split',
    ],
    ['SELECT count(*) FROM events', { facts: facts({ kind: 'view' }) }, 'public.events is a view; views run as written'],
    [
      'SELECT count(*) FROM events',
      { facts: facts({ kind: 'partitioned-table' }) },
      'public.events is a partitioned table; partitioned tables are not split yet',
    ],
    [
      'SELECT count(*) FROM events',
      { partitions: undefined, workers: 4, facts: facts({ pages: 100 }) },
      'the table has 100 pages, too few to gain from splitting (under 2048)',
    ],
    ['SELECT country FROM events GROUP BY device', {}, '"country" is used outside an aggregate without being grouped'],
    ['SELECT 1 FROM events HAVING true', {}, 'HAVING without aggregates or GROUP BY is not split'],
    ['SELECT count(*) FROM events e WHERE x.a = 1', {}, 'the qualifier "x" does not name the query\'s table'],
  ] as const)('%s', (query, options, reason) => {
    expect(planFor(query, options)).toMatchObject({
      mode: 'as-written',
      reason,
      combine: null,
      fragments: [{ index: 0, sql: query, params: [], range: null }],
    });
  });

  test('array_agg and friends depend on row order', () => {
    const facts2: CatalogFacts = { ...EVENTS, functions: { array_agg: { aggregate: true, window: false, volatile: false, returnsSet: false } } };
    expect(planFor('SELECT array_agg(id) FROM events', { facts: facts2 }).reason).toBe(
      'array_agg() collects values in arrival order, which fragments cannot reproduce',
    );
  });
});
