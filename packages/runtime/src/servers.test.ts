/**
 * Placing queries on a primary and its streaming replicas, on real servers: a primary with two
 * replicas started for this file. A query sees every write committed before it was placed, on
 * whichever server it lands; a replica that has not replayed that far is never used.
 */
import { startPrivateCluster, type PrivateCluster } from '@pgfan/testing';
import { Client } from 'pg';
import { NoServerError, QueryServers, queryServerSpecs } from './servers';
import type { ReadFrom } from './placement';

let cluster: PrivateCluster;
let admin: Client;
const open: QueryServers[] = [];
const clients: Client[] = [];

async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  clients.push(client);
  return client;
}

function servers(readFrom: ReadFrom, replicas = cluster.replicas.map((r) => r.adminUrl)): QueryServers {
  const s = new QueryServers(queryServerSpecs(cluster.primary.adminUrl, replicas, readFrom), readFrom, { max: 4 });
  open.push(s);
  return s;
}

/** Rows the snapshot `id`, exported on `url`'s server, sees. */
async function rowsInSnapshot(url: string, id: string): Promise<number> {
  const reader = await connect(url);
  await reader.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '${id}'`);
  const { rows } = await reader.query('SELECT count(*)::int AS n FROM writes');
  await reader.query('ROLLBACK');
  return rows[0].n as number;
}

const urlOf = (name: string) => [cluster.primary, ...cluster.replicas].map((s) => s.adminUrl).find((url) => url.includes(`:${name.split(':')[1]}/`)) as string;

beforeAll(async () => {
  cluster = await startPrivateCluster(2);
  admin = await connect(cluster.primary.adminUrl);
  await admin.query('CREATE TABLE writes (id int PRIMARY KEY)');
}, 120_000);

afterEach(async () => {
  for (const replica of cluster.replicas) await (await connect(replica.adminUrl)).query('SELECT pg_wal_replay_resume()').catch(() => undefined);
});

afterAll(async () => {
  await Promise.allSettled(open.map((s) => s.end()));
  await Promise.allSettled(clients.map((c) => c.end()));
  await cluster?.stop();
});

test('every snapshot placed right after a write sees it, whichever server it lands on', async () => {
  const pool = servers('any');
  const landed = new Set<string>();
  for (let i = 1; i <= 30; i++) {
    await admin.query('INSERT INTO writes VALUES ($1)', [i]);
    const placed = await pool.placeSnapshot(10_000, Date.now() + 10_000);
    try {
      landed.add(placed.server.name);
      expect(placed.atLeast).not.toBeNull();
      expect(placed.snapshot.position! >= placed.atLeast!).toBe(true);
      expect(await rowsInSnapshot(urlOf(placed.server.name), placed.snapshot.id)).toBe(i);
    } finally {
      await placed.snapshot.release();
    }
  }
  process.stdout.write(`30 placements after a write landed on: ${[...landed].join(', ')}\n`);
});

test('READ_FROM=replicas waits for a replica to replay the write, and never uses the primary', async () => {
  const pool = servers('replicas');
  const paused = await Promise.all(cluster.replicas.map((r) => connect(r.adminUrl)));
  await Promise.all(paused.map((c) => c.query('SELECT pg_wal_replay_pause()')));
  await admin.query('INSERT INTO writes SELECT coalesce(max(id), 0) + 1 FROM writes');
  const expected = (await admin.query('SELECT count(*)::int AS n FROM writes')).rows[0].n as number;
  const placing = pool.placeSnapshot(10_000, Date.now() + 10_000);
  await new Promise((r) => setTimeout(r, 300));
  await paused[1]!.query('SELECT pg_wal_replay_resume()');
  const placed = await placing;
  try {
    expect(placed.server.name).toBe(pool.replicas[1]!.name);
    expect(await rowsInSnapshot(urlOf(placed.server.name), placed.snapshot.id)).toBe(expected);
  } finally {
    await placed.snapshot.release();
  }
});

test('with every replica behind, READ_FROM=any reads the primary and READ_FROM=replicas fails clearly at the deadline', async () => {
  const paused = await Promise.all(cluster.replicas.map((r) => connect(r.adminUrl)));
  await Promise.all(paused.map((c) => c.query('SELECT pg_wal_replay_pause()')));
  await admin.query('INSERT INTO writes SELECT coalesce(max(id), 0) + 1 FROM writes');
  const any = await servers('any').place(Date.now() + 1_000);
  expect(any.server.role).toBe('primary');
  const failure = await servers('replicas')
    .place(Date.now() + 300)
    .catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(NoServerError);
  expect((failure as NoServerError).message).toMatch(
    /^no replica reached the primary's position [0-9A-F]+\/[0-9A-F]+ before the query's deadline: 127\.0\.0\.1:\d+ at [0-9A-F]+\/[0-9A-F]+, /,
  );
});

test("health's report: each server's position, lag, paused replay and reachability", async () => {
  const paused = await connect(cluster.replicas[0]!.adminUrl);
  await paused.query('SELECT pg_wal_replay_pause()');
  await admin.query('INSERT INTO writes SELECT coalesce(max(id), 0) + 1 FROM writes');
  const gone = 'postgres://postgres@127.0.0.1:1/postgres';
  const report = await servers('any', [...cluster.replicas.map((r) => r.adminUrl), gone]).report();
  expect(report.map((s) => [s.role, s.reachable])).toEqual([
    ['primary', true],
    ['replica', true],
    ['replica', true],
    ['replica', false],
  ]);
  expect(report[0]).toMatchObject({ lagBytes: 0, replayPaused: false });
  expect(report[1]).toMatchObject({ replayPaused: true });
  expect(report[1]!.lagBytes).toBeGreaterThan(0);
  expect(report[3]).toMatchObject({ name: '127.0.0.1:1', lsn: null, lagBytes: null });
  expect(report[3]!.error).toMatch(/ECONNREFUSED/);
});

test('an unreachable replica is passed over', async () => {
  const pool = servers('replicas', ['postgres://postgres@127.0.0.1:1/postgres', cluster.replicas[0]!.adminUrl]);
  await admin.query('INSERT INTO writes SELECT coalesce(max(id), 0) + 1 FROM writes');
  const placed = await pool.place(Date.now() + 10_000);
  expect(placed.server.name).toBe(pool.replicas[1]!.name);
});

test('a job naming a server this process does not know is refused, naming the setting', () => {
  expect(() => servers('any').get('10.0.0.9:5432')).toThrow(
    'this process has no database server 10.0.0.9:5432: REPLICA_URLS must be the same for the API and every worker',
  );
});
