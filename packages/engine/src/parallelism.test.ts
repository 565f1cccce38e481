/** Measuring how many sessions the database runs at full speed at once: on the real server. */
import { useQueryPool } from './__tests__/harness';
import { measureParallelism, measureParallelStart, msPerCostOf } from './parallelism';

const t = useQueryPool('parallelism');

test('the measurement is between one session and all of them, and every session goes back to the pool', async () => {
  const m = await measureParallelism(t.pool, 4);
  expect(m.sessions).toBe(4);
  expect(m.aloneMs).toBeGreaterThan(0);
  expect(m.togetherMs).toBeGreaterThan(0);
  expect(m.parallelism).toBeGreaterThanOrEqual(1);
  expect(m.parallelism).toBeLessThanOrEqual(4);
  // PostgreSQL's estimate of the probe, whatever its cost settings: a positive number.
  expect(Number.isFinite(m.probeCost) && m.probeCost > 0).toBe(true);
  // No bound from this machine's cores: the suite's other workers load the server while this
  // runs, so the lone run can be the slow one (CI saw 2.86 on 2 cores). The figure is a timing.
  // Every session went back to the pool.
  expect(t.pool.idleCount).toBeGreaterThanOrEqual(4);
});

test("starting PostgreSQL's parallel workers is measured, and the session plans as before afterwards", async () => {
  const settings = async () =>
    (
      await t.pool.query<{ s: string }>(
        "SELECT concat_ws(' ', current_setting('parallel_setup_cost'), current_setting('parallel_tuple_cost'), current_setting('min_parallel_table_scan_size'), current_setting('max_parallel_workers_per_gather')) AS s",
      )
    ).rows[0]?.s;
  const before = await settings();
  const start = await measureParallelStart(t.pool);
  // What each worker adds is the machine's to say (the second: 0–16 ms here, by the hour), so
  // only that it is a time: finite, and never below nothing.
  for (const ms of [start.firstWorkerMs, start.furtherWorkerMs]) {
    expect(Number.isFinite(ms)).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(0);
  }
  expect(await settings()).toBe(before);
});

test("a simple scan's milliseconds per unit of estimate are read off the probe's: its lone time over its estimate, scaled", () => {
  // The ratio is the measurement's: 0.82 of the probe's, as simple scans ran beside it.
  expect(msPerCostOf({ aloneMs: 68.5, probeCost: 25_010 })).toBeCloseTo(0.00225, 5);
  // Twice as slow a machine, twice the figure.
  expect(msPerCostOf({ aloneMs: 137, probeCost: 25_010 })).toBeCloseTo(2 * msPerCostOf({ aloneMs: 68.5, probeCost: 25_010 }), 10);
});
