/**
 * What the scale-out design (issue 22) relies on PostgreSQL 15 for, pinned down on a real primary
 * with two streaming replicas, as `pg-internals.test.ts` pins down node-postgres:
 * - a hot standby exports a snapshot, and another session on it imports that snapshot;
 * - replay pauses and resumes on request, and a snapshot taken while paused outlives the pause;
 * - replicas paused at the same replay position hold the same committed state, however busy the
 *   primary: an exact cut across servers, proven by the position alone.
 */
import { bankSql, startPrivateCluster, startTransfers, testSessions, type PrivateCluster } from '@pgfan/testing';
import { Client } from 'pg';

let cluster: PrivateCluster;
const sessions = testSessions();
const connect = sessions.connect;

/** A bank: balances only move between accounts, so their sum never changes; the weighted sum does. */
const ACCOUNTS = 500;

beforeAll(async () => {
  cluster = await startPrivateCluster(2);
  const primary = await connect(cluster.primary.adminUrl);
  await primary.query(bankSql(ACCOUNTS, 100));
  const lsn = (await primary.query('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn as string;
  for (const replica of cluster.replicas) {
    const client = await connect(replica.adminUrl);
    await until(async () => (await client.query('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn])).rows[0].ok === true);
  }
}, 120_000);

afterAll(async () => {
  await sessions.endAll();
  await cluster?.stop();
});

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function pause(replica: Client): Promise<void> {
  await replica.query('SELECT pg_wal_replay_pause()');
  await until(async () => (await replica.query('SELECT pg_get_wal_replay_pause_state() AS s')).rows[0].s === 'paused');
}

const transfers = (sessions: number) => startTransfers(cluster.primary.adminUrl, { count: ACCOUNTS, sessions });

test('a hot standby exports a snapshot that another of its sessions imports', async () => {
  const [holder, reader] = [await connect(cluster.replicas[0]!.adminUrl), await connect(cluster.replicas[0]!.adminUrl)];
  await holder.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  const snapshot = (await holder.query('SELECT pg_export_snapshot() AS s')).rows[0].s as string;
  await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  await reader.query(`SET TRANSACTION SNAPSHOT '${snapshot}'`);
  expect((await reader.query('SELECT sum(balance)::int AS s FROM accounts')).rows[0].s).toBe(ACCOUNTS * 100);
  await Promise.all([holder.query('COMMIT'), reader.query('COMMIT')]);
});

test('replicas paused at the same replay position hold the same state, under a steady stream of transfers', async () => {
  const replicas = await Promise.all(cluster.replicas.map((r) => connect(r.adminUrl)));
  const positions = () => Promise.all(replicas.map(async (r) => (await r.query('SELECT pg_last_wal_replay_lsn()::text AS l')).rows[0].l as string));
  const stop = await transfers(3);
  const cuts: { attempts: number; lsn: string; weighted: string[] }[] = [];
  try {
    while (cuts.length < 10) {
      await new Promise((r) => setTimeout(r, 20));
      // Pause every replica; if they stopped at different positions, let them run on and try again.
      const before = cuts.length;
      for (let attempts = 1; attempts <= 50 && cuts.length === before; attempts++) {
        await Promise.all(replicas.map(pause));
        const lsns = await positions();
        if (lsns.every((l) => l === lsns[0])) {
          const weighted = await Promise.all(
            replicas.map(async (r) => String((await r.query('SELECT sum(id::bigint * balance) AS w FROM accounts')).rows[0].w)),
          );
          cuts.push({ attempts, lsn: lsns[0] as string, weighted });
        }
        await Promise.all(replicas.map((r) => r.query('SELECT pg_wal_replay_resume()')));
      }
      if (cuts.length === before) throw new Error('no exact cut in 50 attempts');
    }
  } finally {
    expect(await stop()).toBeGreaterThan(100);
  }
  for (const cut of cuts) expect(cut.weighted[0]).toBe(cut.weighted[1]);
  // The state moved between cuts: equal sums are not a coincidence of an idle primary.
  expect(new Set(cuts.map((c) => c.weighted[0])).size).toBeGreaterThan(5);
});

test('a snapshot exported while replay is paused still reads that state after replay resumes', async () => {
  const replica = await connect(cluster.replicas[1]!.adminUrl);
  const holder = await connect(cluster.replicas[1]!.adminUrl);
  const stop = await transfers(2);
  try {
    await pause(replica);
    await holder.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snapshot = (await holder.query('SELECT pg_export_snapshot() AS s')).rows[0].s as string;
    const before = String((await holder.query('SELECT sum(id::bigint * balance) AS w FROM accounts')).rows[0].w);
    const lsn = (await replica.query('SELECT pg_last_wal_replay_lsn()::text AS l')).rows[0].l as string;
    await replica.query('SELECT pg_wal_replay_resume()');
    await until(async () => (await replica.query('SELECT pg_last_wal_replay_lsn() > $1::pg_lsn AS ok', [lsn])).rows[0].ok === true);
    const reader = await connect(cluster.replicas[1]!.adminUrl);
    await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await reader.query(`SET TRANSACTION SNAPSHOT '${snapshot}'`);
    expect(String((await reader.query('SELECT sum(id::bigint * balance) AS w FROM accounts')).rows[0].w)).toBe(before);
    expect((await reader.query('SELECT sum(balance)::int AS s FROM accounts')).rows[0].s).toBe(ACCOUNTS * 100);
    await Promise.all([holder.query('COMMIT'), reader.query('COMMIT')]);
  } finally {
    await replica.query('SELECT pg_wal_replay_resume()').catch(() => undefined);
    await stop();
  }
});
