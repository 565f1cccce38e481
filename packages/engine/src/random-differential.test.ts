/**
 * Property: for random splittable queries, the in-process executor returns exactly what
 * PostgreSQL returns. The seed is fixed so CI is repeatable; set FC_SEED to explore others.
 */
import { diffResults, randomQuery } from '@pgfan/testing';
import fc from 'fast-check';
import { useQueryPool } from './__tests__/harness';
import { runLocal } from './local';

const t = useQueryPool('random_differential');

const RUNS = Number(process.env.FC_RUNS ?? 200);

test('random splittable queries return what PostgreSQL returns', async () => {
  await fc.assert(
    fc.asyncProperty(randomQuery, async (q) => {
      const expected = await t.direct(q.sql);
      const record = await runLocal(t.pool, q.sql, { partitions: q.partitions }, t.typeNames);
      if (record.status !== 'completed') throw new Error(`failed: ${JSON.stringify(record.error)}`);
      if (record.plan?.mode !== 'parallel') throw new Error(`not split: ${record.plan?.reason}`);
      const difference = diffResults(expected, record.result!, q.ordered ? 'ordered' : 'unordered');
      if (difference) throw new Error(`${difference}\ncombine: ${record.plan.combineSql}`);
    }),
    { numRuns: RUNS, seed: Number(process.env.FC_SEED ?? 20261123), endOnFailure: true },
  );
}, Math.max(60_000, RUNS * 200));
