/**
 * Chaos: Redis — a server of the test's own, with the append-only file on — killed and started
 * again while 50 queries are in flight. Every query ends: completed with PostgreSQL's exact
 * answer, or failed with a clear error; none is left running. The system works afterwards.
 */
import { startPrivateRedis, type PrivateRedis } from '@pgfan/testing';
import { startSlowSystem, type SlowSystem } from './__tests__/queries';

const QUERIES = 50;
/** Codes a query cut off by the outage may end with; each comes with a message saying what happened. */
const OUTAGE_CODES = ['UNAVAILABLE', 'TIMEOUT', 'WORKER_LOST', 'QUERY_FAILED'];
let redis: PrivateRedis;
let harness: SlowSystem;

beforeAll(async () => {
  redis = await startPrivateRedis();
  harness = await startSlowSystem({
    label: 'chaos_redis',
    redisUrl: redis.url,
    // Queries orphaned by the outage are failed soon after their deadline.
    workerEnv: { REAPER_INTERVAL_MS: '500', REAPER_GRACE_MS: '2000' },
  });
}, 90_000);

afterAll(async () => {
  await harness?.stop();
  await redis?.stop();
});

/** Half fan out and sleep (still running when Redis dies), half are quick; each has its own answer. */
const query = (i: number) =>
  i % 2 === 0
    ? {
        sql: `SELECT sum(slow(id, 5)) AS s, count(*) AS n FROM events WHERE id % 50 = ${i}`,
        direct: `SELECT sum(id) AS s, count(*) AS n FROM events WHERE id % 50 = ${i}`,
        partitions: 2,
      }
    : { sql: `SELECT country, count(*), sum(revenue) FROM events WHERE id % 50 <> ${i} GROUP BY country`, partitions: 3 };

/** `TIMEOUT ×44` from the failures' `CODE: message` lines. */
const tally = (failures: string[]) => {
  const counts = new Map<string, number>();
  for (const code of failures.map((f) => f.slice(0, f.indexOf(':')))) counts.set(code, (counts.get(code) ?? 0) + 1);
  return [...counts].map(([code, n]) => `${code} ×${n}`).join(', ') || 'none';
};

test.each([
  { outage: 'a second', downMs: 1000, timeoutMs: 15_000 },
  { outage: 'past the queries’ deadline', downMs: 8000, timeoutMs: 5000 },
])(
  'Redis killed with 50 queries in flight, back after $outage: each ends exact or clearly failed, none stays running',
  async ({ downMs, timeoutMs }) => {
    const { system, pool, client, direct } = harness;
    const { submit, finished } = client;
    const queries = Array.from({ length: QUERIES }, (_, i) => query(i));
    const ids = await Promise.all(queries.map((q) => submit({ sql: q.sql, partitions: q.partitions, timeoutMs }).then((v) => v.id)));
    await new Promise((r) => setTimeout(r, 500));
    const unfinished = await pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM pgfan.queries WHERE id = ANY($1) AND status IN ('queued', 'running', 'combining')",
      [ids],
    );
    const inFlight = Number(unfinished.rows[0]?.n);
    await redis.restart({ downMs });
    expect(inFlight).toBeGreaterThanOrEqual(QUERIES / 2);

    // Past the deadline and the reaper's grace (2 s), every query is final.
    const records = await Promise.all(ids.map((id) => finished(id, timeoutMs + 20_000)));
    const outcomes = await direct.expectExactOrFailed(
      records,
      queries.map((q) => q.direct ?? q.sql),
      OUTAGE_CODES,
    );
    process.stdout.write(`Redis down ${downMs} ms with ${inFlight} in flight: ${outcomes.completed} completed exactly, failed: ${tally(outcomes.failed)}\n`);

    // And the system carries on.
    await system.waitForWorkers(2, 30_000);
    const after = await submit({ sql: query(1).sql, partitions: 3 });
    await direct.expectExact(await finished(after.id));
  },
  120_000,
);
