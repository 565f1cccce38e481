/** Shared setup for engine tests: a fresh fixture database and a query pool on it, per test file. */
import { createTestDatabase, type TestDatabase } from '@pgfan/testing';
import type { ResultSet } from '@pgfan/contracts';
import type { Pool } from 'pg';
import { createQueryPool } from '../connection';
import { runSequential, toResultSet } from '../execution';
import { TypeNames } from '../type-names';

export interface Harness {
  readonly db: TestDatabase;
  readonly pool: Pool;
  readonly typeNames: TypeNames;
  /** The query's result straight from PostgreSQL, as a record's result set. */
  direct(sql: string): Promise<ResultSet>;
}

/** Registers beforeAll/afterAll hooks; the returned object is usable inside tests. */
export function useQueryPool(label: string): Harness {
  let db: TestDatabase | undefined;
  let pool: Pool | undefined;
  const typeNames = new TypeNames();
  beforeAll(async () => {
    db = await createTestDatabase(label);
    pool = createQueryPool({ connectionString: db.url, max: 8 });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });
  const harness: Harness = {
    get db() {
      if (!db) throw new Error('the test database is created in beforeAll');
      return db;
    },
    get pool() {
      if (!pool) throw new Error('the pool is created in beforeAll');
      return pool;
    },
    typeNames,
    direct: async (sql) => toResultSet(harness.pool, await runSequential(harness.pool, sql), typeNames),
  };
  return harness;
}
