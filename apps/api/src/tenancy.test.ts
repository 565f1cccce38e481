/**
 * Several users of one deployment: each key sees, follows and cancels only the queries it
 * submitted (an admin key: every query); a revoked key's open sockets are dropped within
 * API_KEYS_REFRESH_MS; Bull Board, which shows everyone's jobs, opens only to an admin key; and
 * nothing one user's SQL does to its session changes what the next user gets back.
 */
import { QUEUES, type ClientToServerEvents, type QueryEvent, type QueryView, type ServerToClientEvents } from '@pgfan/contracts';
import { readJobFailure } from '@pgfan/dispatch';
import { createApiKey, revokeApiKey } from '@pgfan/store';
import { eventually, SESSION_DIRTYING_FUNCTIONS_SQL, SLOW_FUNCTION_SQL, startSystem, type System } from '@pgfan/testing';
import { Pool } from 'pg';
import { io, type Socket } from 'socket.io-client';

const ALICE = 'alice-key-0123456789abcdef';
const BOB = 'bob-key-0123456789abcdef01';
const ADMIN = 'admin-key-0123456789abcdef';
const as = (key: string) => ({ authorization: `Bearer ${key}` });
/** What a browser sends after Bull Board's login prompt: any user name, the key as password. */
const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`anyone:${key}`).toString('base64')}` });

let system: System;
let store: Pool;
const sockets: Socket[] = [];

beforeAll(async () => {
  system = await startSystem({
    label: 'tenancy',
    apiKey: ALICE,
    apiEnv: { API_KEYS: [ALICE, BOB].join(','), ADMIN_KEYS: ADMIN, API_KEYS_REFRESH_MS: '300' },
  });
  await system.db.exec(SLOW_FUNCTION_SQL);
  await system.db.exec(SESSION_DIRTYING_FUNCTIONS_SQL);
  store = new Pool({ connectionString: system.db.url, max: 1 });
}, 90_000);

afterAll(async () => {
  sockets.forEach((s) => s.disconnect());
  await store?.end();
  await system?.stop();
});

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

function connect(key: string): Promise<Client> {
  const socket: Client = io(system.url, { transports: ['websocket'], reconnection: false, auth: { token: key } });
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

const submit = (key: string, sql: string, extra: Record<string, unknown> = {}, wait = '') =>
  system.request<QueryView>('POST', `/api/queries${wait}`, { sql, ...extra }, as(key)).then((r) => r.body);

const finished = (id: string) =>
  eventually(async () => {
    const record = (await system.request<QueryView>('GET', `/api/queries/${id}`, undefined, as(ADMIN))).body;
    return ['completed', 'failed', 'cancelled'].includes(record.status) ? record : undefined;
  });

describe('scopes', () => {
  let alices: QueryView;
  let bobs: QueryView;

  beforeAll(async () => {
    alices = await submit(ALICE, 'SELECT count(*) AS alice FROM events', {}, '?wait=10000');
    bobs = await submit(BOB, 'SELECT count(*) AS bob FROM events', {}, '?wait=10000');
  });

  test("a key reads its own query, and another key's is not there", async () => {
    expect((await system.request('GET', `/api/queries/${alices.id}`, undefined, as(ALICE))).status).toBe(200);
    const other = await system.request('GET', `/api/queries/${alices.id}`, undefined, as(BOB));
    expect(other).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND', message: `no query with id ${alices.id}` } } });
  });

  test('the history lists only the caller’s queries; an admin’s lists everyone’s', async () => {
    const ids = async (key: string) =>
      (await system.request<{ queries: QueryView[] }>('GET', '/api/queries?limit=100', undefined, as(key))).body.queries.map((q) => q.id);
    expect(await ids(ALICE)).toContain(alices.id);
    expect(await ids(ALICE)).not.toContain(bobs.id);
    expect(await ids(BOB)).toEqual([bobs.id]);
    expect(await ids(ADMIN)).toEqual(expect.arrayContaining([alices.id, bobs.id]));
  });

  test('another key cannot cancel a query; its owner and an admin can', async () => {
    const running = await submit(ALICE, 'SELECT sum(slow(id, 5)) FROM events', { partitions: 2 });
    expect((await system.request('DELETE', `/api/queries/${running.id}`, undefined, as(BOB))).status).toBe(404);
    expect((await system.request<QueryView>('GET', `/api/queries/${running.id}`, undefined, as(ALICE))).body.status).not.toBe('cancelled');
    expect((await system.request('DELETE', `/api/queries/${running.id}`, undefined, as(ADMIN))).status).toBe(200);
    expect((await finished(running.id)).status).toBe('cancelled');
  });

  test("a socket follows only its key's queries: watch answers null for another's, and no event of it arrives", async () => {
    const [alice, bob, admin] = await Promise.all([connect(ALICE), connect(BOB), connect(ADMIN)]);
    const heard = { alice: [] as QueryEvent[], bob: [] as QueryEvent[], admin: [] as QueryEvent[] };
    alice.on('query:event', (e) => heard.alice.push(e));
    bob.on('query:event', (e) => heard.bob.push(e));
    admin.on('query:event', (e) => heard.admin.push(e));
    for (const socket of [alice, bob, admin]) socket.emit('watch:all');
    const query = await submit(ALICE, 'SELECT country, count(*) FROM events GROUP BY 1', { partitions: 2 });
    expect(await new Promise((resolve) => bob.emit('watch', query.id, resolve))).toBeNull();
    expect(await new Promise<QueryView | null>((resolve) => alice.emit('watch', query.id, resolve))).toMatchObject({ id: query.id });
    await finished(query.id);
    await eventually(async () => (heard.alice.some((e) => e.id === query.id && e.type === 'completed') ? true : undefined));
    await eventually(async () => (heard.admin.some((e) => e.id === query.id && e.type === 'completed') ? true : undefined));
    expect(heard.alice.find((e) => e.id === query.id && e.type === 'queued')).toMatchObject({ client: 'env-1' });
    expect(heard.alice.map((e) => e.type)).toContain('fragment-done');
    // Everything Bob's socket heard is Bob's: none of Alice's query, not even its SQL.
    expect(heard.bob.filter((e) => e.id === query.id)).toEqual([]);
  });
});

test("a revoked key's open socket is disconnected within API_KEYS_REFRESH_MS, and cannot connect again", async () => {
  const key = await createApiKey(store, 'soon-revoked');
  const socket = await eventually(() => connect(key).catch(() => undefined), 10_000, 'the new key to be read');
  const dropped = new Promise<string>((resolve) => socket.once('disconnect', resolve));
  const revokedAt = Date.now();
  await revokeApiKey(store, 'soon-revoked');
  expect(await dropped).toBe('io server disconnect');
  expect(Date.now() - revokedAt).toBeLessThan(5_000);
  await expect(connect(key)).rejects.toThrow('the API key is not valid (unknown or revoked)');
});

test("Bull Board shows everyone's jobs: a key that is not an admin's gets 403; an admin's opens it", async () => {
  const refused = await system.request('GET', '/admin/queues/api/queues', undefined, basic(BOB));
  expect(refused).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN', message: expect.stringContaining('admin key') } } });
  expect((await system.request('GET', '/admin/queues', undefined, basic(ADMIN))).status).toBe(200);
  expect((await system.request('GET', '/admin/queues/api/queues', undefined, basic(ADMIN))).status).toBe(200);
});

test("an admin's Bull Board adds a job, but a worker will not run a job pgfan did not make", async () => {
  const data = {
    queryId: '00000000-0000-4000-8000-00000000f00d',
    generation: 1,
    index: 0,
    of: 1,
    sql: 'SELECT 1 AS ran',
    params: [],
    snapshot: null,
    deadline: Date.now() + 60_000,
    spillToken: 'x'.repeat(20),
  };
  const add = (key: string) =>
    system.request<{ job: { id: string } }>('POST', `/admin/queues/api/queues/${QUEUES.fragments}/add`, { name: 'fragment', data, options: {} }, basic(key));
  expect((await add(BOB)).status).toBe(403);
  const added = await add(ADMIN);
  expect(added.status).toBe(200);
  const job = await eventually(async () => {
    const found = await system.request<{ job: { failedReason?: string; returnValue?: unknown } }>(
      'GET',
      `/admin/queues/api/queues/${QUEUES.fragments}/${added.body.job.id}`,
      undefined,
      basic(ADMIN),
    );
    return found.body.job?.failedReason ? found.body.job : undefined;
  });
  expect(readJobFailure(job.failedReason as string)).toEqual({ code: 'FORGED_JOB', message: expect.stringMatching(/^the fragment carries no signature/) });
});

describe("one user's SQL does not change another's answers", () => {
  const settings = `current_setting('TimeZone') AS tz, current_setting('DateStyle') AS datestyle, current_setting('search_path') AS path,
    (2.0::float8 / 3)::text AS third, '2026-12-05 12:00:00+00'::timestamptz::text AS at`;
  const DEFAULTS = ['UTC', 'ISO, MDY', '"$user", public', '0.6666666666666666', '2026-12-05 12:00:00+00'];
  /** Run as written: in the API's session, or a worker's, which also shows the session's advisory locks. */
  const asWritten = `SELECT ${settings}, (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()) AS locks FROM single_event`;
  /** Split: its text depends on the combine session's TimeZone, DateStyle and extra_float_digits. */
  const split = 'SELECT max(ts) AS latest, max(day) AS d, sum(duration) / 7 AS seventh FROM events';
  let splitExpected: unknown[];

  beforeAll(async () => {
    const client = await store.connect();
    try {
      await client.query("BEGIN; SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, MDY'; SET LOCAL extra_float_digits = 1");
      const { rows } = await client.query({ text: `SELECT latest::text, d::text, seventh::text FROM (${split}) s`, rowMode: 'array' });
      const [latest, d, seventh] = rows[0] as string[];
      splitExpected = [latest, d, Number(seventh)];
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
  });

  test.each([
    ['a query the API runs itself', 'SELECT dirty() AS d', {}, '?wait=10000'],
    ['a query a worker runs as written', 'SELECT dirty() AS d FROM single_event', {}, ''],
    ['fragments and their combine', 'SELECT dirty_of(count(*)) AS d FROM events', { partitions: 3 }, ''],
    ['planning, which folds immutable functions', 'SELECT dirty_folded(1) AS d FROM events', { partitions: 2 }, ''],
  ])('after %s, the next user sees PostgreSQL’s defaults, in every session', async (_, sql, extra, wait) => {
    const dirtied = await submit(ALICE, sql, extra, wait);
    expect((await finished(dirtied.id)).status).toBe('completed');
    // As written in the API, through a worker, and split: every kind of session Bob's queries use.
    for (let i = 0; i < 4; i++) {
      const answers = await Promise.all([
        submit(BOB, asWritten, {}, '?wait=10000'),
        submit(BOB, asWritten, { partitions: 1 }, '?wait=10000'),
        submit(BOB, split, { partitions: 3 }, '?wait=10000'),
      ]);
      expect(answers.map((a) => a.status)).toEqual(['completed', 'completed', 'completed']);
      expect(answers[2]?.plan?.mode).toBe('fan-out');
      expect(answers[0]?.result?.rows[0]).toEqual([...DEFAULTS, '0']);
      expect(answers[1]?.result?.rows[0]).toEqual([...DEFAULTS, '0']);
      expect(answers[2]?.result?.rows[0]).toEqual(splitExpected);
    }
  });
});
