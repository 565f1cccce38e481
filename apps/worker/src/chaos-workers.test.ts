/**
 * Chaos: workers SIGKILLed mid-fragment, again and again, while 20 queries run. Every one of the
 * 20 has a fragment running on a worker at the moment it is killed, and every one still returns
 * exactly what PostgreSQL returns.
 */
import type { QueryView } from '@pgfan/contracts';
import type { RunningProcess } from '@pgfan/testing';
import { killWorker, startSlowSystem, type SlowSystem } from './__tests__/queries';

const QUERIES = 20;
let harness: SlowSystem;

beforeAll(async () => {
  // Any fragment may lose its worker more than once here: this test is that deaths are survived
  // (the last one, that a job killed past MAX_STALLS gives up clearly).
  harness = await startSlowSystem({ label: 'chaos_workers', workers: 3, workerEnv: { MAX_STALLS: '20' } });
}, 90_000);

afterAll(() => harness?.stop());

/** 170 rows in two fragments, 25 ms a row: about two seconds per fragment. Each query has its own answer. */
const slowQuery = (i: number) => `SELECT sum(slow(id, 25)) AS s, count(*) AS n, min(ts) AS first FROM events WHERE id % 40 = ${i}`;
/** The same answer without the sleeping (slow returns its argument). */
const directQuery = (i: number) => `SELECT sum(id) AS s, count(*) AS n, min(ts) AS first FROM events WHERE id % 40 = ${i}`;

test('20 queries, each with a fragment on a worker SIGKILLed mid-fragment: all 20 exact', async () => {
  const { system, client, direct } = harness;
  const ids: string[] = [];
  let kills = 0;
  // In waves of 4, so that every query of a wave is seen running, and hit, before it can finish.
  for (let wave = 0; wave < QUERIES / 4; wave++) {
    const waveIds = await Promise.all([0, 1, 2, 3].map((j) => client.submit({ sql: slowQuery(wave * 4 + j), partitions: 2 }).then((q) => q.id)));
    ids.push(...waveIds);
    const unhit = new Set(waveIds);
    const replacements: Promise<RunningProcess>[] = [];
    while (unhit.size > 0) {
      const views = await Promise.all([...unhit].map(client.get));
      const missed = views.filter((v) => ['completed', 'failed'].includes(v.status));
      if (missed.length > 0) throw new Error(`${missed.length} queries finished before a worker under them was killed; make the fragments slower`);
      const byWorker = new Map<string, QueryView[]>();
      for (const v of views) for (const f of v.fragments) if (f.state === 'running' && f.worker) byWorker.set(f.worker, [...(byWorker.get(f.worker) ?? []), v]);
      // Only workers already started (a replacement may take jobs a moment before it says it is ready).
      const known = [...byWorker].filter(([w]) => system.workers.some((p) => p.name === `worker ${w}`));
      const [worker, under] = known.sort((a, b) => b[1].length - a[1].length)[0] ?? [];
      if (!worker || !under) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      await killWorker(system, worker);
      for (const v of under) unhit.delete(v.id);
      replacements.push(system.startWorker(`r${++kills}`));
    }
    await Promise.all(replacements);
  }
  const records = await Promise.all(ids.map((id) => client.finished(id, 120_000)));
  for (const [i, record] of records.entries()) await direct.expectExact(record, directQuery(i));
  // The kills lost work that was redone: a fragment run again, or a query started over on a new snapshot (its coordinator died).
  const redone = records.filter((r) => r.generation > 1 || r.fragments.some((f) => f.attempts > 1));
  expect(redone.length).toBe(QUERIES);
  expect(kills).toBeGreaterThanOrEqual(QUERIES / 4);
}, 240_000);

test('a fragment that loses its worker more often than MAX_STALLS fails the query with WORKER_LOST', async () => {
  const { system, client } = harness;
  // Every worker checks for stalled jobs with its own limit: replace them all.
  await Promise.all(system.workers.splice(0).map(async (w) => (w.kill('SIGKILL'), await w.exited)));
  await Promise.all(['s1', 's2'].map((id) => system.startWorker(id, { MAX_STALLS: '0' })));
  const { id } = await client.submit({ sql: slowQuery(0), partitions: 2 });
  await killWorker(system, await client.runningOn(id));
  const record = await client.finished(id, 60_000);
  expect([record.status, record.error?.code]).toEqual(['failed', 'WORKER_LOST']);
  expect(record.error?.message).toMatch(/^fragment [12] of 2 failed: the workers running it stopped before it finished, more often than MAX_STALLS allows/);
}, 90_000);
