/**
 * The PostgreSQL port, with clients nobody here wrote: psql and node-postgres against pgfan and
 * against PostgreSQL directly. What the planner fans out goes through the submit service (it is
 * in the history); everything else runs on the client's own session; either way the client sees
 * what PostgreSQL would have shown it.
 */
import { execFile } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import type { QueryView } from '@pgfan/contracts';
import { DIFFERENTIAL_CASES, eventually, sameAllowingFloatRounding, SLOW_FUNCTION_SQL, startSystem, type System } from '@pgfan/testing';

const run = promisify(execFile);

let system: System;
let pgfan: { host: string; port: string };
let direct: { host: string; port: string; user: string };

beforeAll(async () => {
  system = await startSystem({ label: 'postgres_port' });
  const [host = '', port = ''] = (system.pgAddress ?? '').split(':');
  pgfan = { host, port };
  const url = new URL(system.queryUrl);
  direct = { host: url.hostname, port: url.port || '5432', user: decodeURIComponent(url.username) };
  await system.db.exec(SLOW_FUNCTION_SQL);
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

/** A node-postgres client connected to pgfan's PostgreSQL port (any user name: keys are off). */
async function connectedThroughPgfan(): Promise<Client> {
  const client = new Client({ host: pgfan.host, port: Number(pgfan.port), user: 'anyone', database: system.db.name });
  await client.connect();
  return client;
}

/** psql -X -A -t on a script, through pgfan or directly: its output and its errors. */
async function psql(target: 'pgfan' | 'direct', script: string, extra: string[] = []): Promise<{ stdout: string; stderr: string }> {
  const file = join(mkdtempSync(join(tmpdir(), 'pgfan-psql-')), 'script.sql');
  writeFileSync(file, script);
  const where = target === 'pgfan' ? { ...pgfan, user: 'anyone' } : direct;
  const { stdout, stderr } = await run(
    'psql',
    ['-X', '-A', '-t', '-q', '-h', where.host, '-p', where.port, '-U', where.user, '-d', system.db.name, ...extra, '-f', file],
    {
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, PGTZ: 'UTC' },
    },
  ).catch((error: { stdout: string; stderr: string }) => error);
  return { stdout, stderr: stderr.replaceAll(file, 'script.sql') };
}

/** Equal lines, or fields that differ only as floats may (1e-9 relative; 1e-6 for real's six digits). */
function sameLine(expected: string, actual: string): boolean {
  if (expected === actual) return true;
  const a = expected.split('|');
  const b = actual.split('|');
  return (
    a.length === b.length &&
    // real prints at most 9 significant digits.
    a.every((x, i) => sameAllowingFloatRounding(x, b[i], x.replace(/[^0-9]/g, '').length <= 9 ? 1e-6 : 1e-9))
  );
}

function sortKey(line: string): string {
  return line
    .split('|')
    .map((field) => (/^-?\d+\.\d{6,}/.test(field) ? Number(field).toPrecision(8) : field))
    .join('|');
}

function diffOutput(expected: string, actual: string, ordered: boolean): string | null {
  const prepare = (text: string) => {
    const lines = text.split('\n');
    return ordered ? lines : lines.sort((x, y) => sortKey(x).localeCompare(sortKey(y)));
  };
  const [e, a] = [prepare(expected), prepare(actual)];
  if (e.length !== a.length) return `${e.length} lines expected, ${a.length} returned`;
  const at = e.findIndex((line, i) => !sameLine(line, a[i] as string));
  return at < 0 ? null : `line ${at + 1}: expected ${e[at]}, got ${a[at]}`;
}

const MARKER = '-- case ';

/** Each case's output, by the markers the script echoed between them. */
function byCase(stdout: string): string[] {
  return stdout
    .split(`${MARKER}`)
    .slice(1)
    .map((part) => part.slice(part.indexOf('\n') + 1).replace(/\n$/, ''));
}

test('the differential corpus through psql: what PostgreSQL prints, and every split case fanned out', async () => {
  const script = ['SET pgfan.partitions = 3;', ...DIFFERENTIAL_CASES.map((c, i) => `\\echo '${MARKER}${i}'\n${c.sql};`)].join('\n');
  const [through, expected] = await Promise.all([psql('pgfan', script), psql('direct', script)]);
  expect(through.stderr).toBe(expected.stderr);
  const [got, want] = [byCase(through.stdout), byCase(expected.stdout)];
  expect(got).toHaveLength(DIFFERENTIAL_CASES.length);
  const differences = DIFFERENTIAL_CASES.flatMap((c, i) => {
    // LIMIT without ORDER BY: any rows are right, as many as PostgreSQL's.
    if (c.anyRowsOf) return got[i]?.split('\n').length === want[i]?.split('\n').length ? [] : [`${c.sql}: row counts differ`];
    const difference = diffOutput(want[i] as string, got[i] as string, /\border\s+by\b/i.test(c.sql));
    return difference ? [`${c.sql}: ${difference}`] : [];
  });
  expect(differences).toEqual([]);
  const fannedOut = await history();
  // psql sends a statement with its semicolon.
  const splits = DIFFERENTIAL_CASES.filter((c) => c.split !== false).map((c) => `${c.sql};`);
  expect(
    fannedOut
      .filter((q) => q.plan?.mode === 'fan-out' && q.status === 'completed')
      .map((q) => q.sql)
      .sort(),
  ).toEqual([...splits].sort());
}, 120_000);

/** Every query in the history (newest first). */
async function history(): Promise<QueryView[]> {
  const all: QueryView[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; body: { queries: QueryView[]; nextCursor: string | null } } = await system.request(
      'GET',
      `/api/queries?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
    );
    all.push(...page.body.queries);
    cursor = page.body.nextCursor;
  } while (cursor);
  return all;
}

test("psql's meta-commands, catalog queries, settings and errors: as PostgreSQL shows them", async () => {
  const script = [
    '\\d events',
    '\\dt',
    '\\l',
    '\\df slow',
    'SHOW search_path;',
    'SELECT pg_catalog.version();',
    'SET extra_float_digits = 3;',
    'SHOW extra_float_digits;',
    'BEGIN; SELECT count(*) FROM events; COMMIT;',
    'SELEC 1;',
    'SELECT nope FROM events;',
    'SELECT count(*) FROM events WHERE 1 / (score - score) > 0;',
    'CREATE TABLE not_allowed (a int);',
    'SELECT $1;',
    'SELECT 1; SELECT 2;',
    '',
  ].join('\n');
  const [through, expected] = await Promise.all([psql('pgfan', script, ['-v', 'VERBOSITY=verbose']), psql('direct', script, ['-v', 'VERBOSITY=verbose'])]);
  expect(through.stderr).toBe(expected.stderr);
  expect(through.stdout).toBe(expected.stdout);
  expect(through.stderr).toContain('25006'); // read-only, PostgreSQL's own words
});

test('node-postgres, in objects and in arrays, with and without parameters', async () => {
  const through = new Client({ host: pgfan.host, port: Number(pgfan.port), user: 'anyone', database: system.db.name });
  const straight = new Client({ host: direct.host, port: Number(direct.port), user: direct.user, database: system.db.name });
  const clients = [through, straight];
  /** The same call on both clients: pgfan's answer, then PostgreSQL's. */
  const both = <T>(call: (client: Client) => Promise<T>) => Promise.all([call(through), call(straight)]);
  await Promise.all(clients.map((c) => c.connect()));
  try {
    const sql = 'SELECT country, count(*), sum(revenue), max(ts) FROM events GROUP BY country ORDER BY country COLLATE "C"';
    for (const client of clients) await client.query('SET pgfan.partitions = 2');
    const [viaPgfan, viaPostgres] = await both((c) => c.query(sql));
    expect(viaPgfan.rows).toEqual(viaPostgres.rows);
    expect(viaPgfan.fields.map((f) => [f.name, f.dataTypeID, f.tableID, f.columnID])).toEqual(
      viaPostgres.fields.map((f) => [f.name, f.dataTypeID, f.tableID, f.columnID]),
    );
    const [arrays, arraysDirect] = await both((c) => c.query({ text: sql, rowMode: 'array' }));
    expect(arrays.rows).toEqual(arraysDirect.rows);
    const withParameter = 'SELECT count(*) FROM events WHERE country = $1';
    const [bound, boundDirect] = await both((c) => c.query(withParameter, ['de']));
    expect(bound.rows).toEqual(boundDirect.rows);
    expect((await history()).some((q) => q.sql === sql && q.plan?.mode === 'fan-out')).toBe(true);
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
});

test('a COUNT(DISTINCT) pgfan runs as the faster DISTINCT subquery goes through the submit service too, in the simple and the extended protocol', async () => {
  await system.db.exec('CREATE TABLE pages AS SELECT i AS id, md5((i % 20000)::text) AS page FROM generate_series(1, 300000) AS i; ANALYZE pages');
  const sql = 'SELECT count(DISTINCT page) FROM pages';
  const [through, straight] = await Promise.all([psql('pgfan', `${sql};`), psql('direct', `${sql};`)]);
  expect(through).toEqual(straight);
  expect(straight.stdout.trim()).toBe('20000');
  const client = await connectedThroughPgfan();
  try {
    const withParameter = 'SELECT count(DISTINCT page) AS pages FROM pages WHERE id > $1';
    const answer = await client.query(withParameter, [100]);
    expect(answer.rows).toEqual([{ pages: '20000' }]);
    expect(answer.fields.map((f) => [f.name, f.dataTypeID])).toEqual([['pages', 20]]);
  } finally {
    await client.end();
  }
  const rewritten = (await history()).filter((q) => q.plan?.reason.includes('runs as count() over SELECT DISTINCT')).map((q) => q.sql);
  // As psql sent it, and with the parameter's value bound in.
  expect(rewritten).toEqual(expect.arrayContaining([`${sql};`, "SELECT count(DISTINCT page) AS pages FROM pages WHERE id > ('100'::integer)"]));
});

/** Sends a CancelRequest for `client`'s session to pgfan's port, as libpq does. */
async function sendCancel(client: Client): Promise<void> {
  const { processID, secretKey } = client as unknown as { processID: number; secretKey: number };
  const request = Buffer.alloc(16);
  request.writeInt32BE(16, 0);
  request.writeInt32BE(80877102, 4);
  request.writeInt32BE(processID, 8);
  request.writeInt32BE(secretKey, 12);
  await new Promise<void>((resolve, reject) => {
    const socket = connect(Number(pgfan.port), pgfan.host, () => socket.end(request));
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
}

test('a CancelRequest stops a fanned-out query and its record says so; or what the session runs itself', async () => {
  const client = await connectedThroughPgfan();
  try {
    await client.query('SET pgfan.partitions = 2');
    const sql = 'SELECT sum(slow(user_id, 20)) FROM events';
    const running = client.query(sql).then(
      () => null,
      (error: { code?: string; message: string }) => error,
    );
    const id = await eventually(async () => (await history()).find((q) => q.sql === sql && q.status === 'running')?.id);
    await sendCancel(client);
    expect(await running).toMatchObject({ code: '57014', message: 'canceling statement due to user request' });
    expect((await system.request<QueryView>('GET', `/api/queries/${id}`)).body.status).toBe('cancelled');
    // The session goes on; a statement it runs itself is cancelled by its own backend.
    const sleeping = client.query('SELECT pg_sleep(30)').then(
      () => null,
      (error: { code?: string }) => error,
    );
    const admin = new Client({ connectionString: system.db.url });
    await admin.connect();
    await eventually(async () =>
      (await admin.query("SELECT 1 FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)'")).rowCount ? true : undefined,
    ).finally(() => admin.end());
    await sendCancel(client);
    expect(await sleeping).toMatchObject({ code: '57014' });
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  } finally {
    await client.end();
  }
}, 60_000);

test('a CancelRequest that arrives while pgfan still describes and plans the statement cancels it, before it runs', async () => {
  const client = await connectedThroughPgfan();
  try {
    await client.query('SET pgfan.partitions = 2');
    for (const sql of ['SELECT sum(slow(user_id, 50)) FROM events', 'SELECT sum(slow(user_id, 50)) FROM events WHERE flags >= $1']) {
      const running = client.query(sql, sql.includes('$1') ? [0] : undefined).then(
        () => null,
        (error: { code?: string }) => error,
      );
      // At once: the statement is still being described, planned or admitted.
      await sendCancel(client);
      expect(await running).toMatchObject({ code: '57014' });
    }
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  } finally {
    await client.end();
  }
}, 60_000);

test('a CancelRequest that arrives while pgfan looks at a statement a recent plan runs as written cancels it too', async () => {
  const client = await connectedThroughPgfan();
  try {
    // Not splittable (no table): run as written, and the decision is kept for the next run.
    for (const sql of ['SELECT count(*) AS n FROM generate_series(1, 3000000)', 'SELECT count(*) AS n FROM generate_series(1, $1::int)']) {
      const values = sql.includes('$1') ? [3_000_000] : undefined;
      const statement = { text: sql, ...(values ? { values, name: 'counted' } : {}) };
      expect((await client.query(statement)).rows).toEqual([{ n: '3000000' }]);
      const running = client.query(statement).then(
        () => null,
        (error: { code?: string }) => error,
      );
      await sendCancel(client);
      expect(await running).toMatchObject({ code: '57014' });
    }
  } finally {
    await client.end();
  }
}, 60_000);

test("one client cannot see or stop another's sessions, nor run SQL given as text; its own session's settings stay its own", async () => {
  const client = await connectedThroughPgfan();
  const refused = (sql: string, values?: unknown[]) =>
    client.query(sql, values).then(
      () => 'ran',
      (error: { code?: string }) => error.code,
    );
  try {
    // Every client is the same database role: PostgreSQL would let these reach the others.
    expect(await refused('SELECT query FROM pg_stat_activity')).toBe('42501');
    expect(await refused('SELECT pg_cancel_backend(pid) FROM pg_locks')).toBe('42501');
    expect(await refused('SELECT pg_terminate_backend($1)', [1])).toBe('42501');
    expect(await refused('/* hidden */ DO $$ BEGIN PERFORM pg_cancel_backend(1); END $$')).toBe('42501');
    expect(await refused("SELECT query_to_xml('SELECT pg_cancel_backend(1)', true, true, '')")).toBe('42501');
    // A refusal fails the transaction it is in, as PostgreSQL's own errors do.
    await client.query('BEGIN');
    expect(await refused('SELECT pg_terminate_backend(1)')).toBe('42501');
    expect(await refused('SELECT 1')).toBe('25P02');
    await client.query('ROLLBACK');
    // What touches only its own session is its own business.
    expect((await client.query("SELECT set_config('application_name', 'mine', false) AS v")).rows).toEqual([{ v: 'mine' }]);
  } finally {
    await client.end();
  }
});

test('inside a read committed transaction a SELECT is fanned out too; in repeatable read it reads the transaction’s own snapshot; an error fails the transaction as PostgreSQL’s would', async () => {
  const client = await connectedThroughPgfan();
  try {
    await client.query('SET pgfan.partitions = 2');
    const committed = 'SELECT country, count(*) AS n FROM events WHERE flags > 2 GROUP BY country ORDER BY country COLLATE "C"';
    await client.query('BEGIN');
    const inside = await client.query(committed);
    await client.query('COMMIT');
    const direct = new Client({ connectionString: system.db.url });
    await direct.connect();
    const { rows: expected } = await direct.query(committed).finally(() => direct.end());
    expect(inside.rows).toEqual(expected);
    const repeatable = 'SELECT country, count(*) AS n FROM events WHERE flags > 3 GROUP BY country ORDER BY country COLLATE "C"';
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await client.query(repeatable);
    await client.query('COMMIT');
    const fannedOut = (await history()).filter((q) => q.plan?.mode === 'fan-out').map((q) => q.sql);
    expect(fannedOut).toContain(committed);
    expect(fannedOut).not.toContain(repeatable);
    // A refusal inside a transaction (pgfan.partitions out of range) aborts it, as PostgreSQL's errors do.
    await client.query('BEGIN');
    await client.query('SET LOCAL pgfan.partitions = 999');
    await expect(client.query(committed)).rejects.toMatchObject({ code: '22023' });
    await expect(client.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
    await client.query('ROLLBACK');
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  } finally {
    await client.end();
  }
});

test('a statement recently run as written goes straight to the session, whose own settings then decide its answer; SET pgfan.partitions still fans the same text out', async () => {
  const role = decodeURIComponent(new URL(system.queryUrl).username);
  await system.db.exec(
    `CREATE SCHEMA elsewhere; CREATE TABLE elsewhere.events AS SELECT * FROM events LIMIT 7; GRANT USAGE ON SCHEMA elsewhere TO "${role}"; GRANT SELECT ON elsewhere.events TO "${role}"`,
  );
  const simple = 'SELECT count(*) AS n FROM events WHERE flags > 1';
  const extended = 'SELECT count(*) AS n FROM events WHERE flags > $1';
  const direct = new Client({ connectionString: system.db.url });
  await direct.connect();
  const count = async (table: string) => ((await direct.query(`SELECT count(*) AS n FROM ${table} WHERE flags > 1`)).rows[0] as { n: string }).n;
  const [everywhere, elsewhere] = await Promise.all([count('public.events'), count('elsewhere.events')]).finally(() => direct.end());
  expect(elsewhere).not.toBe(everywhere);
  const client = await connectedThroughPgfan();
  const answers = async () => {
    const count = async (statement: string | { name: string; text: string; values: unknown[] }, values?: unknown[]) =>
      ((await client.query(statement, values)).rows[0] as { n: string }).n;
    // Prepared once, then bound again by name: the types it learnt are its own.
    return [await count(simple), await count(extended, [1]), await count({ name: 'flagged', text: extended, values: [1] })];
  };
  try {
    // Twice: the second finds the first's decision to run it as written.
    expect([...(await answers()), ...(await answers())]).toEqual(Array(6).fill(everywhere));
    // The session reads another table by that name: its own answer, never the workers'.
    await client.query('SET search_path = elsewhere, public');
    expect(await answers()).toEqual(Array(3).fill(elsewhere));
    await client.query('SET pgfan.partitions = 2');
    expect(await answers()).toEqual(Array(3).fill(elsewhere));
    // Back to the workers' reading: the partitions asked for count, whatever was decided before.
    await client.query('RESET search_path');
    expect(await answers()).toEqual(Array(3).fill(everywhere));
    const fannedOut = (await history()).filter((q) => q.plan?.mode === 'fan-out').map((q) => q.sql);
    expect(fannedOut.filter((sql) => sql === simple || sql === "SELECT count(*) AS n FROM events WHERE flags > ('1'::integer)")).toHaveLength(3);
  } finally {
    await client.end();
  }
});
