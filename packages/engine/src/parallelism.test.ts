/** Measuring how many sessions the database runs at full speed at once: on the real server. */
import { cpus } from 'node:os';
import { useQueryPool } from './__tests__/harness';
import { measureParallelism } from './parallelism';

const t = useQueryPool('parallelism');

test('the measurement is between one session and all of them, and never more than the cores PostgreSQL shares here', async () => {
  const m = await measureParallelism(t.pool, 4);
  expect(m.sessions).toBe(4);
  expect(m.aloneMs).toBeGreaterThan(0);
  expect(m.togetherMs).toBeGreaterThan(0);
  expect(m.parallelism).toBeGreaterThanOrEqual(1);
  expect(m.parallelism).toBeLessThanOrEqual(4);
  // PostgreSQL runs on this machine: 4 sessions cannot get more than its cores (plus timing noise).
  expect(m.parallelism).toBeLessThanOrEqual(cpus().length * 1.25);
  // Every session went back to the pool.
  expect(t.pool.idleCount).toBeGreaterThanOrEqual(4);
});
