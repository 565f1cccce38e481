/**
 * What users see when a query is refused or fails: a stable code, a clear message, a position
 * in their SQL where there is one — and refused statements never reach the database.
 */
import { Pool, type QueryConfig } from 'pg';
import { useQueryPool } from './__tests__/harness';
import { createQueryPool } from './connection';
import { runLocal } from './local';

const t = useQueryPool('failures');

/** A pool that remembers every statement sent through it. */
function recordingPool(): { pool: Pool; sent: string[] } {
  const sent: string[] = [];
  const recording = new Proxy(t.pool, {
    get(target, property, receiver) {
      if (property !== 'query') return Reflect.get(target, property, receiver);
      return (config: QueryConfig | string, ...rest: unknown[]) => {
        sent.push(typeof config === 'string' ? config : config.text);
        return (target.query as (...args: unknown[]) => unknown)(config, ...rest);
      };
    },
  });
  return { pool: recording, sent };
}

test.each([
  ['DROP TABLE events', 'NOT_READ_ONLY'],
  ['DELETE FROM events', 'NOT_READ_ONLY'],
  ['SELECT 1; DROP TABLE events', 'MULTIPLE_STATEMENTS'],
  ["SELECT 1; COPY events TO PROGRAM 'rm -rf /'", 'MULTIPLE_STATEMENTS'],
  ['SELECT * INTO stolen FROM events', 'NOT_READ_ONLY'],
  ['SELECT * FROM events FOR UPDATE', 'NOT_READ_ONLY'],
  ['WITH d AS (DELETE FROM events RETURNING *) SELECT count(*) FROM d', 'NOT_READ_ONLY'],
  ['SET default_transaction_read_only = off', 'NOT_READ_ONLY'],
  ['', 'EMPTY_QUERY'],
])('%s is refused with %s before reaching the database', async (sql, code) => {
  const { pool: recording, sent } = recordingPool();
  const record = await runLocal(recording, sql, { partitions: 2 });
  expect(record).toMatchObject({ status: 'failed', error: { code }, result: null, plan: null });
  expect(sent).toEqual([]);
  const still = await t.pool.query('SELECT count(*) AS n FROM events');
  expect(still.rows[0]).toEqual({ n: '6799' });
});

test('a syntax error is reported by PostgreSQL, with its position in the submitted SQL', async () => {
  const record = await runLocal(t.pool, 'SELECT count(*)\nFROM events\nWHERE flags >> AND 1');
  expect(record.error).toEqual({
    code: 'SYNTAX_ERROR',
    message: 'syntax error at or near "AND"',
    position: { offset: 43, line: 3, column: 16 },
  });
});

test('an unknown column is INVALID_QUERY, with its position', async () => {
  const record = await runLocal(t.pool, 'SELECT sum(nope) FROM events', { partitions: 4 });
  expect(record.error).toEqual({ code: 'INVALID_QUERY', message: 'column "nope" does not exist', position: { offset: 11, line: 1, column: 12 } });
});

test('an unknown table is INVALID_QUERY', async () => {
  const record = await runLocal(t.pool, 'SELECT count(*) FROM nowhere', { partitions: 4 });
  expect(record.error).toMatchObject({ code: 'INVALID_QUERY', message: 'relation "nowhere" does not exist' });
});

test('a fragment that fails fails the whole query, naming the fragment; no partial answer', async () => {
  const record = await runLocal(t.pool, 'SELECT sum(100 / (id - 5000)) FROM events', { partitions: 4 });
  expect(record.status).toBe('failed');
  expect(record.result).toBeNull();
  expect(record.error?.code).toBe('QUERY_FAILED');
  expect(record.error?.message).toMatch(/^fragment \d of 4 failed: division by zero$/);
  expect(record.plan?.mode).toBe('fan-out');
});

test('a query that waits past lock_timeout for a locked table is a TIMEOUT, not a failure of the query', async () => {
  const impatient = createQueryPool({ connectionString: t.db.url, max: 1, lockTimeoutMs: 200 });
  const locker = new Pool({ connectionString: t.db.url, max: 1 });
  const holder = await locker.connect();
  try {
    await holder.query('BEGIN; LOCK TABLE single_event IN ACCESS EXCLUSIVE MODE');
    const record = await runLocal(impatient, 'SELECT count(*) FROM single_event');
    expect(record.error).toMatchObject({ code: 'TIMEOUT', message: 'canceling statement due to lock timeout' });
  } finally {
    await holder.query('ROLLBACK');
    holder.release();
    await Promise.all([locker.end(), impatient.end()]);
  }
});

test('a writing function the planner cannot see into is stopped by the read-only transaction', async () => {
  await t.db.exec(`CREATE TABLE IF NOT EXISTS written (n int);
    CREATE OR REPLACE FUNCTION sneaky() RETURNS int LANGUAGE plpgsql AS $$ BEGIN INSERT INTO written VALUES (1); RETURN 1; END $$`);
  const record = await runLocal(t.pool, 'SELECT sneaky() FROM single_event');
  expect(record.error).toMatchObject({ code: 'NOT_READ_ONLY', message: 'cannot execute INSERT in a read-only transaction' });
  expect((await t.pool.query('SELECT count(*) AS n FROM written')).rows[0]).toEqual({ n: '0' });
});

test('hostile-looking names run as ordinary names, and change nothing', async () => {
  const record = await runLocal(t.pool, `SELECT count(*) AS "x""; DROP TABLE events; --", country AS "';DELETE" FROM events GROUP BY 2 ORDER BY 2`, {
    partitions: 3,
  });
  expect(record.status).toBe('completed');
  expect(record.result?.columns.map((c) => c.name)).toEqual(['x"; DROP TABLE events; --', "';DELETE"]);
  const still = await t.pool.query('SELECT count(*) AS n FROM events');
  expect(still.rows[0]).toEqual({ n: '6799' });
});

test("a harmless look-alike still works: SELECT ';DROP TABLE x'", async () => {
  const record = await runLocal(t.pool, "SELECT ';DROP TABLE x' AS s FROM single_event", { partitions: 2 });
  expect(record).toMatchObject({ status: 'completed', result: { rows: [[';DROP TABLE x']] } });
});

test('a database out of connections is UNAVAILABLE (try again later), not a failure of the query', async () => {
  const role = `pgfan_t_full_${process.pid}`;
  const admin = new Pool({ connectionString: t.db.url, max: 1 });
  await admin.query(`CREATE ROLE ${role} LOGIN CONNECTION LIMIT 0`);
  const url = new URL(t.db.url);
  url.username = role;
  const full = createQueryPool({ connectionString: url.toString(), max: 1 });
  try {
    const record = await runLocal(full, 'SELECT count(*) FROM events', { partitions: 2 });
    expect(record).toMatchObject({ status: 'failed', error: { code: 'UNAVAILABLE', message: expect.stringMatching(/too many connections/) } });
  } finally {
    await full.end();
    await admin.query(`DROP ROLE ${role}`);
    await admin.end();
  }
});
