import { rejectionBy } from './__tests__/helpers';
import { forbiddenCall, forbiddenCallInExpression, isForbiddenFunction } from './functions';
import { tokenize } from './lexer';
import { parseQuery } from './parse';

const rejection = (sql: string) => rejectionBy(() => parseQuery(sql), sql);

test.each([
  'pg_sleep',
  'pg_sleep_for',
  'pg_sleep_until',
  'pg_terminate_backend',
  'pg_cancel_backend',
  'pg_advisory_lock',
  'pg_advisory_xact_lock_shared',
  'pg_try_advisory_lock',
  'pg_read_file',
  'pg_read_binary_file',
  'pg_ls_dir',
  'pg_stat_file',
  'lo_import',
  'lo_export',
  'loread',
  'dblink',
  'dblink_exec',
  'set_config',
  'nextval',
  'setval',
  'txid_current',
  'pg_current_xact_id',
  'pg_export_snapshot',
  'pg_reload_conf',
  'pg_notify',
  'query_to_xml',
  'table_to_xml',
  'ts_stat',
  'pg_create_logical_replication_slot',
  'pg_switch_wal',
  // Found by the attack in issue 19: SQL as text, settings and other sessions' SQL.
  'ts_rewrite',
  'setseed',
  'set_limit',
  'pg_stat_get_activity',
  'pg_stat_statements',
  'pg_logical_slot_get_changes',
  'crosstab',
  'xpath_table',
])('%s is forbidden', (name) => {
  expect(isForbiddenFunction(name)).toBe(true);
});

test.each([
  'lower',
  'count',
  'sum',
  'pg_size_pretty',
  'current_setting',
  'now',
  'date_trunc',
  'lower_inc',
  'logistic',
  'pg_typeof',
  'txid_snapshot_xmin',
  'pg_wal_lsn_diff',
  'to_tsquery',
  'random',
])('%s is allowed', (name) => {
  expect(isForbiddenFunction(name)).toBe(false);
});

test.each([
  ['SELECT pg_sleep(10)', 'pg_sleep'],
  ['SELECT PG_SLEEP (10)', 'pg_sleep'],
  ['SELECT pg_catalog.pg_sleep(10)', 'pg_sleep'],
  ['SELECT pg_catalog . "pg_sleep" /* hidden */ (10)', 'pg_sleep'],
  ['SELECT * FROM pg_sleep(1)', 'pg_sleep'],
  ['SELECT count(*) FROM events WHERE pg_try_advisory_lock(id)', 'pg_try_advisory_lock'],
  [`SELECT U&"pg\\005fsleep"(1)`, 'pg_sleep'],
  [`SELECT U&"pg!005fsleep" UESCAPE '!' (1)`, 'pg_sleep'],
  [`SELECT U&"pg_sl\\+000065ep"(1)`, 'pg_sleep'],
  ['SELECT (SELECT set_config($$work_mem$$, $$1GB$$, false))', 'set_config'],
  ["SELECT lo_import('/etc/passwd')", 'lo_import'],
  ["WITH s AS (SELECT nextval('seq')) SELECT * FROM s", 'nextval'],
  // Issue 19's walk-around: ts_rewrite runs its second argument as a query.
  ["SELECT ts_rewrite('a'::tsquery, $$SELECT 'a'::tsquery, quote_literal(pg_read_file('/etc/hostname'))::tsquery$$)", 'ts_rewrite'],
  ['SELECT query FROM pg_catalog.pg_stat_get_activity(NULL)', 'pg_stat_get_activity'],
])('%s is refused with FORBIDDEN_FUNCTION naming %s', (sql, name) => {
  const error = rejection(sql);
  expect(error.code).toBe('FORBIDDEN_FUNCTION');
  expect(error.message).toContain(name);
  expect(error.position).toBeDefined();
});

test('the position points at the function name', () => {
  const error = rejection('SELECT 1,\n  pg_sleep(1)');
  expect(error.position).toEqual({ offset: 12, line: 2, column: 3 });
});

test.each([
  "SELECT 'pg_sleep(10)' AS text",
  'SELECT $$pg_sleep(10)$$ AS text',
  'SELECT 1 AS pg_sleep',
  'SELECT "PG_SLEEP"(1)', // a different (user-defined, case-sensitive) function
  'SELECT 1 -- pg_sleep(1)',
  'SELECT 1 /* pg_sleep(1) */',
  "SELECT ';DROP TABLE x' AS look_alike",
  'SELECT lower(country), lower_inc(int4range(1, 2)) FROM events',
])('a look-alike is accepted: %s', (sql) => {
  expect(() => parseQuery(sql)).not.toThrow();
});

test('forbiddenCall finds the first denied call in tokens', () => {
  expect(forbiddenCall(tokenize('SELECT abs(1), pg_sleep(1), nextval(1)'))).toMatchObject({ name: 'pg_sleep', token: { start: 15 } });
  expect(forbiddenCall(tokenize('SELECT abs(1)'))).toBeNull();
});

test("expressions from PostgreSQL's EXPLAIN are checked the same way, and unreadable ones are skipped", () => {
  expect(forbiddenCallInExpression("pg_sleep('10'::double precision)")).toBe('pg_sleep');
  expect(forbiddenCallInExpression("'pg_sleep(1)'::text")).toBeNull();
  expect(forbiddenCallInExpression('events.id')).toBeNull();
  expect(forbiddenCallInExpression("unterminated 'string")).toBeNull();
});
