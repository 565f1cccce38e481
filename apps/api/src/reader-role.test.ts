/**
 * With QUERY_DATABASE_URL, users' queries run as a role that has only the grants docs/security.md
 * lists: planning, inline queries, fragments on a shared snapshot, spilled partials, combines and
 * cancellation all work, exactly, and a table without a grant is refused.
 */
import type { QueryView } from '@pgfan/contracts';
import { ADMIN_URL, eventually, startSystem, type System } from '@pgfan/testing';
import { Client } from 'pg';

const ROLE = `pgfan_t_reader_${process.pid}`;
let system: System;

async function admin(sql: string, url = ADMIN_URL): Promise<unknown[][]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query({ text: sql, rowMode: 'array' })).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  system = await startSystem({ label: 'reader', workers: 1 });
  await system.db.exec(`
    CREATE ROLE ${ROLE} LOGIN;
    GRANT CONNECT ON DATABASE ${system.db.name} TO ${ROLE};
    CREATE TABLE secret (v int);
    GRANT USAGE ON SCHEMA public TO ${ROLE};
    GRANT SELECT ON events, single_event TO ${ROLE};
    GRANT USAGE ON SCHEMA pgfan TO ${ROLE};
    GRANT SELECT ON pgfan.partial_rows TO ${ROLE};
    CREATE FUNCTION slow(x bigint, ms int) RETURNS bigint STABLE LANGUAGE sql AS $$ SELECT x FROM pg_sleep(ms / 1000.0) $$;
  `);
  const readerUrl = new URL(system.db.url);
  readerUrl.username = ROLE;
  const env = { QUERY_DATABASE_URL: readerUrl.toString() };
  system.api.kill();
  for (const worker of system.workers.splice(0)) worker.kill();
  await Promise.all([system.api.exited]);
  await system.startApi(env);
  // Few partial rows through Redis, so a GROUP BY spills to pgfan.partial_rows.
  await system.startWorker('reader-w1', { ...env, INLINE_PARTIAL_ROWS: '10' });
  await system.waitForWorkers(1);
}, 90_000);

afterAll(async () => {
  await system?.stop();
  await admin(`DROP ROLE IF EXISTS ${ROLE}`).catch(() => undefined);
});

const run = (sql: string, partitions?: number) =>
  system.request<QueryView>('POST', '/api/queries?wait=20000', { sql, ...(partitions ? { partitions } : {}) }).then((r) => r.body);

test('queries run as the reader role, whether the API runs them or the workers do', async () => {
  expect((await run('SELECT current_user AS u')).result?.rows).toEqual([[ROLE]]);
  const { body } = await system.request<QueryView>('POST', '/api/queries', { sql: 'SELECT current_user AS u FROM single_event' });
  const done = await eventually(async () => {
    const record = (await system.request<QueryView>('GET', `/api/queries/${body.id}`)).body;
    return record.status === 'completed' || record.status === 'failed' ? record : undefined;
  });
  expect(done.result?.rows).toEqual([[ROLE]]);
});

test('fragments share a snapshot, spill and combine exactly', async () => {
  // 50 groups per fragment, past INLINE_PARTIAL_ROWS: the partials go through pgfan.partial_rows.
  const sql = 'SELECT id % 50 AS k, count(*) AS n, sum(revenue) AS revenue FROM events GROUP BY 1 ORDER BY 1';
  const spilledRows = async () =>
    Number((await admin("SELECT n_tup_ins FROM pg_stat_user_tables WHERE relid = 'pgfan.partial_rows'::regclass", system.db.url))[0]?.[0]);
  const before = await spilledRows();
  const record = await run(sql, 4);
  expect(record).toMatchObject({ status: 'completed', plan: { mode: 'parallel' } });
  // The partials really went through the table (statistics arrive within a second or so).
  await eventually(async () => ((await spilledRows()) > before ? true : undefined), 30_000, 'partial rows written');
  const expected = await admin(sql, system.db.url);
  expect(record.result?.rows).toEqual(expected.map(([k, n, revenue]) => [k, String(n), revenue === null ? null : String(revenue)]));
});

test('a table without a grant is refused before it runs, in words', async () => {
  const { status, body } = await system.request('POST', '/api/queries?wait=5000', { sql: 'SELECT count(*) FROM secret' });
  expect(status).toBe(400);
  expect(body).toMatchObject({ error: { code: 'INVALID_QUERY', message: 'permission denied for table secret' } });
});

test('the reader can cancel its own fragments', async () => {
  const { body } = await system.request<QueryView>('POST', '/api/queries', { sql: 'SELECT sum(slow(id, 5)) FROM events', partitions: 2 });
  await new Promise((r) => setTimeout(r, 1000));
  const cancelled = await system.request('DELETE', `/api/queries/${body.id}`);
  expect(cancelled.status).toBe(200);
  const sessions = async () =>
    Number((await admin(`SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'pgfan:${body.id}:%' AND state = 'active'`))[0]?.[0]);
  for (let i = 0; i < 50 && (await sessions()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
  expect(await sessions()).toBe(0);
});
