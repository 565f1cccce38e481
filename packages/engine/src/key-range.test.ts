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
