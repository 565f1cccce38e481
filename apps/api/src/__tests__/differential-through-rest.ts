/**
 * The planner's differential corpus, submitted through REST to real workers: every case must
 * return what PostgreSQL returns directly — through the queue, the snapshot, the fragments and the
 * combine. One test file per way partial rows travel, each with a system of its own.
 */
import { QueryView } from '@pgfan/contracts';
import { createQueryPool, runSequential, toResultSet, TypeNames } from '@pgfan/engine';
import { DIFFERENTIAL_CASES, diffResults, diffSubset, startSystem, type System, type SystemOptions } from '@pgfan/testing';
import type { Pool } from 'pg';

/**
 * Declares the corpus's tests, against a system started with `options`.
 * @param combinedFrom text every fan-out's combine SQL holds: where it read the partial rows.
 */
export function differentialThroughRest(options: SystemOptions, combinedFrom: string): void {
  let system: System;
  let pool: Pool;
  const typeNames = new TypeNames();

  beforeAll(async () => {
    system = await startSystem(options);
    pool = createQueryPool({ connectionString: system.db.url, max: 2 });
  }, 90_000);

  afterAll(async () => {
    await pool?.end();
    await system?.stop();
  });

  const direct = async (sql: string) => toResultSet(pool, await runSequential(pool, sql), typeNames);

  test.each(DIFFERENTIAL_CASES.map((c) => [c.sql.replace(/\s+/g, ' '), c] as const))('%s', async (_, c) => {
    const { status, body } = await system.request<QueryView>('POST', '/api/queries?wait=30000', { sql: c.sql, partitions: 3 });
    expect(status).toBe(200);
    const record = QueryView.parse(body);
    expect([record.status, record.error]).toEqual(['completed', null]);
    expect(record.plan?.mode).toBe(c.split === false ? 'as-written' : 'fan-out');
    // A fan-out that ran as written after all has no combine.
    if (record.plan?.combineSql) expect(record.plan.combineSql).toContain(combinedFrom);
    const expected = await direct(c.sql);
    const difference = c.anyRowsOf
      ? diffSubset(await direct(c.anyRowsOf), record.result!, expected.rowCount)
      : diffResults(expected, record.result!, /\border\s+by\b/i.test(c.sql) ? 'ordered' : 'unordered');
    expect(difference).toBeNull();
  });
}
