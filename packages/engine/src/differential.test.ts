/**
 * The planner's proof: every case of the corpus, run directly on PostgreSQL and through the
 * in-process executor with 1, 2, 3, 7 and 16 partitions, must return the same result. The last
 * test reports how much of what could be split exactly the planner splits.
 */
import { DIFFERENTIAL_CASES, SPLIT_SHARE, diffResults, diffSubset } from '@pgfan/testing';
import { useQueryPool } from './__tests__/harness';
import { runLocal } from './local';

const PARTITIONS = [1, 2, 3, 7, 16];
const t = useQueryPool('differential');

test.each(DIFFERENTIAL_CASES.map((c) => [c.sql.replace(/\s+/g, ' '), c] as const))('%s', async (_, c) => {
  const expected = await t.direct(c.sql);
  const order = /\border\s+by\b/i.test(c.sql) ? 'ordered' : 'unordered';
  const unlimited = c.anyRowsOf ? await t.direct(c.anyRowsOf) : null;
  for (const partitions of PARTITIONS) {
    const record = await runLocal(t.pool, c.sql, { partitions }, t.typeNames);
    const context = `with ${partitions} partitions: ${JSON.stringify(record.error ?? record.plan?.reason)}`;
    expect([record.status, context]).toEqual(['completed', context]);
    expect([record.plan?.mode, context]).toEqual([c.split === false ? 'as-written' : 'fan-out', context]);
    const actual = record.result!;
    const difference = unlimited ? diffSubset(unlimited, actual, expected.rowCount) : diffResults(expected, actual, order);
    expect([difference, context, record.plan?.combineSql]).toEqual([null, context, record.plan?.combineSql]);
  }
});

const share = `${SPLIT_SHARE.split} of ${SPLIT_SHARE.splittable} (${((100 * SPLIT_SHARE.split) / SPLIT_SHARE.splittable).toFixed(1)}%)`;
test(`the planner splits ${share} of the corpus's splittable queries; the rest run as written, each checked above`, () => {
  const notYet = DIFFERENTIAL_CASES.filter((c) => c.split === false && c.splittable);
  expect(SPLIT_SHARE.splittable - SPLIT_SHARE.split).toBe(notYet.length);
});
