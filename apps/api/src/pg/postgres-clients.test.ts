/**
 * The PostgreSQL port with the drivers users' services run on, from Debian's packages: psycopg 3,
 * psycopg2 and pgjdbc. Each drives pgfan and PostgreSQL itself the same way; the answers must be
 * the same, a cancel must cancel, and the session must go on afterwards.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { eventually, sameAllowingFloatRounding, SLOW_FUNCTION_SQL, startSystem, type System } from '@pgfan/testing';

const CLIENTS = join(__dirname, 'clients');

let system: System;
let admin: Client;
let pgfan: { host: string; port: string };
let direct: { host: string; port: string; user: string };

beforeAll(async () => {
  system = await startSystem({ label: 'postgres_clients' });
  const [host = '', port = ''] = (system.pgAddress ?? '').split(':');
  pgfan = { host, port };
  const url = new URL(system.queryUrl);
  direct = { host: url.hostname, port: url.port || '5432', user: decodeURIComponent(url.username) };
  await system.db.exec(SLOW_FUNCTION_SQL);
  admin = new Client({ connectionString: system.db.url });
  await admin.connect();
}, 90_000);

afterAll(async () => {
  await admin?.end();
  await system?.stop();
});

/**
 * Runs a client program; when it says it is waiting, waits until its slow statement is running
 * somewhere (its session, or the fragments of its fan-out) and tells it to cancel.
 */
function runClient(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (/^(waiting|\{"waiting": true\})$/m.test(stdout) && !child.stdin.writableEnded) {
        void eventually(async () => {
          const active = await admin.query("SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%slow(%' AND pid <> pg_backend_pid()");
          return active.rowCount ? true : undefined;
        }).then(() => child.stdin.end('\n'), reject);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${command} exited with ${code}:\n${stderr}`))));
  });
}

describe.each(['psycopg', 'psycopg2'])('%s', (driver) => {
  const run = (target: { host: string; port: string }, user: string) =>
    runClient('/usr/bin/python3', [join(CLIENTS, 'psycopg_client.py'), driver, target.host, target.port, system.db.name, user]).then(
      (out) => JSON.parse(out.trim().split('\n').at(-1) as string) as Record<string, unknown>,
    );

  test('parameters, a server-side cursor, connection.cancel() mid-query: as PostgreSQL answers', async () => {
    const through = await run(pgfan, 'anyone');
    const expected = await run(direct, direct.user);
    expect(sameAllowingFloatRounding(expected.rows, through.rows)).toBe(true);
    expect(through.columns).toEqual(expected.columns);
    expect(through.cursor).toEqual(expected.cursor);
    expect([through.cancel, through.after]).toEqual(['57014', 1]);
    // psycopg2 writes parameters into the text itself; psycopg 3 binds them, and pgfan writes them in.
    const { body } = await system.request<{ queries: { sql: string; plan: { mode: string } | null }[] }>('GET', '/api/queries?limit=100');
    const bound = driver === 'psycopg' ? "flags > ('3'::smallint)" : 'flags > 3';
    expect(
      body.queries.some((q) => q.sql.includes(bound) && q.sql.startsWith('SELECT country, count(*), sum(revenue), max(ts)') && q.plan?.mode === 'fan-out'),
    ).toBe(true);
  }, 60_000);
});

test('pgjdbc: binary results past prepareThreshold, parameters, setFetchSize in a transaction, Statement.cancel()', async () => {
  const run = (target: { host: string; port: string }, user: string) =>
    runClient('java', [
      '-cp',
      '/usr/share/java/postgresql.jar',
      join(CLIENTS, 'JdbcClient.java'),
      `jdbc:postgresql://${target.host}:${target.port}/${system.db.name}`,
      user,
    ]).then(
      (out) =>
        new Map(
          out
            .trim()
            .split('\n')
            .filter((line) => line.includes('\t'))
            .map((line) => line.split('\t') as [string, string]),
        ),
    );
  const through = await run(pgfan, 'anyone');
  const expected = await run(direct, direct.user);
  for (let i = 1; i <= 8; i++) {
    const rows = (m: Map<string, string>) => (m.get(`prepared${i}`) ?? '').split(';').map((row) => row.split('|'));
    expect(sameAllowingFloatRounding(rows(expected), rows(through))).toBe(true);
  }
  expect(through.get('parameters')).toBe(expected.get('parameters'));
  expect(through.get('fetched')).toBe(expected.get('fetched'));
  expect([through.get('cancel'), through.get('after')]).toEqual(['57014', '1;']);
  // Every execution of the prepared statement was fanned out, the later ones answered in binary;
  // and the one with parameters, its values written in as constants of their types.
  const { body } = await system.request<{ queries: { sql: string; plan: { mode: string } | null }[] }>('GET', '/api/queries?limit=100');
  const fannedOut = body.queries.filter((q) => q.plan?.mode === 'fan-out').map((q) => q.sql);
  expect(fannedOut.filter((sql) => sql.startsWith('SELECT country, count(*), sum(revenue), max(ts), min(day)'))).toHaveLength(8);
  expect(fannedOut).toContain("SELECT count(*) FROM events WHERE country = ('de'::character varying) AND flags > ('3'::integer)");
}, 120_000);
