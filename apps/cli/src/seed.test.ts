import { createTestDatabase, type TestDatabase } from '@pgfan/testing';
import { Client } from 'pg';
import { seedDemo } from './seed';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('seed', { empty: true });
});

afterAll(async () => {
  await db?.drop();
});

test('seeds the demo table with N deterministic, analyzed rows, replacing what was there', async () => {
  await seedDemo(db.url, 5001);
  await seedDemo(db.url, 2001);
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids, min(id)::int AS lo, max(id)::int AS hi,
        count(DISTINCT country)::int AS countries, count(*) FILTER (WHERE device IS NULL)::int AS null_devices, sum(revenue)::text AS revenue
      FROM events`);
    expect(rows[0]).toEqual({ n: 2001, ids: 2001, lo: 1, hi: 2001, countries: 18, null_devices: expect.any(Number), revenue: expect.any(String) });
    expect(rows[0].null_devices).toBeGreaterThan(0);
    const analyzed = await client.query(`SELECT reltuples::int AS n FROM pg_class WHERE relname = 'events' AND relnamespace = 'public'::regnamespace`);
    expect(analyzed.rows[0].n).toBe(2001);
    await seedDemo(db.url, 2001);
    const again = await client.query('SELECT sum(revenue)::text AS revenue FROM events');
    expect(again.rows[0].revenue).toBe(rows[0].revenue);
  } finally {
    await client.end();
  }
});

test('--if-missing keeps a demo table that is there, and seeds one that is not', async () => {
  const fresh = await createTestDatabase('seed_if_missing', { empty: true });
  const client = new Client({ connectionString: fresh.url });
  await client.connect();
  try {
    expect(await seedDemo(fresh.url, 300, { ifMissing: true })).toEqual(expect.any(Number));
    expect(await seedDemo(fresh.url, 500, { ifMissing: true })).toBeNull();
    expect((await client.query('SELECT count(*)::int AS n FROM events')).rows[0]).toEqual({ n: 300 });
  } finally {
    await client.end();
    await fresh.drop();
  }
});

test('refuses to replace an events table that is not the demo table', async () => {
  const other = await createTestDatabase('seed_other');
  try {
    await expect(seedDemo(other.url, 10)).rejects.toThrow("a table named events already exists and is not pgfan's demo table");
  } finally {
    await other.drop();
  }
});

test("the bench's tables: any name, kept when they already have the size asked for, replaced otherwise", async () => {
  const bench = await createTestDatabase('seed_bench', { empty: true });
  const client = new Client({ connectionString: bench.url });
  await client.connect();
  try {
    expect(await seedDemo(bench.url, 300, { table: 'bench_small', ifDifferentSize: true })).toEqual(expect.any(Number));
    expect(await seedDemo(bench.url, 300, { table: 'bench_small', ifDifferentSize: true })).toBeNull();
    expect(await seedDemo(bench.url, 400, { table: 'bench_small', ifDifferentSize: true })).toEqual(expect.any(Number));
    expect((await client.query('SELECT count(*)::int AS n FROM bench_small')).rows[0]).toEqual({ n: 400 });
    await expect(seedDemo(bench.url, 1, { table: 'Bench; DROP' })).rejects.toThrow('not a plain lower-case table name');
  } finally {
    await client.end();
    await bench.drop();
  }
});
