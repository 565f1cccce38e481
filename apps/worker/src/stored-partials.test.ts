/**
 * Partial rows stored in PostgreSQL's binary format (`STORED_PARTIAL_ROWS=0`: every fan-out's):
 * values of every kind of type arrive exactly; a type without a binary format runs as written; a
 * fragment failing mid-COPY fails the query as PostgreSQL would; nothing is left behind; and the
 * role users' SQL runs as reads stored rows only through the token-guarded function.
 */
import { QueryView } from '@pgfan/contracts';
import { createQueryPool, runSequential, toResultSet, TypeNames } from '@pgfan/engine';
import { diffResults, eventually, startSystem, type System } from '@pgfan/testing';
import { Pool } from 'pg';

let system: System;
let pool: Pool;
/** The store's own role, which owns schema pgfan. */
let store: Pool;
const typeNames = new TypeNames();

beforeAll(async () => {
  system = await startSystem({ label: 'stored_partials', workers: 1, apiEnv: { STORED_PARTIAL_ROWS: '0' } });
  await system.db.exec(`
    CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
    CREATE DOMAIN short_text AS varchar(8);
    CREATE TABLE typed (
      id     integer,
      ints   integer[],
      words  text[],
      padded char(4),
      short  varchar(5),
      dom    short_text,
      bin    bytea,
      doc    jsonb,
      u      uuid,
      span   interval,
      stamp  timestamptz,
      day    date,
      f      double precision,
      n      numeric(10, 2),
      m      mood,
      rng    int4range,
      ok     boolean,
      net    inet,
      money  money,
      words2 text
    );
    INSERT INTO typed
    SELECT i,
           CASE WHEN i % 7 = 0 THEN NULL ELSE ARRAY[i % 3, NULL, -i % 5] END,
           (ARRAY['a,b', 'quote"d', E'back\\\\slash', NULL, 'ünï', ''])[1 + i % 6 : 2 + i % 6],
           (ARRAY['x', 'ab', NULL])[1 + i % 3],
           left('héllo', i % 6),
           'd' || (i % 4),
           CASE WHEN i % 5 = 0 THEN NULL ELSE decode(lpad(to_hex(i % 256), 2, '0') || '00ff', 'hex') END,
           jsonb_build_object('k', i % 4, 'nested', jsonb_build_array(i % 2, 'v'), 'f', (i % 3) / 4.0),
           ('00000000-0000-4000-8000-' || lpad((i % 9)::text, 12, '0'))::uuid,
           make_interval(months => i % 3, days => i % 4, secs => (i % 5) * 1.5),
           timestamptz '2024-03-30 22:00:00+00' + (i % 6) * interval '7 hours 1 second',
           date '2024-02-27' + i % 5,
           (ARRAY['NaN', 'Infinity', '-Infinity', '0.1', '1e308', '-2.5e-310', NULL]::float8[])[1 + i % 7],
           ((i % 11) - 5) * 1.25,
           (ARRAY['sad', 'ok', 'happy']::mood[])[1 + i % 3],
           CASE WHEN i % 4 = 0 THEN 'empty'::int4range ELSE int4range(i % 3, i % 3 + 2 + i % 2) END,
           CASE WHEN i % 3 = 0 THEN NULL ELSE i % 2 = 0 END,
           ('10.0.' || (i % 3) || '.' || (i % 2) || '/' || (30 + i % 3))::inet,
           ((i % 4) * 1.01)::money,
           E'tab\\there' || (i % 3) || E'\\nline'
    FROM generate_series(1, 3000) AS i;
    ANALYZE typed;
    CREATE TABLE acl (id integer, a aclitem);
    INSERT INTO acl SELECT i, ('postgres=r' || (ARRAY['', 'w', 'a'])[1 + i % 3] || '/postgres')::aclitem FROM generate_series(1, 2000) AS i;
    ANALYZE acl;
  `);
  pool = createQueryPool({ connectionString: system.db.url, max: 2 });
  store = new Pool({ connectionString: system.db.url, max: 1 });
}, 90_000);

afterAll(async () => {
  await Promise.all([pool?.end(), store?.end()]);
  await system?.stop();
});

const run = (sql: string, partitions = 3) =>
  system.request<QueryView>('POST', '/api/queries?wait=30000', { sql, partitions }).then((r) => QueryView.parse(r.body));

const direct = async (sql: string) => toResultSet(pool, await runSequential(pool, sql), typeNames);

/** What the store holds of stored partial rows: registrations and tables. */
async function held(): Promise<[number, number]> {
  const { rows } = await store.query<{ registered: string; tables: string }>(
    `SELECT (SELECT count(*) FROM pgfan.partial_tables) AS registered,
            (SELECT count(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = 'pgfan' AND c.relname LIKE 'partials/%') AS tables`,
  );
  return [Number(rows[0]?.registered), Number(rows[0]?.tables)];
}

/** Resolves once the store holds no stored partial rows (a combine clears them just after recording its outcome). */
const nothingLeftBehind = () =>
  eventually(
    async () => {
      const [registered, tables] = await held();
      return registered === 0 && tables === 0 ? true : undefined;
    },
    10_000,
    'stored partial rows cleared',
  );

const COLUMNS = ['ints', 'words', 'padded', 'short', 'dom', 'bin', 'doc', 'u', 'span', 'stamp', 'day', 'f', 'n', 'm', 'rng', 'ok', 'net', 'money', 'words2'];

test.each(COLUMNS)('values of %s go through their binary format and come out as PostgreSQL gives them', async (column) => {
  const sql = `SELECT ${column}, count(*) AS rows, min(id) AS first FROM typed GROUP BY ${column} ORDER BY ${column} NULLS FIRST`;
  const record = await run(sql);
  expect([record.status, record.error]).toEqual(['completed', null]);
  expect(record.plan?.combineSql).toContain('"partial_tuples"(');
  expect(diffResults(await direct(sql), record.result!, 'ordered')).toBeNull();
});

test('aggregates over stored partial rows: sums, means, extremes and DISTINCT', async () => {
  const sql = `SELECT m, sum(n) AS total, avg(n) AS mean, max(stamp) AS latest, min(words2) AS least, count(DISTINCT doc) AS docs, sum(f) FILTER (WHERE f < 1e300 AND f > -1e300) AS finite
               FROM typed GROUP BY m ORDER BY m`;
  const record = await run(sql, 4);
  expect([record.status, record.error]).toEqual(['completed', null]);
  expect(record.plan?.combineSql).toContain('"partial_tuples"(');
  expect(diffResults(await direct(sql), record.result!, 'ordered')).toBeNull();
});

test('once a query is over, its stored tables are gone', async () => {
  const record = await run('SELECT id % 100 AS k, count(*) FROM typed GROUP BY 1');
  expect(record.plan?.combineSql).toContain('"partial_tuples"(');
  await nothingLeftBehind();
});

test('a type without a binary format (aclitem) makes the query run as written, with PostgreSQL’s answer', async () => {
  const sql = 'SELECT a, count(*) AS n FROM acl GROUP BY a';
  const record = await run(sql);
  expect([record.status, record.error]).toEqual(['completed', null]);
  // Planned as a fan-out; its fragments could not store their rows, so it ran as written, whole.
  expect([record.plan?.mode, record.plan?.combineSql, record.fragments.map((f) => f.range)]).toEqual(['fan-out', null, [null]]);
  expect(diffResults(await direct(sql), record.result!, 'unordered')).toBeNull();
  await nothingLeftBehind();
});

test('a fragment failing mid-COPY fails the query with PostgreSQL’s error, and leaves no table behind', async () => {
  // Row by row, so the failing fragment has sent rows before it fails.
  const sql = 'SELECT id, 100 / (id - 2900) AS q FROM typed';
  await expect(direct(sql)).rejects.toThrow('division by zero');
  const record = await run(sql);
  // Fanned out, so the failing fragment was storing its rows when it failed.
  expect([record.plan?.mode, record.status]).toEqual(['fan-out', 'failed']);
  expect(record.error?.message).toContain('division by zero');
  await nothingLeftBehind();
});

test('the role users’ SQL runs as reads stored rows only through the function, and only with their token', async () => {
  const query = '00000000-0000-4000-8000-00000000000a';
  const { rows } = await store.query<{ name: string }>(
    `SELECT pgfan.create_partial_table($1, 1, 0, 'the-right-token-0123', ARRAY['int4'::regtype::oid], ARRAY[-1]) AS name`,
    [query],
  );
  const table = rows[0]!.name;
  await store.query(`INSERT INTO ${table} VALUES (42)`);
  const guess = async (token: string) => {
    const record = await run(`SELECT count(*) AS n FROM pgfan_spill.partial_tuples('${query}', 1, '${token}') AS s(v integer)`, 1);
    return record.result?.rows;
  };
  try {
    expect(await guess('a-wrong-token-012345')).toEqual([['0']]);
    expect(await guess('')).toEqual([['0']]);
    expect(await guess('the-right-token-0123')).toEqual([['1']]);
    const read = await system.request<{ error: { code: string; message: string } }>('POST', '/api/queries?wait=5000', { sql: `SELECT * FROM ${table}` });
    expect(read.status).toBe(400);
    expect(read.body.error.message).toMatch(/permission denied for schema pgfan/);
  } finally {
    await store.query('SELECT pgfan.clear_partials($1, NULL)', [query]);
  }
  await nothingLeftBehind();
});
