/**
 * Users' SQL runs as a role that can only read what it was given, as `npm start` sets it up:
 * planning, inline queries, fragments on a shared snapshot, spilled partials, combines and
 * cancellation all work, exactly; what the role may not read (the query history, the catalog's
 * secrets, a table without a grant) is refused by PostgreSQL; and the API and workers refuse to
 * start as a role that can do more, unless told to.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { QueryView } from '@pgfan/contracts';
import { ADMIN_URL, eventually, LEVEL, logLines, SLOW_FUNCTION_SQL, startSystem, type System } from '@pgfan/testing';
import { Client } from 'pg';

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

const ROLE = () => new URL(system.queryUrl).username;

beforeAll(async () => {
  system = await startSystem({ label: 'query_role', workers: 1, workerEnv: { INLINE_PARTIAL_ROWS: '10' } });
  await system.db.exec(`
    CREATE TABLE secret (v int);
    REVOKE SELECT ON secret FROM ${ROLE()};
  `);
  await system.db.exec(SLOW_FUNCTION_SQL);
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

const run = (sql: string, partitions?: number) =>
  system.request<QueryView>('POST', '/api/queries?wait=20000', { sql, ...(partitions ? { partitions } : {}) }).then((r) => r.body);

test('queries run as the read-only role, whether the API runs them or the workers do', async () => {
  const inline = await run('SELECT current_user AS u, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS super');
  expect(inline.result?.rows).toEqual([[ROLE(), false]]);
  const { body } = await system.request<QueryView>('POST', '/api/queries', { sql: 'SELECT current_user AS u FROM single_event' });
  const done = await eventually(async () => {
    const record = (await system.request<QueryView>('GET', `/api/queries/${body.id}`)).body;
    return record.status === 'completed' || record.status === 'failed' ? record : undefined;
  });
  expect(done.result?.rows).toEqual([[ROLE()]]);
});

test.each([
  ['SELECT * FROM pgfan.queries', /permission denied for schema pgfan/],
  ['SELECT * FROM pgfan.api_keys', /permission denied for schema pgfan/],
  ['SELECT rolpassword FROM pg_authid', /permission denied for table pg_authid/],
  ['SELECT passwd FROM pg_shadow', /permission denied for view pg_shadow/],
  ['SELECT count(*) FROM secret', /permission denied for table secret/],
])('PostgreSQL refuses what the role may not read: %s', async (sql, message) => {
  const { status, body } = await system.request<{ error: { code: string; message: string } }>('POST', '/api/queries?wait=5000', { sql });
  expect(status).toBe(400);
  expect(body.error).toMatchObject({ code: 'INVALID_QUERY', message: expect.stringMatching(message) });
});

test('fragments share a snapshot, spill and combine exactly', async () => {
  // 50 groups per fragment, past INLINE_PARTIAL_ROWS: the partials go through pgfan.partial_batches.
  const sql = 'SELECT id % 50 AS k, count(*) AS n, sum(revenue) AS revenue FROM events GROUP BY 1 ORDER BY 1';
  const spilledRows = async () =>
    Number((await admin("SELECT n_tup_ins FROM pg_stat_user_tables WHERE relid = 'pgfan.partial_batches'::regclass", system.db.url))[0]?.[0]);
  const before = await spilledRows();
  const record = await run(sql, 4);
  expect(record).toMatchObject({ status: 'completed', plan: { mode: 'fan-out' } });
  // The partials really went through the table (statistics arrive within a second or so).
  await eventually(async () => ((await spilledRows()) > before ? true : undefined), 30_000, 'partial rows written');
  const expected = await admin(sql, system.db.url);
  expect(record.result?.rows).toEqual(expected.map(([k, n, revenue]) => [k, String(n), revenue === null ? null : String(revenue)]));
});

test("spilled rows are read only with their generation's token", async () => {
  await admin(
    `INSERT INTO pgfan.partial_batches (query_id, generation, fragment, token, batch)
     VALUES ('00000000-0000-4000-8000-000000000001', 1, 0, 'the-right-token-0123', '[["42"]]')`,
    system.db.url,
  );
  const guess = (token: string) =>
    run(`SELECT count(*) AS n FROM pgfan_spill.partial_rows('00000000-0000-4000-8000-000000000001', 1, '${token}')`).then((r) => r.result?.rows);
  expect(await guess('a-wrong-token-012345')).toEqual([['0']]);
  expect(await guess('')).toEqual([['0']]);
  expect(await guess('the-right-token-0123')).toEqual([['1']]);
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

const ROOT = join(__dirname, '..', '..', '..');

/** Starts the API or a worker with `env`; resolves with its exit code and output, or 'running' once it says it is up (then stops it). */
function start(app: 'api' | 'worker', env: Record<string, string>): Promise<{ outcome: number | 'running'; output: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'apps', app, 'dist', 'main.js')], {
    env: { ...process.env, ...system.env, PORT: '0', WORKER_ID: 'probe', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let running = false;
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!running && /listening on|ready:/.test(output)) {
        running = true;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => resolve({ outcome: running ? 'running' : (code ?? -1), output }));
  });
}

test.each(['api', 'worker'] as const)('the %s refuses to start as a superuser, in one line saying why and what to do', async (app) => {
  const { outcome, output } = await start(app, { QUERY_DATABASE_URL: system.db.url });
  expect(outcome).toBe(1);
  expect(output.trim().split('\n')).toHaveLength(1);
  expect(output).toMatch(/the role users' queries run as \(postgres\) is a superuser: .*QUERY_DATABASE_URL.*ALLOW_PRIVILEGED_QUERY_ROLE=true/);
});

test('a role that can read the query history is refused too', async () => {
  await system.db.exec(`GRANT USAGE ON SCHEMA pgfan TO ${ROLE()}`);
  try {
    const { outcome, output } = await start('api', { QUERY_DATABASE_URL: system.queryUrl });
    expect(outcome).toBe(1);
    expect(output).toContain('can read the query history (schema pgfan)');
  } finally {
    await system.db.exec(`REVOKE USAGE ON SCHEMA pgfan FROM ${ROLE()}`);
  }
});

test.each(['api', 'worker'] as const)('with ALLOW_PRIVILEGED_QUERY_ROLE=true the %s starts as a superuser, and warns', async (app) => {
  const { outcome, output } = await start(app, { QUERY_DATABASE_URL: system.db.url, ALLOW_PRIVILEGED_QUERY_ROLE: 'true' });
  expect(outcome).toBe('running');
  const warning = logLines(output).find((line) => line.msg.startsWith("the role users' queries run as (postgres) is a superuser"));
  expect(warning?.level).toBe(LEVEL.warn);
});
