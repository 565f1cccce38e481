/**
 * Nothing a user's statement does outlives it on a pooled session: every route users' SQL takes
 * (planning's EXPLAIN and probe, a query run as written, a fragment, a combine) ends in a
 * rollback, so settings a function changed for the session (set_config(…, false), SET inside a
 * function) and the session advisory locks it took are gone before the session serves anyone
 * else. The functions here stand for what a database's own definitions may do; the gates refuse
 * such calls written in a query.
 */
import { SESSION_DIRTYING_FUNCTIONS_SQL } from '@pgfan/testing';
import type { Pool, PoolClient } from 'pg';
import { useQueryPool } from './__tests__/harness';
import { createQueryPool, queryUserSql } from './connection';
import { runLocal } from './local';
import { planOnDatabase } from './planning';
import { runAsWritten, streamFragment } from './streaming';

const t = useQueryPool('session_state');

/** What a later user's answers depend on. */
const SESSION_VIEW = `SELECT current_setting('TimeZone') AS tz, current_setting('DateStyle') AS datestyle,
  current_setting('extra_float_digits') AS digits, current_setting('search_path') AS path, (2.0::float8 / 3)::text AS third,
  (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()) AS advisory_locks`;

let defaults: Record<string, string>;
/** One session, so that whatever one statement leaves behind, the next one meets. */
let single: Pool;

beforeAll(async () => {
  await t.db.exec(SESSION_DIRTYING_FUNCTIONS_SQL);
  single = createQueryPool({ connectionString: t.db.url, max: 1 });
  defaults = await view(single);
});

afterAll(async () => {
  await single?.end();
});

async function view(pool: Pool): Promise<Record<string, string>> {
  const { rows } = await pool.query(SESSION_VIEW);
  return rows[0] as Record<string, string>;
}

async function onSession<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await single.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}

test('the session sees the defaults to begin with', () => {
  expect(defaults).toMatchObject({ tz: 'UTC', datestyle: 'ISO, MDY', digits: '1', advisory_locks: '0' });
  expect(defaults.path).toContain('public');
});

test('a query run as written leaves nothing behind', async () => {
  const ran = await onSession((client) => runAsWritten(client, { statementTimeoutMs: 10_000, applicationName: 'pgfan-test' }, 'SELECT dirty()', 10));
  expect(ran.rows).toEqual([['1']]);
  expect(await view(single)).toEqual(defaults);
});

test('a fragment leaves nothing behind', async () => {
  // Handed back as a worker does: once its transaction has ended.
  const streamed = await onSession(async (client) => {
    const read = await streamFragment(
      client,
      { sql: 'SELECT dirty() FROM generate_series(1, $1::int)', params: ['3'] },
      { snapshot: null, statementTimeoutMs: 10_000, applicationName: 'pgfan-test', inlineRows: 100, spill: () => Promise.resolve() },
    );
    await read.ended;
    return read;
  });
  expect(streamed.rowCount).toBe(3);
  expect(await view(single)).toEqual(defaults);
});

test('a user statement through the extended protocol leaves nothing behind', async () => {
  const result = await queryUserSql(single, 'SELECT dirty()');
  expect(result.rows).toEqual([['1']]);
  expect(await view(single)).toEqual(defaults);
});

test('planning, which folds immutable functions, leaves nothing behind', async () => {
  const planned = await planOnDatabase(single, 'SELECT dirty_folded(1) AS one FROM events', {}, t.typeNames);
  expect(planned.plan.fragments.length).toBeGreaterThan(0);
  expect(await view(single)).toEqual(defaults);
});

test('a combine leaves nothing behind', async () => {
  const record = await runLocal(single, 'SELECT dirty_of(count(*)) AS n FROM events', { partitions: 2 });
  expect(record).toMatchObject({ status: 'completed', plan: { mode: 'fan-out' } });
  expect(record.plan?.combineSql).toContain('dirty_of');
  expect(await view(single)).toEqual(defaults);
});

test('a statement that fails leaves nothing behind either', async () => {
  await expect(queryUserSql(single, 'SELECT dirty() / 0')).rejects.toThrow(/division by zero/);
  await expect(
    onSession((client) => runAsWritten(client, { statementTimeoutMs: 10_000, applicationName: 'pgfan-test' }, 'SELECT dirty() / 0', 10)),
  ).rejects.toThrow(/division by zero/);
  expect(await view(single)).toEqual(defaults);
});
