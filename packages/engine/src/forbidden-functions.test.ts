/**
 * The deny-list (planner/src/functions.ts) against PostgreSQL's own catalog, by category, so that
 * a function a new PostgreSQL or contrib version adds cannot slip past it unnoticed: every
 * function PUBLIC may not execute (privileged by PostgreSQL's own judgement) is refused; every
 * volatile one (it does something beyond computing its result) is refused or judged harmless
 * below, with the reason; and the stable ones that run SQL handed to them as text, which the
 * catalog cannot tell apart, are named and must exist and be refused.
 */
import { isForbiddenFunction } from '@pgfan/planner';
import { createTestDatabase, type TestDatabase } from '@pgfan/testing';
import { Client } from 'pg';

/** contrib extensions whose functions a database may have, installed here when available. */
const EXTENSIONS = [
  'adminpack',
  'amcheck',
  'dblink',
  'file_fdw',
  'lo',
  'old_snapshot',
  'pageinspect',
  'pg_buffercache',
  'pg_freespacemap',
  'pg_prewarm',
  'pg_stat_statements',
  'pg_surgery',
  'pg_trgm',
  'pg_visibility',
  'pg_walinspect',
  'pgcrypto',
  'pgrowlocks',
  'pgstattuple',
  'postgres_fdw',
  'sslinfo',
  'tablefunc',
  'uuid-ossp',
  'xml2',
];

/** Volatile functions that only read, or compute with randomness or the clock, and change nothing that outlives the statement. */
const HARMLESS_VOLATILE: Record<string, string> = {
  random: 'randomness',
  clock_timestamp: 'the clock',
  timeofday: 'the clock',
  gen_random_uuid: 'randomness',
  gen_random_bytes: 'randomness (pgcrypto)',
  gen_salt: 'randomness (pgcrypto)',
  pgp_sym_encrypt: 'encrypts with a random salt (pgcrypto)',
  pgp_sym_encrypt_bytea: 'encrypts with a random salt (pgcrypto)',
  pgp_pub_encrypt: 'encrypts with a random salt (pgcrypto)',
  pgp_pub_encrypt_bytea: 'encrypts with a random salt (pgcrypto)',
  uuid_generate_v1: 'a new uuid (uuid-ossp)',
  uuid_generate_v1mc: 'a new uuid (uuid-ossp)',
  uuid_generate_v4: 'a new uuid (uuid-ossp)',
  normal_rand: 'random numbers (tablefunc)',
  current_query: "the statement's own text",
  currval: "reads the session's sequence state (nextval is refused, and read-only transactions cannot call it)",
  lastval: "reads the session's sequence state",
  pg_sequence_last_value: 'reads a sequence, with its privileges',
  pg_relation_size: 'sizes',
  pg_table_size: 'sizes',
  pg_indexes_size: 'sizes',
  pg_total_relation_size: 'sizes',
  pg_database_size: 'sizes',
  pg_tablespace_size: 'sizes',
  pg_partition_tree: 'reads the catalog',
  pg_partition_ancestors: 'reads the catalog',
  pg_is_in_recovery: 'whether the server is a standby',
  pg_is_wal_replay_paused: 'replication status',
  pg_get_wal_replay_pause_state: 'replication status',
  pg_current_wal_lsn: 'a WAL position',
  pg_current_wal_insert_lsn: 'a WAL position',
  pg_current_wal_flush_lsn: 'a WAL position',
  pg_last_wal_receive_lsn: 'a WAL position',
  pg_last_wal_replay_lsn: 'a WAL position',
  pg_last_xact_replay_timestamp: 'replication status',
  pg_last_committed_xact: 'commit timestamps',
  pg_xact_commit_timestamp: 'commit timestamps',
  pg_xact_commit_timestamp_origin: 'commit timestamps',
  pg_xact_status: 'a transaction id status',
  txid_status: 'a transaction id status',
  pg_jit_available: 'a capability',
  pg_collation_actual_version: 'a collation version',
  pg_database_collation_actual_version: 'a collation version',
  pg_get_wal_resource_managers: 'a list of names',
  pg_get_multixact_members: 'reads a multixact',
  pg_prepared_xact: 'prepared transactions (the pg_prepared_xacts view)',
  pg_lock_status: 'the pg_locks view: lock modes on relations, no SQL text',
  pg_blocking_pids: 'lock waits, no SQL text',
  pg_safe_snapshot_blocking_pids: 'lock waits, no SQL text',
  pg_isolation_test_session_is_blocked: 'lock waits, no SQL text',
  pg_notification_queue_usage: 'a fraction',
  pg_stat_get_recovery_prefetch: 'statistics',
  pg_stat_get_xact_blocks_fetched: "this transaction's statistics",
  pg_stat_get_xact_blocks_hit: "this transaction's statistics",
  pg_stat_get_xact_function_calls: "this transaction's statistics",
  pg_stat_get_xact_function_self_time: "this transaction's statistics",
  pg_stat_get_xact_function_total_time: "this transaction's statistics",
  pg_stat_get_xact_numscans: "this transaction's statistics",
  pg_stat_get_xact_tuples_deleted: "this transaction's statistics",
  pg_stat_get_xact_tuples_fetched: "this transaction's statistics",
  pg_stat_get_xact_tuples_hot_updated: "this transaction's statistics",
  pg_stat_get_xact_tuples_inserted: "this transaction's statistics",
  pg_stat_get_xact_tuples_returned: "this transaction's statistics",
  pg_stat_get_xact_tuples_updated: "this transaction's statistics",
  pg_old_snapshot_time_mapping: 'reads a mapping (old_snapshot)',
  currtid2: 'reads a tuple id',
  amvalidate: 'checks an operator class definition',
  plpgsql_validator: 'checks a function definition',
  file_fdw_validator: 'checks options',
  ssl_cipher: "this connection's TLS",
  ssl_client_cert_present: "this connection's TLS",
  ssl_client_dn: "this connection's TLS",
  ssl_client_dn_field: "this connection's TLS",
  ssl_client_serial: "this connection's TLS",
  ssl_extension_info: "this connection's TLS",
  ssl_is_used: "this connection's TLS",
  ssl_issuer_dn: "this connection's TLS",
  ssl_issuer_field: "this connection's TLS",
  ssl_version: "this connection's TLS",
};

/** Stable built-ins that run SQL given to them as text (or read every table), which the catalog cannot tell. */
const RUN_SQL_TEXT = [
  'query_to_xml',
  'query_to_xmlschema',
  'query_to_xml_and_xmlschema',
  'cursor_to_xml',
  'table_to_xml',
  'schema_to_xml',
  'database_to_xml',
  'ts_rewrite',
  'ts_stat',
  'crosstab',
  'crosstab2',
  'connectby',
  'xpath_table',
  'dblink',
  'dblink_exec',
];

/** Show other sessions' SQL, which every user's sessions share one role to see. */
const OTHER_SESSIONS_SQL = ['pg_stat_get_activity', 'pg_stat_get_backend_activity', 'pg_stat_statements'];

interface CatalogFunction {
  name: string;
  volatile: boolean;
  publicCanExecute: boolean;
}

let db: TestDatabase;
let functions: CatalogFunction[];

beforeAll(async () => {
  db = await createTestDatabase('denylist', { empty: true });
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>('SELECT name FROM pg_available_extensions WHERE name = ANY($1)', [EXTENSIONS]);
    for (const { name } of rows) await client.query(`CREATE EXTENSION IF NOT EXISTS "${name}"`);
    // Functions SQL can call: not handlers (of languages, FDWs, access methods), triggers or ones taking `internal`.
    const result = await client.query<{ name: string; volatile: boolean; public_can_execute: boolean }>(`
      SELECT DISTINCT p.proname AS name, p.provolatile = 'v' AS volatile, has_function_privilege('public', p.oid, 'EXECUTE') AS public_can_execute
        FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE (n.nspname = 'pg_catalog' OR EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'))
         AND p.prokind IN ('f', 'a', 'w')
         AND NOT ('internal'::regtype = ANY (p.proargtypes::oid[]))
         AND p.prorettype NOT IN ('internal'::regtype, 'trigger'::regtype, 'event_trigger'::regtype, 'fdw_handler'::regtype,
                                  'index_am_handler'::regtype, 'table_am_handler'::regtype, 'tsm_handler'::regtype, 'language_handler'::regtype)`);
    functions = result.rows.map((r) => ({ name: r.name, volatile: r.volatile, publicCanExecute: r.public_can_execute }));
  } finally {
    await client.end();
  }
}, 60_000);

afterAll(async () => {
  await db?.drop();
});

const names = (list: CatalogFunction[]) => [...new Set(list.map((f) => f.name))].sort();

test('the catalog was read, contrib included', () => {
  expect(functions.length).toBeGreaterThan(2000);
  expect(names(functions)).toEqual(expect.arrayContaining(['dblink_exec', 'crosstab', 'pg_stat_statements']));
});

test('every function PUBLIC may not execute is refused', () => {
  expect(names(functions.filter((f) => !f.publicCanExecute && !isForbiddenFunction(f.name)))).toEqual([]);
});

test('every volatile function is refused or judged harmless', () => {
  const unjudged = functions.filter((f) => f.volatile && !isForbiddenFunction(f.name) && HARMLESS_VOLATILE[f.name] === undefined);
  expect(names(unjudged)).toEqual([]);
});

test('nothing judged harmless is refused, and every judgement names a real function', () => {
  const all = new Set(functions.map((f) => f.name));
  expect(Object.keys(HARMLESS_VOLATILE).filter((name) => isForbiddenFunction(name))).toEqual([]);
  expect(Object.keys(HARMLESS_VOLATILE).filter((name) => !all.has(name))).toEqual([]);
});

test.each([...RUN_SQL_TEXT, ...OTHER_SESSIONS_SQL])('%s exists and is refused', (name) => {
  expect(functions.some((f) => f.name === name)).toBe(true);
  expect(isForbiddenFunction(name)).toBe(true);
});
