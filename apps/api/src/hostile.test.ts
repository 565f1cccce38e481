/**
 * Hostile statements against the running system, connected as a superuser so that nothing but
 * pgfan's own gates stands in the way: none of them executes — checked by inspecting the
 * database afterwards — and harmless look-alikes still run.
 */
import type { QueryView } from '@pgfan/contracts';
import { startSystem, type System } from '@pgfan/testing';
import { existsSync } from 'node:fs';
import { Client } from 'pg';

let system: System;
/** Stays connected throughout: a terminated backend would show here. */
let sentinel: Client;

beforeAll(async () => {
  system = await startSystem({ label: 'hostile', privilegedQueryRole: true });
  await system.db.exec(`
    CREATE TABLE canary (v int);
    INSERT INTO canary SELECT generate_series(1, 10);
    CREATE SEQUENCE canary_seq;
    CREATE FUNCTION sneaky() RETURNS int LANGUAGE plpgsql AS $$ BEGIN DELETE FROM canary; RETURN 1; END $$;
    CREATE PROCEDURE wipe() LANGUAGE sql AS $$ DELETE FROM canary $$;
    CREATE MATERIALIZED VIEW canary_view AS SELECT count(*) FROM canary;
  `);
  sentinel = new Client({ connectionString: system.db.url, application_name: 'pgfan-sentinel' });
  await sentinel.connect();
}, 90_000);

afterAll(async () => {
  await sentinel?.end().catch(() => undefined);
  await system?.stop();
});

const PWNED = `/tmp/pgfan-pwned-${process.pid}`;

const HOSTILE = [
  // DDL
  'DROP TABLE canary',
  'CREATE TABLE stolen (a int)',
  'ALTER TABLE canary ADD COLUMN x int',
  'TRUNCATE canary',
  'CREATE INDEX ON canary (v)',
  'DROP SCHEMA public CASCADE',
  'CREATE ROLE evil SUPERUSER LOGIN',
  'GRANT ALL ON canary TO PUBLIC',
  "COMMENT ON TABLE canary IS 'owned'",
  'CREATE EXTENSION IF NOT EXISTS dblink',
  // DML
  'INSERT INTO canary VALUES (99)',
  'UPDATE canary SET v = 0',
  'DELETE FROM canary',
  'MERGE INTO canary c USING (SELECT 1 AS v) s ON c.v = s.v WHEN MATCHED THEN DELETE',
  // several statements
  'SELECT 1; DROP TABLE canary',
  'SELECT 1;DELETE FROM canary;',
  "SELECT 'a'; UPDATE canary SET v = 0",
  // SELECT INTO, COPY
  'SELECT * INTO stolen FROM canary',
  'SELECT v INTO TEMP stolen FROM canary',
  `COPY canary TO '${PWNED}'`,
  `COPY (SELECT 1) TO PROGRAM 'touch ${PWNED}'`,
  // data-modifying CTEs
  'WITH d AS (DELETE FROM canary RETURNING *) SELECT * FROM d',
  'WITH u AS (UPDATE canary SET v = 0 RETURNING *) SELECT count(*) FROM u',
  'WITH i AS (INSERT INTO canary VALUES (9) RETURNING *) SELECT * FROM i',
  'WITH x AS (SELECT 1) DELETE FROM canary',
  // comments and dollar quotes hiding statements
  'SELECT 1 /* a */ ; /* b */ DELETE FROM canary',
  'SELECT 1 -- a comment\n; DELETE FROM canary',
  'SELECT $$ $$; DELETE FROM canary; SELECT $$ $$',
  'SELECT $a$ $$ $a$; DROP TABLE canary',
  'DO $$ BEGIN DELETE FROM canary; END $$',
  'SELECT 1 /* /* nested */ */; TRUNCATE canary',
  // functions that sleep, signal, lock, read files or change settings
  'SELECT pg_sleep(30)',
  "SELECT pg_sleep_for('30 seconds')",
  "SELECT pg_sleep_until(now() + interval '30 seconds')",
  "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pgfan-sentinel'",
  "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'pgfan-sentinel'",
  'SELECT pg_advisory_lock(42)',
  'SELECT pg_try_advisory_lock(42)',
  'SELECT pg_advisory_lock_shared(42)',
  "SELECT pg_read_file('/etc/passwd')",
  "SELECT pg_read_binary_file('/etc/passwd')",
  "SELECT pg_ls_dir('.')",
  "SELECT pg_stat_file('postgresql.conf')",
  "SELECT lo_import('/etc/passwd')",
  `SELECT lo_export(1, '${PWNED}')`,
  "SELECT dblink_exec('dbname=postgres', 'DROP TABLE canary')",
  "SELECT set_config('default_transaction_read_only', 'off', false)",
  "SELECT nextval('canary_seq')",
  "SELECT setval('canary_seq', 1000)",
  'SELECT txid_current()',
  'SELECT pg_current_xact_id()',
  "SELECT query_to_xml('SELECT pg_sleep(30)', true, true, '')",
  'SELECT pg_reload_conf()',
  "SELECT pg_notify('channel', 'payload')",
  'SELECT pg_catalog.pg_sleep(30)',
  'SELECT "pg_sleep"(30)',
  'SELECT U&"pg\\005fsleep"(30)',
  'SELECT * FROM pg_sleep(30)',
  'SELECT count(*) FROM canary WHERE pg_try_advisory_lock(v)',
  // Issue 19: ts_rewrite and ts_stat run SQL given as text, past every check on the query's own.
  "SELECT ts_rewrite('a'::tsquery, $$SELECT 'a'::tsquery, quote_literal(pg_read_file('/etc/hostname'))::tsquery$$)",
  "SELECT ts_rewrite('a'::tsquery, $$SELECT 'a'::tsquery, quote_literal(pg_sleep(30))::tsquery$$)",
  "SELECT ts_rewrite('a'::tsquery, $$SELECT 'a'::tsquery, quote_literal(set_config('TimeZone', 'Asia/Tokyo', false))::tsquery$$)",
  `SELECT ts_rewrite('a'::tsquery, $$SELECT 'a'::tsquery, quote_literal(pg_terminate_backend(pid))::tsquery FROM pg_stat_activity WHERE application_name = 'pgfan-sentinel'$$)`,
  "SELECT * FROM ts_stat('SELECT to_tsvector(pg_read_file(''/etc/hostname''))')",
  "SELECT * FROM pg_logical_slot_get_changes('slot', NULL, NULL)",
  'SELECT setseed(0.5)',
  // Other sessions' SQL, and the server's configuration files, through catalog views.
  'SELECT query FROM pg_stat_activity',
  'SELECT * FROM pg_hba_file_rules',
  // locks, sessions, transactions, maintenance
  'SELECT * FROM canary FOR UPDATE',
  'SELECT * FROM canary FOR SHARE',
  'LOCK TABLE canary',
  'SET ROLE postgres',
  'SET default_transaction_read_only = off',
  'RESET ALL',
  'BEGIN',
  'COMMIT',
  'PREPARE p AS DELETE FROM canary',
  'EXECUTE p',
  'CALL wipe()',
  'LISTEN channel',
  "NOTIFY channel, 'x'",
  'VACUUM canary',
  'ANALYZE canary',
  'REFRESH MATERIALIZED VIEW canary_view',
  'CHECKPOINT',
  'DISCARD ALL',
  'EXPLAIN ANALYZE DELETE FROM canary',
];

/** Valid SELECTs whose harm PostgreSQL's read-only transaction stops: they fail, as records. */
const STOPPED_BY_POSTGRESQL = ['SELECT sneaky()'];

const LOOK_ALIKES: [string, unknown[][]][] = [
  ["SELECT ';DROP TABLE x' AS s", [[';DROP TABLE x']]],
  ["SELECT 'pg_sleep(30)' AS s", [['pg_sleep(30)']]],
  ['SELECT $$DELETE FROM canary$$ AS s', [['DELETE FROM canary']]],
  ['SELECT 1 AS "DROP TABLE canary"', [[1]]],
  ['SELECT count(*) FROM canary -- ; DROP TABLE canary', [['10']]],
  ['SELECT count(*) FROM canary /* ; DELETE FROM canary */', [['10']]],
  ['SELECT pg_sleep FROM (SELECT 1 AS pg_sleep) AS s', [[1]]],
  ["SELECT lower('PG_SLEEP(1); DROP TABLE canary') AS s", [['pg_sleep(1); drop table canary']]],
  ['SELECT sum(v) AS updated FROM canary', [['55']]],
  ['SELECT 1 /* /* nested */ ; DELETE FROM canary */ AS one', [[1]]],
  // SELECTs not spelled SELECT: they read, and run as written.
  ['TABLE canary ORDER BY v LIMIT 2', [[1], [2]]],
  [
    "VALUES (1, 'a'), (2, NULL)",
    [
      [1, 'a'],
      [2, null],
    ],
  ],
];

async function databaseState() {
  const one = async (sql: string) => String((await sentinel.query({ text: sql, rowMode: 'array' })).rows[0]?.[0]);
  return {
    canary: await one("SELECT count(*) || ':' || sum(v) FROM canary"),
    sequence: await one("SELECT last_value || ':' || is_called FROM canary_seq"),
    tables: await one("SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'm')"),
    columns: await one("SELECT count(*) FROM information_schema.columns WHERE table_name = 'canary'"),
    indexes: await one("SELECT count(*) FROM pg_indexes WHERE tablename = 'canary'"),
    roles: await one("SELECT count(*) FROM pg_roles WHERE rolname = 'evil'"),
    extensions: await one("SELECT count(*) FROM pg_extension WHERE extname = 'dblink'"),
    comment: await one("SELECT coalesce(obj_description('canary'::regclass), '')"),
    advisoryLocks: await one("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"),
    largeObjects: await one('SELECT count(*) FROM pg_largeobject_metadata'),
    sleepers: await one("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'"),
    grants: await one("SELECT count(*) FROM information_schema.role_table_grants WHERE table_name = 'canary' AND grantee = 'PUBLIC'"),
  };
}

test('a NUL character in the SQL is refused before it is planned: PostgreSQL would read only the text before it', async () => {
  // Found by the fuzz test: "SELECT--\u0000count(…) FROM events" planned as "SELECT--", then failed to record (a 500).
  const { status, body } = await system.request<{ error?: { code: string; message: string } }>('POST', '/api/queries?wait=5000', {
    sql: 'SELECT--\u0000count(*) FROM events',
  });
  expect(status).toBe(400);
  expect(body.error).toEqual({ code: 'SYNTAX_ERROR', message: 'the query contains a NUL character (U+0000), which PostgreSQL does not accept in SQL' });
});

test(`none of ${HOSTILE.length} hostile statements executes: each is refused with a 4xx and a stable code`, async () => {
  expect(HOSTILE.length).toBeGreaterThanOrEqual(50);
  const before = await databaseState();
  const answers: string[] = [];
  for (const sql of HOSTILE) {
    const { status, body } = await system.request<{ error?: { code: string; message: string } }>('POST', '/api/queries?wait=5000', { sql });
    answers.push(`${status} ${body.error?.code ?? JSON.stringify(body).slice(0, 80)} ← ${sql}`);
  }
  const notRefused = answers.filter((a) => !/^4(00|22) [A-Z_]+ ←/.test(a));
  expect(notRefused).toEqual([]);
  await sentinel.query('SELECT 1'); // still connected: no backend was terminated
  expect(await databaseState()).toEqual(before);
  expect(existsSync(PWNED)).toBe(false);
  const recorded = await sentinel.query('SELECT count(*) AS n FROM pgfan.queries');
  expect(recorded.rows[0]).toEqual({ n: '0' });
}, 60_000);

test.each(STOPPED_BY_POSTGRESQL)('%s passes the gates but PostgreSQL refuses to write: a failed record, nothing changed', async (sql) => {
  const before = await databaseState();
  const { status, body } = await system.request<QueryView>('POST', '/api/queries?wait=10000', { sql });
  expect(status).toBe(200);
  expect(body).toMatchObject({ status: 'failed', error: { code: 'NOT_READ_ONLY' } });
  expect(await databaseState()).toEqual(before);
});

test.each(LOOK_ALIKES)('a harmless look-alike runs: %s', async (sql, rows) => {
  const { status, body } = await system.request<QueryView>('POST', '/api/queries?wait=10000', { sql });
  expect(status).toBe(200);
  expect(body.status).toBe('completed');
  expect(body.result?.rows).toEqual(rows);
});
