/**
 * Queries survive their parts dying: a worker killed mid-fragment, the coordinator (the
 * snapshot's holder) killed, the API restarted. And they end when they should: timeouts and
 * cancels stop running statements; a failed fragment fails the query, naming it.
 */
import type { QueryView } from '@pgfan/contracts';
import { eventually, type System } from '@pgfan/testing';
import type { Pool } from 'pg';
import { killWorker, startSlowSystem, type SlowSystem } from './__tests__/queries';

let harness: SlowSystem;
let system: System;
let pool: Pool;

/** About 85 rows per fragment with 4 fragments, 20 ms each: a couple of seconds per fragment. */
const SLOW = 'SELECT sum(slow(id, 20)), count(*) FROM events WHERE id % 20 = 0';

beforeAll(async () => {
  harness = await startSlowSystem({ label: 'durability', workerEnv: { INLINE_PARTIAL_ROWS: '50', RESULT_MAX_ROWS: '5000' } });
  ({ system, pool } = harness);
}, 90_000);

afterAll(() => harness?.stop());

const get = (id: string) => harness.client.get(id);
const submit = (body: Record<string, unknown>) => harness.client.submit(body);
const finished = (id: string, timeoutMs?: number) => harness.client.finished(id, timeoutMs);
const runningOn = (id: string) => harness.client.runningOn(id);
const expectExact = (record: QueryView, sql: string) => harness.direct.expectExact(record, sql);

test('a worker killed mid-fragment: the query still completes, exactly', async () => {
  const { id } = await submit({ sql: SLOW, partitions: 4 });
  await killWorker(system, await runningOn(id));
  const record = await finished(id);
  await expectExact(record, SLOW);
  await system.startWorker('w1b');
  await system.waitForWorkers(2);
}, 120_000);

test('the snapshot holder killed before every fragment imported it: the query starts over on a fresh snapshot', async () => {
  // 8 fragments on 4 slots: some are still waiting (not imported) when the coordinator dies.
  const { id } = await submit({ sql: SLOW, partitions: 8 });
  const { coordinator } = await eventually(async () => {
    const q = await get(id);
    return q.coordinator && q.fragments.some((f) => f.state === 'running') ? q : undefined;
  });
  await killWorker(system, coordinator!);
  const record = await finished(id, 90_000);
  await expectExact(record, SLOW);
  expect(record.generation).toBeGreaterThanOrEqual(2);
  await system.startWorker('w3');
  await system.waitForWorkers(2);
}, 150_000);

test('the API restarted mid-query: the query completes and is there afterwards', async () => {
  const { id } = await submit({ sql: SLOW, partitions: 4 });
  system.api.kill('SIGKILL');
  await system.api.exited;
  await system.startApi();
  const record = await finished(id);
  await expectExact(record, SLOW);
}, 120_000);

test('a query past its deadline fails with TIMEOUT and its statements are cancelled', async () => {
  const { id } = await submit({ sql: SLOW, partitions: 4, timeoutMs: 800 });
  const record = await finished(id);
  expect(record.status).toBe('failed');
  expect(record.error?.code).toBe('TIMEOUT');
  expect(record.result).toBeNull();
  await harness.noStatementsOf(id);
}, 60_000);

test('DELETE cancels a running query and its statements; a second DELETE is 409', async () => {
  const { id } = await submit({ sql: SLOW, partitions: 4 });
  await runningOn(id);
  const cancel = await system.request<QueryView>('DELETE', `/api/queries/${id}`);
  expect(cancel.status).toBe(200);
  expect(cancel.body.status).toBe('cancelled');
  await harness.noStatementsOf(id);
  expect((await get(id)).status).toBe('cancelled');
  expect((await system.request('DELETE', `/api/queries/${id}`)).status).toBe(409);
}, 60_000);

test('a fragment that fails fails the query, naming the fragment; the flow does not hang', async () => {
  const { id } = await submit({ sql: 'SELECT sum(100 / (id - 5000)) FROM events', partitions: 4 });
  const record = await finished(id);
  expect(record.status).toBe('failed');
  expect(record.error).toEqual({ code: 'QUERY_FAILED', message: expect.stringMatching(/^fragment \d of 4 failed: division by zero$/) });
  expect(record.result).toBeNull();
}, 60_000);

test('partial results too large for Redis spill to PostgreSQL and combine exactly', async () => {
  const sql = 'SELECT id, count(*), sum(revenue) FROM events GROUP BY id ORDER BY id LIMIT 4000';
  const { id } = await submit({ sql, partitions: 3 });
  const record = await finished(id);
  await expectExact(record, sql);
  expect(record.result?.rowCount).toBe(4000);
  expect(record.fragments.every((f) => (f.rows ?? 0) > 50)).toBe(true);
  const left = await pool.query({ text: 'SELECT count(*) FROM pgfan.partial_batches WHERE query_id = $1', values: [id], rowMode: 'array' });
  expect(left.rows).toEqual([['0']]);
}, 60_000);

test('results past RESULT_MAX_ROWS are kept truncated, with the full row count', async () => {
  const { id } = await submit({ sql: 'SELECT id, country FROM events', partitions: 2 });
  const record = await finished(id);
  expect(record.status).toBe('completed');
  expect(record.result).toMatchObject({ rowCount: 6799, truncated: true });
  expect(record.result?.rows).toHaveLength(5000);
}, 60_000);

test('a fragment whose connection is killed is retried, on the same snapshot, and the query completes exactly', async () => {
  const { id } = await submit({ sql: SLOW, partitions: 4 });
  // Progress says "running" a moment before the fragment's session starts: wait for its backend.
  await eventually(
    async () => {
      const killed = await pool.query({
        text: 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE $1 AND state = $2 LIMIT 1',
        values: [`pgfan:${id}:%`, 'active'],
      });
      return killed.rowCount === 1 ? true : undefined;
    },
    20_000,
    'a running fragment backend to terminate',
  );
  const record = await finished(id);
  await expectExact(record, SLOW);
  expect(record.generation).toBe(1);
  expect(record.fragments.some((f) => f.attempts === 2)).toBe(true);
}, 120_000);

test('SIGTERM lets a worker finish its running fragments, then it exits cleanly', async () => {
  const { id } = await submit({ sql: SLOW, partitions: 4 });
  const { process: victim, code } = await killWorker(system, await runningOn(id), 'SIGTERM');
  expect(code).toBe(0);
  expect(victim.output()).toMatch(/SIGTERM: finishing [1-9]\d* active job\(s\)[\s\S]*stopped/);
  const record = await finished(id);
  await expectExact(record, SLOW);
  await system.startWorker('w4');
}, 120_000);

test('SIGTERM with fragments that outlast SHUTDOWN_TIMEOUT_MS: the worker still exits, and others finish the query exactly', async () => {
  const impatient = await system.startWorker('w5', { SHUTDOWN_TIMEOUT_MS: '200' });
  // More fragments than the other workers' four slots, so w5 gets some however the others race for them.
  const { id } = await submit({ sql: SLOW, partitions: 8 });
  await eventually(async () => ((await get(id)).fragments.some((f) => f.state === 'running' && f.worker === 'w5') ? true : undefined), 20_000, 'w5 running');
  expect((await killWorker(system, 'w5', 'SIGTERM')).code).toBe(0);
  expect(impatient.output()).toMatch(/did not finish in time[\s\S]*stopped/);
  const record = await finished(id);
  await expectExact(record, SLOW);
}, 120_000);
