/** Admission: the caps on unfinished queries are counted in the INSERT that records a query. */
import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@pgfan/testing';
import { Pool } from 'pg';
import { migrate } from './migrate';
import { cancelQuery, insertQuery, type NewQuery } from './queries';

let db: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  db = await createTestDatabase('store_queries', { empty: true });
  pool = new Pool({ connectionString: db.url, max: 2 });
  await migrate(pool);
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const query = (): NewQuery => ({
  id: randomUUID(),
  sql: 'SELECT 1',
  partitionsRequested: null,
  timeoutMs: 60_000,
  plan: { mode: 'sequential', reason: 'test', fragments: [] } as unknown as NewQuery['plan'],
  planInternal: {},
  planMs: 1,
  fragments: [],
});

test('without limits every query is admitted', async () => {
  for (let i = 0; i < 3; i++) expect(await insertQuery(pool, query(), { client: 'a' })).toEqual({ admitted: true });
});

test("a client's cap counts only its unfinished queries; the overall cap counts everyone's", async () => {
  await pool.query('TRUNCATE pgfan.queries');
  const limits = { maxActive: 4, maxActivePerClient: 2 };
  const first = query();
  expect(await insertQuery(pool, first, { client: 'a', limits })).toEqual({ admitted: true });
  expect(await insertQuery(pool, query(), { client: 'a', limits })).toEqual({ admitted: true });
  expect(await insertQuery(pool, query(), { client: 'a', limits })).toEqual({ admitted: false, limit: 'client', active: 2, clientActive: 2 });
  expect(await insertQuery(pool, query(), { client: 'b', limits })).toEqual({ admitted: true });
  // A finished query no longer counts.
  await cancelQuery(pool, first.id);
  expect(await insertQuery(pool, query(), { client: 'a', limits })).toEqual({ admitted: true });
  expect(await insertQuery(pool, query(), { client: 'b', limits })).toEqual({ admitted: true });
  expect(await insertQuery(pool, query(), { client: 'c', limits })).toEqual({ admitted: false, limit: 'active', active: 4, clientActive: 0 });
  expect((await pool.query('SELECT count(*) AS n FROM pgfan.queries')).rows[0]).toEqual({ n: '5' });
});

test('admission reads the unfinished queries only, not every query finished since the last vacuum', async () => {
  await pool.query('TRUNCATE pgfan.queries');
  // A history whose statistics still say most queries are unfinished (they were when ANALYZE
  // ran): the planner then prefers a bitmap scan, which never marks the finished ones' index
  // entries dead, so without a vacuum every admission read them all again.
  await pool.query(
    `INSERT INTO pgfan.queries (id, sql, status, timeout_ms, deadline, plan_internal, plan_ms, client)
     SELECT gen_random_uuid(), 'SELECT 1', 'queued', 60000, now() + interval '1 minute', '{}', 1, 'c' || (i % 7) FROM generate_series(1, 5000) AS i`,
  );
  await pool.query('ANALYZE pgfan.queries');
  await pool.query("UPDATE pgfan.queries SET status = 'completed'");
  const heapPages = Number((await pool.query("SELECT pg_relation_size('pgfan.queries') / 8192 AS n")).rows[0].n);
  const limits = { maxActive: 1000, maxActivePerClient: 50 };
  const client = await pool.connect();
  try {
    const blocksRead = async () => Number((await client.query("SELECT pg_stat_get_xact_blocks_fetched('pgfan.queries'::regclass) AS n")).rows[0].n);
    await client.query('BEGIN');
    expect(await insertQuery(client, query(), { client: 'a', limits })).toEqual({ admitted: true });
    const before = await blocksRead();
    expect(await insertQuery(client, query(), { client: 'a', limits })).toEqual({ admitted: true });
    // The insert itself, and the one unfinished query beside it.
    expect((await blocksRead()) - before).toBeLessThan(5);
    expect(heapPages).toBeGreaterThan(50);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
});
