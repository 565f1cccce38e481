/**
 * Admission (the caps on unfinished queries are counted in the INSERT that records a query),
 * results kept apart from records, and the history's retention, by age and by size.
 */
import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@pgfan/testing';
import { Pool } from 'pg';
import { migrate } from './migrate';
import {
  cancelQuery,
  finishQuery,
  getQuery,
  historySize,
  insertQuery,
  listQueries,
  purgeHistory,
  queryStatus,
  vacuumHistoryIfNeeded,
  type NewQuery,
} from './queries';

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
  plan: { mode: 'as-written', reason: 'test', fragments: [] } as unknown as NewQuery['plan'],
  planInternal: {},
  planMs: 1,
  fragments: [],
});

test('without limits every query is admitted', async () => {
  for (let i = 0; i < 3; i++) expect(await insertQuery(pool, query(), { client: 'a' })).toEqual({ admitted: true });
});

test("a client's cap counts only its unfinished queries; the overall cap counts everyone's", async () => {
  await pool.query('TRUNCATE pgfan.queries CASCADE');
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
  await pool.query('TRUNCATE pgfan.queries CASCADE');
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

test('a result is kept apart from its record: the record reads with it, the history lists without it', async () => {
  const q = query();
  await insertQuery(pool, q);
  const result = { columns: [{ name: 'n', type: 'bigint' }], rows: [['42']], rowCount: 7, truncated: true };
  await finishQuery(pool, q.id, null, { status: 'completed', result });
  expect(await getQuery(pool, q.id)).toMatchObject({ status: 'completed', result });
  const listed = (await listQueries(pool, { limit: 100 })).queries.find((r) => r.id === q.id);
  expect(listed).toMatchObject({ rowCount: 7 });
  expect(listed).not.toHaveProperty('result');
  expect((await pool.query('SELECT result FROM pgfan.query_results WHERE query_id = $1', [q.id])).rows).toEqual([{ result }]);
});

test("a query's status reads as it moves, and no query reads as null", async () => {
  const q = query();
  await insertQuery(pool, q, { runner: 'api' });
  expect(await queryStatus(pool, q.id)).toEqual({ status: 'running', generation: 1 });
  await finishQuery(pool, q.id, 1, { status: 'completed', result: null });
  expect(await queryStatus(pool, q.id)).toEqual({ status: 'completed', generation: 1 });
  expect(await queryStatus(pool, randomUUID())).toBeNull();
});

describe('retention', () => {
  const DAY_MS = 86_400_000;
  /** A record submitted `ageDays` ago, in `status`. */
  async function recorded(status: string, ageDays: number): Promise<string> {
    const id = randomUUID();
    await pool.query(
      `INSERT INTO pgfan.queries (id, sql, status, timeout_ms, deadline, plan_internal, plan_ms, submitted_at, finished_at)
       VALUES ($1, 'SELECT 1', $2, 60000, now() - make_interval(days => $3) + interval '1 minute', '{}', 1,
               now() - make_interval(days => $3), CASE WHEN $2 IN ('queued', 'running', 'combining') THEN NULL ELSE now() - make_interval(days => $3) END)`,
      [id, status, ageDays],
    );
    return id;
  }
  const ids = async () => (await pool.query<{ id: string }>('SELECT id FROM pgfan.queries')).rows.map((r) => r.id).sort();

  test('finished records older than the retention go, a batch at a time; unfinished and recent ones stay', async () => {
    await pool.query('TRUNCATE pgfan.queries CASCADE');
    for (const status of ['completed', 'failed', 'cancelled', 'completed', 'failed']) await recorded(status, 8);
    const kept = [await recorded('running', 8), await recorded('queued', 8), await recorded('completed', 6), await recorded('failed', 0)];
    expect(await purgeHistory(pool, { maxAgeMs: 7 * DAY_MS }, 2)).toBe(5);
    expect(await ids()).toEqual(kept.sort());
    expect(await purgeHistory(pool, { maxAgeMs: 7 * DAY_MS }, 2)).toBe(0);
  });

  test('past the byte bound the oldest finished records go, with their results; unfinished ones count but stay', async () => {
    await pool.query('TRUNCATE pgfan.queries CASCADE');
    // Oldest first: five finished queries with 10 KB results, and an unfinished one among them.
    const finished: string[] = [];
    for (let day = 10; day >= 6; day--) {
      const id = await recorded('running', day);
      await finishQuery(pool, id, null, { status: 'completed', result: { columns: [], rows: [['x'.repeat(10_000)]], rowCount: 1, truncated: false } });
      finished.push(id);
    }
    const unfinished = await recorded('running', 11);
    const { bytes } = await historySize(pool);
    const each = (bytes - Number((await pool.query('SELECT stored_bytes FROM pgfan.queries WHERE id = $1', [unfinished])).rows[0].stored_bytes)) / 5;
    expect(each).toBeGreaterThan(10_000);
    // Room for the three newest finished ones and the unfinished one: the two oldest finished go.
    expect(await purgeHistory(pool, { maxBytes: bytes - 2 * each }, 1)).toBe(2);
    expect(await ids()).toEqual([unfinished, ...finished.slice(2)].sort());
    expect((await pool.query('SELECT count(*) AS n FROM pgfan.query_results')).rows[0]).toEqual({ n: '3' });
    expect((await historySize(pool)).bytes).toBeLessThanOrEqual(bytes - 2 * each);
    expect(await purgeHistory(pool, { maxBytes: bytes - 2 * each })).toBe(0);
    // No bound of either kind: nothing goes.
    expect(await purgeHistory(pool, {})).toBe(0);
  });

  test('where autovacuum is off, the history is vacuumed; where it is on, left to it', async () => {
    const autovacuum = (await pool.query<{ on: boolean }>("SELECT current_setting('autovacuum') = 'on' AS on")).rows[0]!.on;
    const vacuumCount = async () =>
      Number((await pool.query("SELECT vacuum_count FROM pg_stat_user_tables WHERE relid = 'pgfan.queries'::regclass")).rows[0].vacuum_count);
    const vacuumsBefore = await vacuumCount();
    expect(await vacuumHistoryIfNeeded(pool)).toBe(!autovacuum);
    const vacuumsAfter = await vacuumCount();
    expect(vacuumsAfter - vacuumsBefore).toBe(autovacuum ? 0 : 1);
  });
});
