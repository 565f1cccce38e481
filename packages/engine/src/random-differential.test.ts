/**
 * Property: for random splittable queries, the in-process executor returns exactly what
 * PostgreSQL returns. The seed is fixed so CI is repeatable; set FC_SEED to explore others.
 */
import { createTestDatabase, diffResults, randomQuery, type TestDatabase } from '@pgfan/testing';
import fc from 'fast-check';
import type { Pool } from 'pg';
import { createQueryPool, runLocal, runSequential, toResultSet, TypeNames } from './index';

let db: TestDatabase;
let pool: Pool;
const typeNames = new TypeNames();

beforeAll(async () => {
  db = await createTestDatabase('random_differential');
  pool = createQueryPool({ connectionString: db.url, max: 8 });
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const RUNS = Number(process.env.FC_RUNS ?? 200);

test('random splittable queries return what PostgreSQL returns', async () => {
  await fc.assert(
    fc.asyncProperty(randomQuery, async (q) => {
      const expected = await toResultSet(pool, await runSequential(pool, q.sql), typeNames);
      const record = await runLocal(pool, q.sql, { partitions: q.partitions }, typeNames);
      if (record.status !== 'completed') throw new Error(`failed: ${JSON.stringify(record.error)}`);
      if (record.plan?.mode !== 'parallel') throw new Error(`not split: ${record.plan?.reason}`);
      const difference = diffResults(expected, record.result!, q.ordered ? 'ordered' : 'unordered');
      if (difference) throw new Error(`${difference}\ncombine: ${record.plan.combineSql}`);
    }),
    { numRuns: RUNS, seed: Number(process.env.FC_SEED ?? 20261123), endOnFailure: true },
  );
}, Math.max(60_000, RUNS * 200));
