/**
 * The planner's proof: every case of the corpus, run directly on PostgreSQL and through the
 * in-process executor with 1, 2, 3, 7 and 16 partitions, must return the same result.
 */
import { createTestDatabase, DIFFERENTIAL_CASES, diffResults, diffSubset, type TestDatabase } from '@pgfan/testing';
import type { Pool } from 'pg';
import { createQueryPool, runLocal, runSequential, toResultSet, TypeNames } from './index';

const PARTITIONS = [1, 2, 3, 7, 16];

let db: TestDatabase;
let pool: Pool;
const typeNames = new TypeNames();

beforeAll(async () => {
  db = await createTestDatabase('differential');
  pool = createQueryPool({ connectionString: db.url, max: 8 });
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

async function direct(sql: string) {
  return toResultSet(pool, await runSequential(pool, sql), typeNames);
}

test.each(DIFFERENTIAL_CASES.map((c) => [c.sql.replace(/\s+/g, ' '), c] as const))('%s', async (_, c) => {
  const expected = await direct(c.sql);
  const order = /\border\s+by\b/i.test(c.sql) ? 'ordered' : 'unordered';
  const unlimited = c.anyRowsOf ? await direct(c.anyRowsOf) : null;
  for (const partitions of PARTITIONS) {
    const record = await runLocal(pool, c.sql, { partitions }, typeNames);
    const context = `with ${partitions} partitions: ${JSON.stringify(record.error ?? record.plan?.reason)}`;
    expect([record.status, context]).toEqual(['completed', context]);
    expect([record.plan?.mode, context]).toEqual([c.split === false ? 'sequential' : 'parallel', context]);
    const actual = record.result!;
    const difference = unlimited ? diffSubset(unlimited, actual, expected.rowCount) : diffResults(expected, actual, order);
    expect([difference, context, record.plan?.combineSql]).toEqual([null, context, record.plan?.combineSql]);
  }
});
