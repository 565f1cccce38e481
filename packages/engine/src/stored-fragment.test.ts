/**
 * Storing a fragment's rows in binary: every byte of a result far larger than a socket's buffers
 * arrives in the table, in the fragment's snapshot; a failure on either side ends both sessions'
 * work and rolls the table back.
 */
import { Pool, type PoolClient } from 'pg';
import { useQueryPool } from './__tests__/harness';
import { NoBinaryFormatError, storeFragment, type StoredFragmentOptions } from './stored-fragment';
import { QueryFailedError } from './errors';

const t = useQueryPool('stored_fragment');
let store: Pool;

beforeAll(async () => {
  // The store's sessions may write; the query pool's are read-only.
  store = new Pool({ connectionString: t.db.url, max: 2 });
  // Its idle sessions end when the harness drops the database.
  store.on('error', () => undefined);
  await store.query('CREATE TABLE counter (n integer); INSERT INTO counter VALUES (1)');
});

afterAll(async () => {
  await store?.end();
});

/** Creates `name` with the fields' types, as the store's own function does. */
const createTable =
  (name: string): StoredFragmentOptions['createTable'] =>
  async (client, fields) => {
    const { rows } = await client.query<{ columns: string }>(
      `SELECT string_agg(format('c%s %s', i, format_type(t, m)), ', ' ORDER BY i) AS columns FROM unnest($1::oid[], $2::int[]) WITH ORDINALITY AS u(t, m, i)`,
      [fields.map((f) => f.dataTypeID), fields.map((f) => f.dataTypeModifier)],
    );
    await client.query(`CREATE TABLE ${name} (${rows[0]?.columns})`);
    return name;
  };

const options = (name: string, overrides: Partial<StoredFragmentOptions> = {}): StoredFragmentOptions => ({
  snapshot: null,
  statementTimeoutMs: 30_000,
  applicationName: 'pgfan-stored-fragment-test',
  createTable: createTable(name),
  ...overrides,
});

async function withClients<T>(work: (source: PoolClient, target: PoolClient) => Promise<T>): Promise<T> {
  const [source, target] = await Promise.all([t.pool.connect(), store.connect()]);
  let broken = false;
  try {
    return await work(source, target);
  } catch (error) {
    broken = true;
    throw error;
  } finally {
    source.release(broken);
    target.release(broken);
  }
}

const wide = (rows: number, where = '') =>
  `SELECT g AS id, repeat(md5(g::text), 8) AS filler, g * 0.5 AS half, ARRAY[g, -g] AS pair FROM generate_series(1, ${rows}) g ${where}`;

test('a result of many megabytes reaches the table whole, byte for byte', async () => {
  const sql = wide(60_000);
  const progress: number[] = [];
  const stored = await withClients((source, target) =>
    storeFragment(source, target, { sql, copySql: `COPY (${sql}) TO STDOUT (FORMAT binary)` }, options('stored_wide', { onProgress: (n) => progress.push(n) })),
  );
  expect(stored.rowCount).toBe(60_000);
  expect(stored.fields.map((f) => f.name)).toEqual(['id', 'filler', 'half', 'pair']);
  expect(progress.length).toBeGreaterThan(5);
  const digest = async (from: string) =>
    (await store.query<{ d: string }>(`SELECT md5(string_agg(format('%s|%s|%s|%s', id, filler, half, pair), ',' ORDER BY id)) AS d FROM ${from}`)).rows[0]?.d;
  expect(await digest('stored_wide AS s(id, filler, half, pair)')).toBe(await digest(`(${sql}) AS q`));
});

test("it reads in the query's snapshot", async () => {
  const holder = await store.connect();
  try {
    await holder.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const snapshot = (await holder.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0]!.id;
    await store.query('UPDATE counter SET n = 2');
    const sql = 'SELECT n FROM counter';
    await withClients((source, target) =>
      storeFragment(source, target, { sql, copySql: `COPY (${sql}) TO STDOUT (FORMAT binary)` }, options('stored_snapshot', { snapshot })),
    );
    expect((await store.query('SELECT c1 FROM stored_snapshot')).rows).toEqual([{ c1: 1 }]);
  } finally {
    await holder.query('ROLLBACK');
    holder.release();
    await store.query('UPDATE counter SET n = 1');
  }
});

test('a fragment failing after it sent rows fails with its SQLSTATE, and the table is rolled back', async () => {
  const sql = wide(40_000).replace('g AS id', 'g AS id, 1 / (g - 30000) AS boom');
  const failure = withClients((source, target) =>
    storeFragment(source, target, { sql, copySql: `COPY (${sql}) TO STDOUT (FORMAT binary)` }, options('stored_failing')),
  );
  await expect(failure).rejects.toBeInstanceOf(QueryFailedError);
  await expect(failure).rejects.toMatchObject({ sqlState: '22012' });
  expect((await store.query("SELECT to_regclass('stored_failing') AS t")).rows).toEqual([{ t: null }]);
});

test('a type without a binary format is named as such', async () => {
  const sql = "SELECT 'postgres=r/postgres'::aclitem AS a";
  const failure = withClients((source, target) =>
    storeFragment(source, target, { sql, copySql: `COPY (${sql}) TO STDOUT (FORMAT binary)` }, options('stored_acl')),
  );
  await expect(failure).rejects.toBeInstanceOf(NoBinaryFormatError);
  expect((await store.query("SELECT to_regclass('stored_acl') AS t")).rows).toEqual([{ t: null }]);
});

test('the store failing mid-COPY fails the fragment, and neither session is left waiting', async () => {
  const sql = wide(40_000);
  // The table refuses the 20,000th row.
  const refusing: StoredFragmentOptions['createTable'] = async (client, fields) => {
    const name = await createTable('stored_refusing')(client, fields);
    await client.query(`ALTER TABLE ${name} ADD CHECK (c1 <> 20000)`);
    return name;
  };
  const failure = withClients((source, target) =>
    storeFragment(source, target, { sql, copySql: `COPY (${sql}) TO STDOUT (FORMAT binary)` }, options('stored_refusing', { createTable: refusing })),
  );
  await expect(failure).rejects.toThrow(/check constraint/);
  expect((await store.query("SELECT to_regclass('stored_refusing') AS t")).rows).toEqual([{ t: null }]);
});
