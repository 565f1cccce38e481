/**
 * Chaos: PostgreSQL — a cluster of the test's own — restarted while queries run on it. It holds
 * both the data and the query history. Every query ends completed with the exact answer (its
 * fragments retried) or failed with a clear error, never a wrong answer, and none is left
 * running; the system works again once the database is back.
 */
import { startPrivatePostgres, type PrivatePostgres } from '@pgfan/testing';
import { startSlowSystem, type SlowSystem } from './__tests__/queries';

const QUERIES = 12;
/** Codes a query cut off by the restart may end with; each with a message saying what happened. */
const OUTAGE_CODES = ['UNAVAILABLE', 'TIMEOUT', 'QUERY_FAILED', 'SNAPSHOT_LOST', 'WORKER_LOST'];
let postgres: PrivatePostgres;
let harness: SlowSystem;

beforeAll(async () => {
  postgres = await startPrivatePostgres();
  harness = await startSlowSystem({ label: 'chaos_pg', adminUrl: postgres.adminUrl, workerEnv: { REAPER_INTERVAL_MS: '500', REAPER_GRACE_MS: '2000' } });
}, 120_000);

afterAll(async () => {
  await harness?.stop().catch(() => undefined);
  await postgres?.stop();
});

const query = (i: number) => ({
  sql: `SELECT sum(slow(id, 1)) AS s, count(*) AS n FROM events WHERE id % ${QUERIES} = ${i}`,
  direct: `SELECT sum(id) AS s, count(*) AS n FROM events WHERE id % ${QUERIES} = ${i}`,
});

test.each([
  { mode: 'fast', downMs: 1000 },
  { mode: 'immediate', downMs: 1000 },
  // Longer than fragments retry for.
  { mode: 'immediate', downMs: 6000 },
] as const)(
  'PostgreSQL restarted ($mode, down $downMs ms) with queries running: each ends exact or clearly failed, none stays running',
  async ({ mode, downMs }) => {
    const { system, client, direct } = harness;
    const { submit, finished } = client;
    const queries = Array.from({ length: QUERIES }, (_, i) => query(i));
    const ids = await Promise.all(queries.map((q) => submit({ sql: q.sql, partitions: 3, timeoutMs: 20_000 }).then((v) => v.id)));
    await new Promise((r) => setTimeout(r, 700));
    await postgres.restart(mode, { downMs });

    const records = await Promise.all(ids.map((id) => finished(id, 40_000)));
    const outcomes = await direct.expectExactOrFailed(
      records,
      queries.map((q) => q.direct),
      OUTAGE_CODES,
    );
    process.stdout.write(
      `PostgreSQL restart (${mode}, down ${downMs} ms): ${outcomes.completed} completed exactly; failed: ${JSON.stringify(outcomes.failed)}\n`,
    );

    await system.waitForWorkers(2, 30_000);
    const after = await submit({ sql: queries[0]!.sql, partitions: 3 });
    await direct.expectExact(await finished(after.id), queries[0]!.direct);
  },
  120_000,
);
