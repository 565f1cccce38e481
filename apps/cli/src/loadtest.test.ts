/** `npm run loadtest` against the real running system, and the summary it prints. */
import { startSystem, type System } from '@pgfan/testing';
import { report, runLoad, type LoadResult } from './loadtest';

let system: System;

beforeAll(async () => {
  system = await startSystem({ label: 'loadtest', workers: 1 });
}, 90_000);
afterAll(() => system?.stop());

test('simulated users get every answer, and the live workers are sampled every second', async () => {
  const mix = [{ sql: 'SELECT count(*) FROM events' }, { sql: 'SELECT device, count(*) FROM events GROUP BY 1 ORDER BY 1', partitions: 2 }];
  const result = await runLoad(system.client, 3, 3, mix);
  expect([result.failed, [...result.errors]]).toEqual([0, []]);
  expect(result.completed).toBeGreaterThanOrEqual(3);
  expect(result.latencies).toHaveLength(result.completed);
  expect(result.latencies).toEqual([...result.latencies].sort((a, b) => a - b));
  expect(result.workers.length).toBeGreaterThanOrEqual(1);
  expect(result.workers.every((sample) => sample.live === 1)).toBe(true);
}, 60_000);

test('refused and failed queries are counted by reason, not hidden in the latency figures', async () => {
  const mix = [{ sql: 'SELECT sum(1 / (id - id)) FROM events', partitions: 2 }, { sql: 'DELETE FROM events' }];
  const result = await runLoad(system.client, 1, 1, mix);
  expect(result.completed).toBe(0);
  expect(result.latencies).toEqual([]);
  expect(result.failed).toBeGreaterThanOrEqual(1);
  expect(result.errors.get('QUERY_FAILED')).toBe(result.failed);
  expect(result.errors.get('HTTP 422 NOT_READ_ONLY')).toBeGreaterThanOrEqual(1);
}, 60_000);

test('the summary: counts, rate, percentiles, errors and the worker count over time', () => {
  const result: LoadResult = {
    completed: 40,
    failed: 1,
    errors: new Map([['TIMEOUT', 1]]),
    latencies: Array.from({ length: 40 }, (_, i) => (i + 1) * 50),
    workers: Array.from({ length: 11 }, (_, i) => ({ second: i + 1, live: i < 6 ? 1 : 3 })),
    seconds: 10,
  };
  expect(report(result, 4)).toBe(
    [
      '4 users for 10 s',
      'queries    40 completed, 1 failed, 1 errors — 4.0 completed/s',
      'latency    p50 1.00 s · p95 1.90 s · p99 2.00 s',
      'errors     TIMEOUT ×1',
      'workers    (live, every 5 s)',
      '     1 s   1 █',
      '     6 s   1 █',
      '    11 s   3 ███',
    ].join('\n'),
  );
});
