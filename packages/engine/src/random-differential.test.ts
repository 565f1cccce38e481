/**
 * Property: for random splittable queries, the in-process executor returns exactly what
 * PostgreSQL returns, with 1, 2, 3, 7 and 16 partitions, and split by the values of a plain group
 * key (`flags`, `day`) when the query has one. The seed is fixed so CI is repeatable;
 * set FC_SEED (and FC_RUNS) to explore others.
 */
import { diffResults, randomQuery } from '@pgfan/testing';
import fc from 'fast-check';
import { useQueryPool } from './__tests__/harness';
import { runLocal } from './local';

const t = useQueryPool('random_differential');

const RUNS = Number(process.env.FC_RUNS ?? 100);
const PARTITIONS = [1, 2, 3, 7, 16];
/** Group keys that are plain columns of a key-range type: split by their values, every group is whole in one fragment. */
const VALUE_KEYS = ['flags', 'day'];

/** The query's split options: by pages into each count, and by the values of a plain group key, if it has one. */
function splits(sql: string): { partitions: number; partitionKey?: string }[] {
  const keys = (/ GROUP BY (.*?)(?: HAVING | ORDER BY | LIMIT | OFFSET |$)/.exec(sql)?.[1] ?? '').split(', ');
  const byValues = VALUE_KEYS.filter((key) => keys.includes(key)).map((partitionKey) => ({ partitions: 3, partitionKey }));
  return [...PARTITIONS.map((partitions) => ({ partitions })), ...byValues];
}

test(
  'random splittable queries return what PostgreSQL returns',
  async () => {
    await fc.assert(
      fc.asyncProperty(randomQuery, async (q) => {
        const expected = await t.direct(q.sql);
        for (const split of splits(q.sql)) {
          const how = `${split.partitions} partitions${split.partitionKey ? ` by ${split.partitionKey}` : ''}`;
          const record = await runLocal(t.pool, q.sql, split, t.typeNames);
          if (record.status !== 'completed') throw new Error(`failed with ${how}: ${JSON.stringify(record.error)}`);
          if (record.plan?.mode !== 'fan-out') throw new Error(`not split: ${record.plan?.reason}`);
          const difference = diffResults(expected, record.result!, q.ordered ? 'ordered' : 'unordered');
          if (difference) throw new Error(`with ${how}: ${difference}\ncombine: ${record.plan.combineSql}`);
        }
      }),
      { numRuns: RUNS, seed: Number(process.env.FC_SEED ?? 20261123), endOnFailure: true },
    );
  },
  Math.max(60_000, RUNS * 1000),
);
