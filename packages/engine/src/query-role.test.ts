/**
 * The role users' SQL runs as: a provisioned one passes the audit, and each thing a role may do
 * beyond reading what it was given is found, from PostgreSQL's own privilege checks.
 */
import { createTestDatabase, type TestDatabase } from '@pgfan/testing';
import { Client, Pool } from 'pg';
import { survivingConnectionErrors } from './connection';
import { auditQueryRole, provisionQueryRole } from './query-role';

let db: TestDatabase;
let admin: Client;
const made: string[] = [];
const pools: Pool[] = [];

/** A one-connection pool, kept to be ended after all; the drop at teardown may terminate its session first. */
function poolAt(url: string): Pool {
  const pool = survivingConnectionErrors(new Pool({ connectionString: url, max: 1 }));
  pools.push(pool);
  return pool;
}

beforeAll(async () => {
  db = await createTestDatabase('query_role');
  admin = new Client({ connectionString: db.url });
  await admin.connect();
  await admin.query(`
    CREATE SCHEMA pgfan;
    CREATE TABLE pgfan.queries (id int);
    CREATE SCHEMA sales;
    CREATE TABLE sales.orders (id int);
  `);
});

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await admin?.end();
  await db?.drop();
  const cleanup = new Client({ connectionString: db.url.replace(/\/[^/]+$/, '/postgres') });
  await cleanup.connect();
  for (const role of made) await cleanup.query(`DROP ROLE IF EXISTS ${role}`);
  await cleanup.end();
});

/** A provisioned role, with `extra` SQL run by the admin afterwards; its audit. */
async function auditOf(name: string, extra = ''): Promise<{ role: string; problems: string[] }> {
  const role = `pgfan_t_qr_${name}_${process.pid}`;
  made.push(role);
  await provisionQueryRole(admin, { role, password: null, schemas: ['public'] });
  if (extra) await admin.query(extra.replaceAll(' ROLE', ` ${role}`));
  const url = new URL(db.url);
  url.username = role;
  const pool = poolAt(url.toString());
  const audit = await auditQueryRole(pool);
  expect(audit.role).toBe(role);
  return audit;
}

test('a provisioned role reads its schemas, tables made later included, and nothing else', async () => {
  expect((await auditOf('fit')).problems).toEqual([]);
  const role = made[made.length - 1] as string;
  await admin.query('CREATE TABLE later (v int); INSERT INTO later VALUES (1)');
  const url = new URL(db.url);
  url.username = role;
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    expect((await client.query('SELECT count(*) AS n FROM events')).rows[0].n).not.toBe('0');
    expect((await client.query('SELECT v FROM later')).rows).toEqual([{ v: 1 }]);
    await expect(client.query('SELECT * FROM sales.orders')).rejects.toThrow(/permission denied/);
    await expect(client.query('SELECT * FROM pgfan.queries')).rejects.toThrow(/permission denied/);
    // Its sessions are read-only by default.
    await expect(client.query('CREATE TEMP TABLE t (v int)')).rejects.toThrow(/read-only transaction/);
  } finally {
    await client.end();
  }
});

test('provisioning twice is harmless', async () => {
  const role = `pgfan_t_qr_twice_${process.pid}`;
  made.push(role);
  await provisionQueryRole(admin, { role, password: 'first', schemas: ['public'] });
  await provisionQueryRole(admin, { role, password: 'second', schemas: ['public', 'sales'] });
  const url = new URL(db.url);
  url.username = role;
  const pool = poolAt(url.toString());
  expect((await auditQueryRole(pool)).problems).toEqual([]);
});

test('a superuser is that alone', async () => {
  const pool = poolAt(db.url);
  expect((await auditQueryRole(pool)).problems).toEqual(['is a superuser']);
});

test.each([
  ['writer', 'GRANT INSERT ON events TO ROLE', /^can write to events$/],
  ['columns', 'GRANT UPDATE (id) ON events TO ROLE', /^can write to events$/],
  ['owner', 'CREATE TABLE owned (v int); ALTER TABLE owned OWNER TO ROLE', /^can write to owned$/],
  ['creator', 'GRANT CREATE ON SCHEMA public TO ROLE', /^can create objects in schema public$/],
  ['dbcreator', 'GRANT CREATE ON DATABASE CURRENT_DB TO ROLE', /^owns or can create schemas in database /],
  ['history', 'GRANT USAGE ON SCHEMA pgfan TO ROLE', /^can read the query history \(schema pgfan\)$/],
  ['files', 'GRANT pg_read_server_files TO ROLE', /^is a member of pg_read_server_files$/],
  ['stats', 'GRANT pg_read_all_stats TO ROLE', /^is a member of pg_read_all_stats$/],
  ['bypass', 'ALTER USER ROLE BYPASSRLS CREATEROLE', /^has BYPASSRLS, CREATEROLE$/],
])('%s: found', async (name, grant, problem) => {
  const { problems } = await auditOf(name, grant.replace('CURRENT_DB', db.name));
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatch(problem);
});

test('many writable tables are counted, a few named', async () => {
  const { problems } = await auditOf('many', Array.from({ length: 5 }, (_, i) => `CREATE TABLE w${i} (v int); GRANT DELETE ON w${i} TO ROLE;`).join(' '));
  expect(problems).toEqual(['can write to 5 relations, w0, w1, w2 and 2 more']);
});
