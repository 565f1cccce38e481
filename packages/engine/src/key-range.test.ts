/**
 * Key-range partitioning, differentially: corpus queries over `events`, split by ranges of an
 * integer, bigint, numeric, date or timestamp column (several with NULLs), must return what
 * PostgreSQL returns. Split points come from pg_stats histograms, or from min/max without them.
 */
import { DIFFERENTIAL_CASES, diffResults, diffSubset } from '@pgfan/testing';
import { useQueryPool } from './__tests__/harness';
import { createQueryPool } from './connection';
import { runLocal } from './local';

const KEYS = ['id', 'user_id', 'revenue', 'day', 'ts'];
const CASES = DIFFERENTIAL_CASES.filter((c) => c.split !== false && /\bFROM events\b/.test(c.sql));

const t = useQueryPool('key_range');

test.each(CASES.map((c, i) => [KEYS[i % KEYS.length] as string, c.sql.replace(/\s+/g, ' '), c] as const))('by %s: %s', async (key, _, c) => {
  const expected = await t.direct(c.sql);
  const unlimited = c.anyRowsOf ? await t.direct(c.anyRowsOf) : null;
  for (const partitions of [3, 7]) {
    const record = await runLocal(t.pool, c.sql, { partitions, partitionKey: key }, t.typeNames);
    const context = `${partitions} ranges of ${key}: ${JSON.stringify(record.error ?? record.plan?.reason)}`;
    expect([record.status, record.plan?.strategy, context]).toEqual(['completed', 'key-range', context]);
    const difference = unlimited
      ? diffSubset(unlimited, record.result!, expected.rowCount)
      : diffResults(expected, record.result!, /\border\s+by\b/i.test(c.sql) ? 'ordered' : 'unordered');
    expect([difference, context]).toEqual([null, context]);
  }
});

test('without statistics, split points come from min and max', async () => {
  const admin = await createQueryPool({ connectionString: t.db.url, max: 1 }).connect();
  try {
    await admin.query('SET default_transaction_read_only = off');
    await admin.query('CREATE TABLE fresh AS SELECT i AS k, i % 7 AS v FROM generate_series(1, 1000) AS i');
    await admin.query('INSERT INTO fresh VALUES (NULL, 3)');
  } finally {
    admin.release(true);
  }
  const record = await runLocal(t.pool, 'SELECT v, count(*), sum(k) FROM fresh GROUP BY v ORDER BY v', { partitions: 4, partitionKey: 'k' }, t.typeNames);
  expect(record.plan?.fragments.map((f) => f.range)).toEqual([
    { column: 'k', type: 'integer', from: null, to: '251' },
    { column: 'k', type: 'integer', from: '251', to: '501' },
    { column: 'k', type: 'integer', from: '501', to: '750' },
    { column: 'k', type: 'integer', from: '750', to: null },
  ]);
  expect(diffResults(await t.direct('SELECT v, count(*), sum(k) FROM fresh GROUP BY v ORDER BY v'), record.result!, 'ordered')).toBeNull();
});

/**
 * Split by the values of a group key, every group is whole in one fragment: fragments keep their
 * own top N by the query's ORDER BY and count distinct values themselves; split by the values of
 * an ungrouped COUNT(DISTINCT)'s argument, they count their values and the combine adds them up.
 */
const COMPLETE: [key: string, sql: string, order?: 'ordered' | 'unordered'][] = [
  ['user_id', 'SELECT user_id, count(*) FROM events GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 10'],
  ['user_id', 'SELECT user_id, count(*) AS c FROM events WHERE device IS NOT NULL GROUP BY user_id ORDER BY c DESC, 1 DESC NULLS LAST LIMIT 7 OFFSET 3'],
  // The rows tying with the third, in any order among them.
  ['user_id', 'SELECT user_id, count(*) FROM events GROUP BY user_id ORDER BY count(*) DESC FETCH FIRST 3 ROWS WITH TIES', 'unordered'],
  ['user_id', 'SELECT user_id, count(DISTINCT device) AS d, sum(revenue) AS r FROM events GROUP BY user_id ORDER BY d DESC, r DESC NULLS LAST, 1 LIMIT 12'],
  ['user_id', 'SELECT user_id, min(country) AS m, count(*) FROM events GROUP BY user_id ORDER BY m NULLS FIRST, 1 LIMIT 9'],
  ['user_id', 'SELECT device, user_id, avg(small) AS a FROM events GROUP BY device, user_id ORDER BY a DESC, 2, 1 LIMIT 8'],
  ['day', 'SELECT day, count(DISTINCT user_id) AS u, count(*) FROM events GROUP BY day ORDER BY u DESC, day LIMIT 5'],
  ['user_id', 'SELECT user_id, count(*) FROM events GROUP BY user_id HAVING count(*) > 20 ORDER BY 2 DESC, 1 LIMIT 4'],
  ['user_id', 'SELECT user_id, sum(duration) AS s FROM events GROUP BY user_id ORDER BY s DESC NULLS LAST, 1 LIMIT 6'],
  // A DISTINCT aggregate other than count keeps its argument grouped by in fragments: no count is taken there either.
  ['user_id', 'SELECT user_id, sum(DISTINCT small) AS s, count(DISTINCT device) AS d FROM events GROUP BY user_id ORDER BY d DESC, 1 LIMIT 20'],
  ['user_id', 'SELECT count(DISTINCT user_id) FROM events'],
  [
    'user_id',
    "SELECT count(DISTINCT user_id), count(*), sum(revenue), count(DISTINCT user_id) FILTER (WHERE is_bot) FROM events WHERE day > DATE '2024-02-01'",
  ],
  ['big', 'SELECT count(DISTINCT big) AS n, max(big) FROM events'],
  ['user_id', "SELECT count(DISTINCT user_id) FROM events WHERE day < DATE '2000-01-01'"],
];

test.each(COMPLETE)('complete values, by %s: %s', async (key, sql, order = /\border\s+by\b/i.test(sql) ? 'ordered' : 'unordered') => {
  const expected = await t.direct(sql);
  for (const partitions of [2, 5]) {
    const record = await runLocal(t.pool, sql, { partitions, partitionKey: key }, t.typeNames);
    const context = `${partitions} ranges of ${key}: ${JSON.stringify(record.error ?? record.plan?.reason)}`;
    expect([record.status, record.plan?.strategy, context]).toEqual(['completed', 'key-range', context]);
    expect([diffResults(expected, record.result!, order), context]).toEqual([null, context]);
  }
});

test('split by a group key, a fragment returns only its own top N; by a COUNT(DISTINCT) argument, its count', async () => {
  const topN = await runLocal(
    t.pool,
    'SELECT user_id, count(*) FROM events GROUP BY user_id ORDER BY 2 DESC, 1 LIMIT 10',
    { partitions: 3, partitionKey: 'user_id' },
    t.typeNames,
  );
  expect(topN.plan?.fragments.map((f) => f.sql.replace(/.* GROUP BY/, 'GROUP BY'))).toEqual(Array(3).fill('GROUP BY 1 ORDER BY 3 DESC, 4 LIMIT 10'));
  const distinct = await runLocal(t.pool, 'SELECT count(DISTINCT user_id) FROM events', { partitions: 3, partitionKey: 'user_id' }, t.typeNames);
  expect(distinct.plan?.fragments.map((f) => /GROUP BY|count\(DISTINCT/.exec(f.sql)?.[0])).toEqual(Array(3).fill('count(DISTINCT'));
});

/** Corpus queries grouped by one of the key columns, split by that column's values: every group whole in one fragment. */
const GROUPED_BY_KEY = CASES.flatMap((c) => {
  const groupBy = /\bgroup\s+by\b(.*?)(\bhaving\b|\border\b|\blimit\b|\bfetch\b|\boffset\b|$)/is.exec(c.sql)?.[1] ?? '';
  return KEYS.filter((key) => new RegExp(`\\b${key}\\b`).test(groupBy)).map((key) => [key, c.sql.replace(/\s+/g, ' '), c] as const);
});

test('the corpus has queries grouped by a key column', () => {
  expect(GROUPED_BY_KEY.length).toBeGreaterThan(10);
});

test.each(GROUPED_BY_KEY)('whole groups, by %s: %s', async (key, _, c) => {
  const expected = await t.direct(c.sql);
  const unlimited = c.anyRowsOf ? await t.direct(c.anyRowsOf) : null;
  const record = await runLocal(t.pool, c.sql, { partitions: 3, partitionKey: key }, t.typeNames);
  const context = `3 ranges of ${key}: ${JSON.stringify(record.error ?? record.plan?.reason)}`;
  expect([record.status, context]).toEqual(['completed', context]);
  const difference = unlimited
    ? diffSubset(unlimited, record.result!, expected.rowCount)
    : diffResults(expected, record.result!, /\border\s+by\b/i.test(c.sql) ? 'ordered' : 'unordered');
  expect([difference, context]).toEqual([null, context]);
});
