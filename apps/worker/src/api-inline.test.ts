/**
 * A query that runs as written for a waiting client is run by the API itself past INLINE_MAX_MS
 * too, while a place is free (apps/api/src/inline-runs.ts). It keeps the queue's guarantees: a
 * client that stops waiting gets the running record and the query goes on; a cancel; a shutdown
 * hands what still runs to the workers, and the workers' reapers start over what a dead API was
 * running; past INLINE_CONCURRENCY the workers run it.
 */
import { eventually, metricSample, type System } from '@pgfan/testing';
import { startSlowSystem, type SlowSystem } from './__tests__/queries';

let harness: SlowSystem;
let system: System;

beforeAll(async () => {
  // Nothing is quick enough to run here without a place: every run here takes the one place.
  harness = await startSlowSystem({
    label: 'api_inline',
    apiEnv: { INLINE_MAX_MS: '0', INLINE_CONCURRENCY: '1' },
    // The reapers look every half second at runs over a second old.
    workerEnv: { REAPER_GRACE_MS: '1000', REAPER_INTERVAL_MS: '500' },
  });
  ({ system } = harness);
}, 90_000);

afterAll(() => harness?.stop());

/** A join (run as written: joins are not split), `ms` a row over about 340 rows; `k` tells the tests' queries apart. */
const slow = (k: number, ms = 20) => `SELECT sum(slow(e.id, ${ms})), count(*) FROM events e JOIN events f ON f.id = e.id WHERE e.id % 20 = ${k}`;

const inlineRuns = async () => metricSample(await (await fetch(`${system.url}/metrics`)).text(), 'pgfan_api_inline_runs', 'process="api"');

test('run by the API: generation 1, exact; a client that does not wait has it run by a worker', async () => {
  const { status, record } = await harness.client.waiting({ sql: slow(0, 1) });
  expect([status, record.plan?.mode, record.coordinator, record.generation]).toEqual([200, 'as-written', 'api', 1]);
  await harness.direct.expectExact(record);
  const queued = await harness.client.submit({ sql: slow(0, 1) });
  expect((await harness.client.finished(queued.id)).coordinator).toMatch(/^w[12]$/);
  expect(await inlineRuns()).toBe(0);
}, 60_000);

test('past INLINE_CONCURRENCY, a worker runs it', async () => {
  const [a, b] = await Promise.all([harness.client.waiting({ sql: slow(1, 5) }), harness.client.waiting({ sql: slow(2, 5) })]);
  expect([a.record.coordinator, b.record.coordinator].sort()).toEqual(['api', expect.stringMatching(/^w[12]$/)]);
  await harness.direct.expectExact(a.record);
  await harness.direct.expectExact(b.record);
}, 60_000);

test('a wait shorter than the run: the running record, and the query completes here', async () => {
  const { status, record } = await harness.client.waiting({ sql: slow(3, 5) }, 300);
  expect([status, record.status, record.coordinator]).toEqual([202, 'running', 'api']);
  expect(await inlineRuns()).toBe(1);
  const finished = await harness.client.finished(record.id);
  expect([finished.coordinator, finished.generation]).toEqual(['api', 1]);
  await harness.direct.expectExact(finished);
}, 60_000);

test('DELETE while its client waits: the wait ends with the cancelled record, and its statement is gone', async () => {
  const sql = slow(4);
  const answer = harness.client.waiting({ sql });
  const id = await harness.client.admitted(sql);
  await eventually(async () => ((await harness.statementsOf(id)) > 0 ? true : undefined), 10_000, 'its statement');
  expect((await system.request('DELETE', `/api/queries/${id}`)).status).toBe(200);
  const { record } = await answer;
  expect([record.id, record.status]).toEqual([id, 'cancelled']);
  await harness.noStatementsOf(record.id);
}, 60_000);

test('the API killed while it runs one: a worker starts it over, and it completes exactly', async () => {
  const sql = slow(6, 10);
  const answer = harness.client.waiting({ sql });
  const id = await harness.client.admitted(sql);
  await eventually(async () => ((await harness.statementsOf(id)) > 0 ? true : undefined), 10_000, 'its statement');
  await harness.killApi(answer);
  const record = await harness.client.finished(id, 90_000);
  await harness.direct.expectExact(record);
  expect([record.generation, record.coordinator]).toEqual([2, expect.stringMatching(/^w[12]$/)]);
}, 120_000);

test('SIGTERM with a run whose client stopped waiting: the API hands it to the workers and exits, and it completes exactly', async () => {
  const { status, record } = await harness.client.waiting({ sql: slow(5) }, 300);
  expect([status, record.coordinator]).toEqual([202, 'api']);
  await harness.restartApi();
  const finished = await harness.client.finished(record.id, 90_000);
  await harness.direct.expectExact(finished);
  // Generation 2 was the hand-over; a worker's coordinator ran generation 3.
  expect([finished.generation, finished.coordinator]).toEqual([3, expect.stringMatching(/^w[12]$/)]);
}, 120_000);
