/**
 * Scale-out on real servers: a primary and two streaming replicas started for this file, the API
 * and workers given the replicas (REPLICA_URLS) and told to read only from them. Every query runs
 * on one replica in one snapshot, sees every write committed before it was submitted, and gives
 * PostgreSQL's own answer; the record says where it ran.
 */
import { QueryView } from '@pgfan/contracts';
import { bankSql, startPrivateCluster, startTransfers, type PrivateCluster } from '@pgfan/testing';
import { atServer } from '@pgfan/runtime';
import { Client } from 'pg';
import { startSlowSystem, type SlowSystem } from './__tests__/queries';

let cluster: PrivateCluster;
let harness: SlowSystem;
let writer: Client;
let replicaNames: string[];
const ACCOUNTS = 2_000;

beforeAll(async () => {
  cluster = await startPrivateCluster(2);
  const replicas = cluster.replicas.map((r) => r.adminUrl);
  const env = { READ_FROM: 'replicas' };
  harness = await startSlowSystem({ label: 'scale_out', adminUrl: cluster.primary.adminUrl, replicas, apiEnv: env, workerEnv: env });
  replicaNames = replicas.map((url) => `127.0.0.1:${new URL(url).port}`);
  writer = new Client({ connectionString: harness.system.db.url });
  await writer.connect();
  await writer.query(bankSql(ACCOUNTS, 1000));
}, 120_000);

afterAll(async () => {
  await writer?.end().catch(() => undefined);
  await harness?.stop().catch(() => undefined);
  await cluster?.stop();
});

afterEach(async () => {
  for (const replica of cluster.replicas) {
    const c = new Client({ connectionString: replica.adminUrl });
    await c.connect();
    await c.query('SELECT pg_wal_replay_resume()').finally(() => c.end());
  }
});

/**
 * Resolves once `replicaUrl` cancels a snapshot that conflicts with replay at once (it holds one,
 * rows it sees are deleted and vacuumed on the primary): max_standby_streaming_delay = 0 is in
 * effect there, not only asked for.
 */
async function cancelsAtOnce(replicaUrl: string, table: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const name = `${table}_${attempt}`;
    await writer.query(`CREATE TABLE ${name} AS SELECT 1 AS x`);
    const holder = new Client({ connectionString: replicaUrl });
    holder.on('error', () => undefined);
    try {
      await holder.connect();
      for (const until = Date.now() + 10_000; !(await holder.query(`SELECT to_regclass('${name}') IS NOT NULL AS ok`)).rows[0].ok;) {
        if (Date.now() > until) throw new Error(`${name} never reached ${replicaUrl}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      await holder.query(`BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM ${name}`);
      await writer.query(`DELETE FROM ${name}`);
      await writer.query(`VACUUM ${name}`);
      for (const until = Date.now() + 2_000; Date.now() < until;) {
        await new Promise((r) => setTimeout(r, 50));
        const cancelled = await holder.query('SELECT 1').then(
          () => false,
          () => true,
        );
        if (cancelled) return;
      }
    } catch {
      // The session was cancelled before it held its snapshot (replaying another lock): try again.
    } finally {
      await holder.end().catch(() => undefined);
    }
  }
  throw new Error(`${replicaUrl} never cancelled a conflicting snapshot`);
}

async function onReplica(i: number, sql: string): Promise<void> {
  const c = new Client({ connectionString: cluster.replicas[i]!.adminUrl });
  await c.connect();
  await c.query(sql).finally(() => c.end());
}

test('a fan-out runs on one replica in one snapshot, exactly, and its record says where', async () => {
  const { client, direct } = harness;
  const sql = 'SELECT country, count(*) AS n, sum(revenue) AS s, avg(duration) AS d FROM events GROUP BY country';
  const record = await client.finished((await client.submit({ sql, partitions: 3 })).id);
  await direct.expectExact(record);
  const servers = new Set(record.fragments.map((f) => f.server));
  expect(servers.size).toBe(1);
  const [server] = [...servers] as string[];
  expect(replicaNames).toContain(server);
  expect(record.plan?.cut).toEqual({ lsn: expect.stringMatching(/^[0-9A-F]+\/[0-9A-F]+$/), servers: [server], guarantee: 'one-snapshot' });
});

test('a fan-out spread over both replicas reads them at one exact cut, and gives the exact answer', async () => {
  const { client, direct } = harness;
  const sql = 'SELECT country, count(*) AS n, sum(revenue) AS s, count(DISTINCT user_id) AS u FROM events GROUP BY country';
  const record = await client.finished((await client.submit({ sql, partitions: 4, servers: 2 })).id);
  await direct.expectExact(record);
  expect(record.plan?.cut).toMatchObject({ servers: expect.arrayContaining(replicaNames), guarantee: 'equal-replay-position' });
  expect(record.plan?.cut?.reason).toBeUndefined();
  expect(record.plan?.cut?.ms).toBeGreaterThan(0);
  expect(new Set(record.fragments.map((f) => f.server))).toEqual(new Set(replicaNames));
});

test('asking for more servers than there are replicas is a clear 400', async () => {
  const { status, body } = await harness.system.request('POST', '/api/queries', { sql: 'SELECT count(*) FROM events', servers: 3 });
  expect([status, body]).toEqual([400, { error: { code: 'BAD_REQUEST', message: 'servers must be at most 2, the replicas in REPLICA_URLS' } }]);
});

test('a query the API runs itself is placed on a replica too', async () => {
  const { system } = harness;
  const { status, body } = await system.request('POST', '/api/queries?wait=10000', { sql: 'SELECT count(*) AS n FROM single_event' });
  expect(status).toBe(200);
  const record = QueryView.parse(body);
  expect(record.status).toBe('completed');
  expect(replicaNames).toContain(record.fragments[0]?.server);
  expect(record.plan?.cut?.servers).toEqual([record.fragments[0]?.server]);
});

test("a query waits for a replica to replay its submitter's writes, then sees them", async () => {
  const { client } = harness;
  await Promise.all([0, 1].map((i) => onReplica(i, 'SELECT pg_wal_replay_pause()')));
  await writer.query('UPDATE accounts SET balance = balance + 5 WHERE id = 1');
  const submitted = await client.submit({ sql: 'SELECT sum(balance) AS total FROM accounts', partitions: 2 });
  await new Promise((r) => setTimeout(r, 400));
  expect((await client.get(submitted.id)).status).not.toBe('completed');
  await onReplica(1, 'SELECT pg_wal_replay_resume()');
  const record = await client.finished(submitted.id);
  expect(record.status).toBe('completed');
  expect(record.result?.rows).toEqual([[String(ACCOUNTS * 1000 + 5)]]);
  expect(record.fragments.map((f) => f.server)).toEqual([replicaNames[1], replicaNames[1]]);
  await writer.query('UPDATE accounts SET balance = balance - 5 WHERE id = 1');
});

test("health reports every server's position and lag", async () => {
  await onReplica(0, 'SELECT pg_wal_replay_pause()');
  await writer.query('UPDATE accounts SET balance = balance WHERE id = 2');
  const { body } = await harness.system.request<{
    servers: { name: string; role: string; reachable: boolean; lagBytes: number; replayPaused: boolean; hotStandbyFeedback: boolean | null }[];
  }>('GET', '/api/health');
  expect(body.servers.map((s) => [s.role, s.reachable])).toEqual([
    ['primary', true],
    ['replica', true],
    ['replica', true],
  ]);
  expect(body.servers.slice(1).map((s) => s.name)).toEqual(replicaNames);
  expect(body.servers[1]).toMatchObject({ replayPaused: true, hotStandbyFeedback: true });
  expect(body.servers[1]!.lagBytes).toBeGreaterThan(0);
});

test('concurrent queries spread over the replicas', async () => {
  const { client } = harness;
  const ids = await Promise.all(Array.from({ length: 16 }, () => client.submit({ sql: 'SELECT count(*) AS n FROM events', partitions: 2 }).then((q) => q.id)));
  const records = await Promise.all(ids.map((id) => client.finished(id)));
  expect(records.every((r) => r.status === 'completed')).toBe(true);
  expect(new Set(records.map((r) => r.plan?.cut?.servers[0]))).toEqual(new Set(replicaNames));
});

test('a replica lost mid-query: the query starts over on the other one and gives the exact answer', async () => {
  const { client, direct } = harness;
  const sql = 'SELECT sum(slow(id, 1)) AS s, count(*) AS n FROM events WHERE id % 4 = 0';
  const submitted = await client.submit({ sql, partitions: 3, timeoutMs: 30_000 });
  const server = await client.runningOn(submitted.id).then(async () => (await client.get(submitted.id)).fragments.find((f) => f.server)?.server);
  const victim = cluster.replicas[replicaNames.indexOf(server as string)];
  expect(victim).toBeDefined();
  const restarted = victim!.restart('immediate', { downMs: 3_000 });
  const record = await client.finished(submitted.id, 30_000);
  await restarted;
  await direct.expectExact(record, 'SELECT sum(id) AS s, count(*) AS n FROM events WHERE id % 4 = 0');
  expect(record.plan?.cut?.servers).toEqual([replicaNames.find((name) => name !== server)]);
  expect(new Set(record.fragments.map((f) => f.server))).toEqual(new Set(record.plan?.cut?.servers));
}, 60_000);

test('a recovery conflict cancelling a query on a replica: it starts over on a fresh cut and answers exactly', async () => {
  const { client } = harness;
  // Replicas that cancel a conflicting query at once (no hot_standby_feedback, no grace).
  await Promise.all([0, 1].map((i) => onReplica(i, 'ALTER SYSTEM SET max_standby_streaming_delay = 0')));
  await Promise.all([0, 1].map((i) => onReplica(i, 'ALTER SYSTEM SET hot_standby_feedback = off')));
  await Promise.all([0, 1].map((i) => onReplica(i, 'SELECT pg_reload_conf()')));
  try {
    // Until both replicas show they cancel a conflicting snapshot at once, the reload may not have reached replay.
    await Promise.all(cluster.replicas.map((replica, i) => cancelsAtOnce(atServer(harness.system.db.url, new URL(replica.adminUrl).host), `probe_${i}`)));
    // Fragments of 4 s (20 rows of 200 ms each): the cleanup is replayed long before they end.
    const sql = 'SELECT sum(slow(v, 200)) AS s, count(*) AS n FROM conflicted';
    const generations: number[] = [];
    // A vacuum that finds an older snapshot on the primary removes nothing, and then nothing
    // conflicts: the answer is then the state before the delete, exactly, and the test tries again.
    for (let attempt = 0; attempt < 3 && !generations.some((g) => g > 1); attempt++) {
      await writer.query(
        'DROP TABLE IF EXISTS conflicted; CREATE TABLE conflicted (id int PRIMARY KEY, v int NOT NULL); INSERT INTO conflicted SELECT i, i FROM generate_series(1, 40) i',
      );
      const submitted = await client.submit({ sql, partitions: 2, servers: 2, timeoutMs: 30_000 });
      await client.runningOn(submitted.id);
      // Rows the query's snapshot still sees, removed for good on the primary: replaying that
      // cleanup conflicts with the snapshot on the replicas, which cancel the query.
      await writer.query('DELETE FROM conflicted WHERE id > 20');
      await writer.query('VACUUM conflicted');
      const record = await client.finished(submitted.id, 30_000);
      expect([record.status, record.error]).toEqual(['completed', null]);
      // Started over after the conflict: the state after the delete; else the state before it.
      expect(record.result?.rows).toEqual(record.generation > 1 ? [['210', '20']] : [['820', '40']]);
      generations.push(record.generation);
    }
    expect(generations.some((g) => g > 1)).toBe(true);
  } finally {
    await Promise.all([0, 1].map((i) => onReplica(i, 'ALTER SYSTEM RESET max_standby_streaming_delay')));
    await Promise.all([0, 1].map((i) => onReplica(i, 'ALTER SYSTEM RESET hot_standby_feedback')));
    await Promise.all([0, 1].map((i) => onReplica(i, 'SELECT pg_reload_conf()')));
  }
}, 60_000);

test('the bank invariant: under a steady stream of transfers on the primary, every answer is the constant total, on one replica or spread over both', async () => {
  const { client } = harness;
  const stop = await startTransfers(harness.system.db.url, { count: ACCOUNTS, sessions: 2, amount: 3 });
  try {
    const sql = 'SELECT sum(balance) AS total, count(*) AS n FROM accounts';
    const records: QueryView[] = [];
    for (let round = 0; round < 6; round++) {
      const ids = await Promise.all(
        Array.from({ length: 4 }, (_, i) => client.submit({ sql, partitions: 4, ...(i % 2 ? { servers: 2 } : {}) }).then((q) => q.id)),
      );
      records.push(...(await Promise.all(ids.map((id) => client.finished(id)))));
    }
    expect(records.map((r) => [r.status, r.result?.rows])).toEqual(records.map(() => ['completed', [[String(ACCOUNTS * 1000), String(ACCOUNTS)]]]));
    expect(records.every((r) => replicaNames.includes(r.plan?.cut?.servers[0] ?? ''))).toBe(true);
    const spread = records.filter((r) => r.plan?.cut?.guarantee === 'equal-replay-position');
    expect(spread.length).toBeGreaterThanOrEqual(1);
    const transfers = await stop();
    process.stdout.write(
      `bank: ${records.length} answers under ${transfers} transfers, ${spread.length} spread over both replicas; cuts took ${spread.map((r) => `${r.plan?.cut?.ms} ms (catch-up ${r.plan?.cut?.catchUpMs}, lock ${r.plan?.cut?.lockMs}, ${r.plan?.cut?.attempts} tries${r.plan?.cut?.shared ? ', shared' : ''})`).join(', ')}; fewer servers: ${records.flatMap((r) => r.plan?.cut?.reason ?? []).join('; ') || 'none'}\n`,
    );
  } finally {
    await stop();
  }
});

// Last: it replaces the file's workers with one that spreads every fan-out it can.
test('a fan-out that did not ask for servers is spread over the replicas when the cost model says it pays, and its record says so', async () => {
  const { system } = harness;
  await Promise.all(system.workers.splice(0).map((w) => (w.kill(), w.exited)));
  await system.startWorker('spreading', { READ_FROM: 'replicas', SPREAD_MIN_MS: '0' });
  await system.waitForWorkers(1);
  const sql = 'SELECT country, count(*) AS n, sum(revenue) AS s FROM events GROUP BY country';
  const record = await harness.client.finished((await harness.client.submit({ sql, partitions: 4 })).id);
  await harness.direct.expectExact(record);
  expect(record.plan?.cut).toMatchObject({ servers: expect.arrayContaining(replicaNames), guarantee: 'equal-replay-position', automatic: true });
  expect(new Set(record.fragments.map((f) => f.server))).toEqual(new Set(replicaNames));
});
