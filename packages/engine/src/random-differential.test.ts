/**
 * Property: for random splittable queries, the in-process executor returns exactly what
 * PostgreSQL returns, with 1, 2, 3, 7 and 16 partitions. The seed is fixed so CI is repeatable;
 * set FC_SEED (and FC_RUNS) to explore others.
 */
import { diffResults, randomQuery } from '@pgfan/testing';
import fc from 'fast-check';
import { useQueryPool } from './__tests__/harness';
import { runLocal } from './local';

const t = useQueryPool('random_differential');

const RUNS = Number(process.env.FC_RUNS ?? 100);
const PARTITIONS = [1, 2, 3, 7, 16];

test(
  'random splittable queries return what PostgreSQL returns',
  async () => {
    await fc.assert(
      fc.asyncProperty(randomQuery, async (q) => {
        const expected = await t.direct(q.sql);
        for (const partitions of PARTITIONS) {
          const record = await runLocal(t.pool, q.sql, { partitions }, t.typeNames);
          if (record.status !== 'completed') throw new Error(`failed with ${partitions} partitions: ${JSON.stringify(record.error)}`);
          if (record.plan?.mode !== 'fan-out') throw new Error(`not split: ${record.plan?.reason}`);
          const difference = diffResults(expected, record.result!, q.ordered ? 'ordered' : 'unordered');
          if (difference) throw new Error(`with ${partitions} partitions: ${difference}\ncombine: ${record.plan.combineSql}`);
        }
      }),
      { numRuns: RUNS, seed: Number(process.env.FC_SEED ?? 20261123), endOnFailure: true },
    );
  },
  Math.max(60_000, RUNS * 1000),
);
