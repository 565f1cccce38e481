/**
 * Placing queries on a primary and its streaming replicas, on real servers: a primary with two
 * replicas started for this file. A query sees every write committed before it was placed, on
 * whichever server it lands; a replica that has not replayed that far is never used.
 */
import { bankSql, recordingLogger, startPrivateCluster, startPrivatePostgres, startTransfers, testSessions, type PrivateCluster } from '@pgfan/testing';
import { Client } from 'pg';
import { Redis } from 'ioredis';
import { CUT_LOCK, CUT_PAUSES, RedisCutGuard } from './cut-guard';
import { measureDatabaseOnce, MEASUREMENT_LOCK, readServerParallelism } from './cost-model';
import { NoServerError, QueryServers, queryServerSpecs } from './servers';
import type { ReadFrom } from './placement';

/** The replicas' superuser: it may pause replay. */
const ADMIN = { user: 'postgres', password: '' };
const ACCOUNTS = 500;

let cluster: PrivateCluster;
let admin: Client;
const open: QueryServers[] = [];
const sessions = testSessions();
const connect = sessions.connect;

function servers(
  readFrom: ReadFrom,
  replicas = cluster.replicas.map((r) => r.adminUrl),
  control: { user: string; password: string } | undefined = ADMIN,
): QueryServers {
  const s = new QueryServers(queryServerSpecs(cluster.primary.adminUrl, replicas, readFrom), readFrom, { pool: { max: 4 }, ...(control ? { control } : {}) });
  open.push(s);
  return s;
}

/** The one value `sql` reads (as `v`) in the snapshot `id`, exported on `url`'s server. */
async function inSnapshot(url: string, id: string, sql: string): Promise<unknown> {
  const reader = await connect(url);
  await reader.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '${id}'`);
  const { rows } = await reader.query(sql);
  await reader.query('ROLLBACK');
  return rows[0].v;
}

/** Rows of `writes` the snapshot sees. */
const rowsInSnapshot = (url: string, id: string) => inSnapshot(url, id, 'SELECT count(*)::int AS v FROM writes');
/** What the snapshot sees of the bank: the total never changes; the weighted sum does with every transfer. */
const bankInSnapshot = (url: string, id: string) =>
  inSnapshot(url, id, "SELECT sum(balance)::text || ' ' || sum(id::bigint * balance)::text AS v FROM accounts") as Promise<string>;

const urlOf = (name: string) => [cluster.primary, ...cluster.replicas].map((s) => s.adminUrl).find((url) => url.includes(`:${name.split(':')[1]}/`)) as string;

beforeAll(async () => {
  cluster = await startPrivateCluster(2);
  admin = await connect(cluster.primary.adminUrl);
  await admin.query('CREATE TABLE writes (id int PRIMARY KEY)');
  await admin.query(bankSql(ACCOUNTS, 100));
}, 120_000);

afterEach(async () => {
  for (const replica of cluster.replicas) await (await connect(replica.adminUrl)).query('SELECT pg_wal_replay_resume()').catch(() => undefined);
});

afterAll(async () => {
  await Promise.allSettled(open.map((s) => s.end()));
  await sessions.endAll();
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
  expect(report[0]).toMatchObject({ lagBytes: 0, replayPaused: false, hotStandbyFeedback: null });
  expect(report[1]).toMatchObject({ replayPaused: true, hotStandbyFeedback: true });
  expect(report[1]!.lagBytes).toBeGreaterThan(0);
  expect(report[3]).toMatchObject({ name: '127.0.0.1:1', lsn: null, lagBytes: null, hotStandbyFeedback: null });
  expect(report[3]!.error).toMatch(/ECONNREFUSED/);
});

test('a fan-out that did not ask is spread over the replicas with free capacity (their measured parallelism), when it is predicted long enough', async () => {
  const pool = servers('any');
  const measured = new Map(pool.all.map((s) => [s.name, 2]));
  expect(await pool.automaticSpread(4, 800, measured, 250)).toBe(2);
  expect(await pool.automaticSpread(4, 100, measured, 250)).toBe(1);
  expect(await servers('primary').automaticSpread(4, 800, measured, 250)).toBe(1);
  // Health shows each server's measured capacity.
  expect((await pool.report(measured)).map((s) => s.parallelism)).toEqual([2, 2, 2]);
});

test("the database measurement measures every replica's capacity too, by the name records give it", async () => {
  const redis = new Redis(`redis://127.0.0.1:6379/${process.env.JEST_WORKER_ID ?? '1'}`, { maxRetriesPerRequest: 1 });
  try {
    await redis.del(MEASUREMENT_LOCK, 'pgfan:servers:parallelism');
    const pool = servers('any');
    const { logger, messages } = recordingLogger();
    const measured = await measureDatabaseOnce({
      connectionString: cluster.primary.adminUrl,
      primaryName: pool.primary.name,
      replicas: pool.replicas.map(({ name, url }) => ({ name, url })),
      redis,
      everyMs: 60_000,
      holder: 'servers.test',
      logger,
    });
    expect(measured).toBe(true);
    const parallelism = await readServerParallelism(redis);
    expect([...parallelism.keys()].sort()).toEqual(pool.all.map((s) => s.name).sort());
    expect([...parallelism.values()].every((p) => p >= 1)).toBe(true);
    expect(messages().filter((line) => line.startsWith('replica '))).toHaveLength(2);
  } finally {
    await redis.del(MEASUREMENT_LOCK);
    redis.disconnect();
  }
}, 60_000);

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

test('a cut across two replicas under a busy primary: both snapshots see the same state, one that has the latest write', async () => {
  const pool = servers('replicas');
  const stop = await startTransfers(cluster.primary.adminUrl, { count: ACCOUNTS, sessions: 3 });
  const cuts: { ms: number; attempts: number }[] = [];
  try {
    for (let i = 0; i < 20; i++) {
      await admin.query('INSERT INTO writes SELECT coalesce(max(id), 0) + 1 FROM writes');
      const expected = (await admin.query('SELECT count(*)::int AS n FROM writes')).rows[0].n as number;
      const placed = await pool.placeCut(2, 10_000, Date.now() + 10_000, 2_000);
      if (!('members' in placed)) {
        await placed.snapshot.release();
        throw new Error(`no cut: ${placed.reason}`);
      }
      try {
        cuts.push({ ms: placed.ms, attempts: placed.attempts });
        const [a, b] = placed.members.map((m) => ({ url: urlOf(m.server.name), id: m.snapshot }));
        expect(new Set(placed.members.map((m) => m.server.name))).toEqual(new Set(pool.replicas.map((r) => r.name)));
        const banks = [await bankInSnapshot(a!.url, a!.id), await bankInSnapshot(b!.url, b!.id)];
        expect(banks[0]).toBe(banks[1]);
        expect(banks[0]!.split(' ')[0]).toBe(String(ACCOUNTS * 100));
        expect([await rowsInSnapshot(a!.url, a!.id), await rowsInSnapshot(b!.url, b!.id)]).toEqual([expected, expected]);
      } finally {
        await placed.release();
      }
    }
  } finally {
    const done = await stop();
    const ms = cuts.map((c) => c.ms).sort((x, y) => x - y);
    process.stdout.write(`20 cuts under ${done} transfers: median ${ms[10]} ms, max ${ms[19]} ms; attempts ${cuts.map((c) => c.attempts).join(' ')}\n`);
  }
  // Replay was resumed: nothing stays paused.
  for (const replica of cluster.replicas) {
    const c = await connect(replica.adminUrl);
    expect((await c.query('SELECT pg_get_wal_replay_pause_state() AS s')).rows[0].s).toBe('not paused');
  }
});

test('without a cut the query reads one server, and the placement says why', async () => {
  const short = await servers('replicas', [cluster.replicas[0]!.adminUrl]).placeCut(2, 10_000, Date.now() + 5_000, 500);
  expect(short).toMatchObject({ reason: expect.stringMatching(/^asked for 2 servers: 1 replica\(s\) answered$/) });
  await (short as { snapshot: { release(): Promise<void> } }).snapshot.release();

  await admin.query('DO $$ BEGIN CREATE ROLE cutless LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$');
  const denied = await servers('replicas', undefined, { user: 'cutless', password: '' }).placeCut(2, 10_000, Date.now() + 5_000, 500);
  expect(denied).toMatchObject({
    reason: expect.stringMatching(
      /^asked for 2 servers: pausing replay needs EXECUTE on pg_wal_replay_pause\(\) and pg_wal_replay_resume\(\) for DATABASE_URL's role \(permission denied/,
    ),
  });
  await (denied as { snapshot: { release(): Promise<void> } }).snapshot.release();
});

test('queries placed together share cuts, like a group commit, and read the same state', async () => {
  const pool = servers('replicas');
  const stop = await startTransfers(cluster.primary.adminUrl, { count: ACCOUNTS, sessions: 2 });
  try {
    await admin.query('INSERT INTO writes SELECT coalesce(max(id), 0) + 1 FROM writes');
    const placed = await Promise.all([0, 1, 2, 3].map(() => pool.placeCut(2, 10_000, Date.now() + 10_000, 2_000)));
    const cuts = placed.map((p) => {
      if (!('members' in p)) throw new Error(`no cut: ${p.reason}`);
      return p;
    });
    try {
      // Each query read the primary's position a moment apart, under writes: a query whose
      // position the cut being made does not reach makes the next one.
      const made = cuts.filter((c) => !c.shared);
      expect(made.length).toBeLessThan(cuts.length);
      // A shared cut is the same snapshots, at the same position.
      for (const c of cuts) {
        const maker = made.find((m) => m.lsn === c.lsn);
        const pairs = (p: typeof c) => p.members.map((m) => `${m.server.name} ${m.snapshot}`).sort();
        expect(pairs(c)).toEqual(pairs(maker!));
      }
      process.stdout.write(`4 queries placed together: ${made.length} cut(s), waited ${cuts.map((c) => c.ms).join(', ')} ms\n`);
    } finally {
      await Promise.all(cuts.map((c) => c.release()));
    }
  } finally {
    await stop();
  }
});

test("a cut made while another query's cut is held, under writes: replay goes on, and the second cut sees the latest write", async () => {
  // Without hot_standby_feedback the primary prunes rows the held snapshots still see, and replay
  // of that cleanup waits for them (up to max_standby_streaming_delay): the second cut never
  // catches up. pgfan's deployments run replicas with it on (docs/scale-out.md, "Settings").
  const pool = servers('replicas');
  const stop = await startTransfers(cluster.primary.adminUrl, { count: ACCOUNTS, sessions: 2 });
  try {
    const first = await pool.placeCut(2, 10_000, Date.now() + 10_000, 2_000);
    if (!('members' in first)) throw new Error(`no first cut: ${first.reason}`);
    try {
      await new Promise((r) => setTimeout(r, 1_000));
      await admin.query('INSERT INTO writes SELECT coalesce(max(id), 0) + 1 FROM writes');
      const expected = (await admin.query('SELECT count(*)::int AS n FROM writes')).rows[0].n as number;
      const second = await pool.placeCut(2, 10_000, Date.now() + 10_000, 2_000);
      if (!('members' in second)) throw new Error(`no second cut: ${second.reason}`);
      try {
        expect(second.lsn).toBeGreaterThan(first.lsn);
        expect(await Promise.all(second.members.map((m) => rowsInSnapshot(urlOf(m.server.name), m.snapshot)))).toEqual([expected, expected]);
      } finally {
        await second.release();
      }
    } finally {
      await first.release();
    }
  } finally {
    await stop();
  }
});

test('without hot_standby_feedback a held cut stalls replay under writes: the next cut reads one server, and its reason names the setting', async () => {
  const setFeedback = (value: 'on' | 'off') =>
    Promise.all(
      cluster.replicas.map(async (replica) => {
        const c = await connect(replica.adminUrl);
        await c.query(`ALTER SYSTEM SET hot_standby_feedback = ${value}`);
        await c.query('SELECT pg_reload_conf()');
      }),
    );
  const pool = servers('replicas');
  await setFeedback('off');
  const stop = await startTransfers(cluster.primary.adminUrl, { count: ACCOUNTS, sessions: 2 });
  try {
    // Until both report it off: a reload reaches each server in its own time.
    for (const until = Date.now() + 10_000; (await pool.report()).some((s) => s.hotStandbyFeedback === true);) {
      if (Date.now() > until) throw new Error('hot_standby_feedback never went off');
      await new Promise((r) => setTimeout(r, 50));
    }
    // Held 5 s: the second cut gives up after 1 s, then reads one server once replay goes on.
    const first = await pool.placeCut(2, 5_000, Date.now() + 10_000, 2_000);
    if (!('members' in first)) throw new Error(`no first cut: ${first.reason}`);
    try {
      await new Promise((r) => setTimeout(r, 1_000));
      const second = await pool.placeCut(2, 10_000, Date.now() + 10_000, 1_000);
      if ('members' in second) await second.release();
      else await second.snapshot.release();
      expect(second).toMatchObject({
        reason: expect.stringMatching(
          /^asked for 2 servers: no exact cut within 1000 ms .*\(hot_standby_feedback is off on 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+: /,
        ),
      });
    } finally {
      await first.release();
    }
  } finally {
    await stop();
    await setFeedback('on');
  }
});

test("a replica a dead worker's cut left paused is resumed; one an operator paused is left alone", async () => {
  const redis = new Redis(`redis://127.0.0.1:6379/${process.env.JEST_WORKER_ID ?? '1'}`, { maxRetriesPerRequest: 1 });
  try {
    await redis.del(CUT_LOCK, CUT_PAUSES);
    const [abandoned, operators] = cluster.replicas;
    const pool = new QueryServers(queryServerSpecs(cluster.primary.adminUrl, [abandoned!.adminUrl, operators!.adminUrl], 'any'), 'any', {
      pool: { max: 2 },
      control: ADMIN,
      guard: new RedisCutGuard(redis, 'reaper', 10_000),
    });
    open.push(pool);
    // A cut that died between its pause and its resume: its record stays, its lock lapses.
    await new RedisCutGuard(redis, 'dead worker', 50).hold([pool.replicas[0]!.name], performance.now() + 100);
    await Promise.all([abandoned, operators].map(async (r) => (await connect(r!.adminUrl)).query('SELECT pg_wal_replay_pause()')));
    expect(await pool.resumeAbandonedPauses()).toEqual([]);
    await new Promise((r) => setTimeout(r, 80));
    expect(await pool.resumeAbandonedPauses()).toEqual([pool.replicas[0]!.name]);
    const state = async (url: string) => (await (await connect(url)).query('SELECT pg_get_wal_replay_pause_state() AS s')).rows[0].s as string;
    expect([await state(abandoned!.adminUrl), await state(operators!.adminUrl)]).toEqual(['not paused', 'paused']);
    expect(await pool.resumeAbandonedPauses()).toEqual([]);
  } finally {
    await redis.quit();
  }
});

test('a server listed as a replica that is not one of this primary is never read, and health says why', async () => {
  const stranger = await startPrivatePostgres();
  try {
    const pool = servers('replicas', [stranger.adminUrl, cluster.replicas[0]!.adminUrl]);
    await admin.query('INSERT INTO writes SELECT coalesce(max(id), 0) + 1 FROM writes');
    for (let i = 0; i < 5; i++) expect((await pool.place(Date.now() + 10_000)).server.name).toBe(pool.replicas[1]!.name);
    const report = await pool.report();
    expect(report[1]).toMatchObject({ reachable: true, error: 'not in recovery (promoted, or not a replica): never read as a replica' });
    expect(report[2]!.error).toBeUndefined();
  } finally {
    await Promise.allSettled(open.splice(0).map((s) => s.end()));
    await stranger.stop();
  }
});
