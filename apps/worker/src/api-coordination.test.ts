/**
 * A fan-out whose client waits is coordinated by the API itself (apps/api/src/coordinations.ts):
 * it exports the snapshot, adds the flow and holds the snapshot until the query ends, and combines
 * the fragments' rows itself when each carried them (combine-here.ts). It keeps a
 * worker coordinator's guarantees: one snapshot, the API killed while holding it, a deadline, a
 * cancel, a shutdown; and past COORDINATE_CONCURRENCY the workers coordinate.
 */
import { QUERY_EVENTS_CHANNEL } from '@pgfan/contracts';
import { eventually, metricSample, type System } from '@pgfan/testing';
import { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { startSlowSystem, type SlowSystem } from './__tests__/queries';

let harness: SlowSystem;
let system: System;
let pool: Pool;

beforeAll(async () => {
  harness = await startSlowSystem({ label: 'api_coordination', apiEnv: { COORDINATE_CONCURRENCY: '1' } });
  ({ system, pool } = harness);
}, 90_000);

afterAll(() => harness?.stop());

/** `ms` a row, about 340 rows (in 4 fragments at 20 ms: a couple of seconds each); `k` tells the tests' queries apart. */
const slow = (k: number, ms = 20) => `SELECT sum(slow(id, ${ms})), count(*) FROM events WHERE id % 20 = ${k}`;

/** Sessions of the API inside a transaction: a held snapshot's. */
const apiTransactions = async () =>
  Number(
    (
      await pool.query({
        text: `SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgfan-api' AND state LIKE 'idle in transaction%'`,
        rowMode: 'array',
      })
    ).rows[0]?.[0],
  );
const noSnapshotHeld = () => eventually(async () => ((await apiTransactions()) === 0 ? true : undefined), 10_000, 'the API to hold no snapshot');

test('coordinated by the API: generation 1, exact, and its snapshot let go of at the end', async () => {
  const { status, record } = await harness.client.waiting({ sql: slow(0, 2), partitions: 4 });
  expect([status, record.coordinator, record.generation]).toEqual([200, 'api', 1]);
  await harness.direct.expectExact(record);
  await noSnapshotHeld();
  // A client that does not wait is a worker's coordinator's.
  const queued = await harness.client.submit({ sql: slow(0, 2), partitions: 2 });
  expect((await harness.client.finished(queued.id)).coordinator).toMatch(/^w[12]$/);
}, 60_000);

/** Fan-outs the API combined itself, from its /metrics. */
const combinedByApi = async () => metricSample(await (await fetch(`${system.url}/metrics`)).text(), 'pgfan_combines_total', 'by="api"');

/** The fragment-done items published about `id`, as every process subscribed reads them. */
async function fragmentEnds(messages: string[], id: string, count: number): Promise<{ carried?: unknown }[]> {
  const ends = () =>
    messages.flatMap((m) => JSON.parse(m) as { id: string; type: string; carried?: unknown }[]).filter((e) => e.id === id && e.type === 'fragment-done');
  return eventually(async () => (ends().length >= count ? ends() : undefined), 10_000, `${count} fragment ends of ${id}`);
}

test('combined by the API when every fragment carries its rows, by the combine job when one cannot: exact either way', async () => {
  const subscriber = new Redis(system.redisUrl);
  const messages: string[] = [];
  subscriber.on('message', (_channel: string, message: string) => messages.push(message));
  await subscriber.subscribe(QUERY_EVENTS_CHANNEL);
  const before = await combinedByApi();
  const small = await harness.client.waiting({ sql: slow(7, 1), partitions: 4 });
  expect([small.status, small.record.status]).toEqual([200, 'completed']);
  await harness.direct.expectExact(small.record);
  expect(await combinedByApi()).toBe(before + 1);
  expect((await fragmentEnds(messages, small.record.id, 4)).every((e) => e.carried !== undefined)).toBe(true);
  // Not waited for, a worker coordinates it and nobody collects its rows: its fragments publish none.
  const queued = await harness.client.finished((await harness.client.submit({ sql: slow(7, 1), partitions: 2 })).id);
  expect((await fragmentEnds(messages, queued.id, 2)).some((e) => e.carried !== undefined)).toBe(false);
  subscriber.disconnect();
  // A group per row: far more rows than an event carries, so they reach the combine through its job.
  const large = await harness.client.waiting({ sql: 'SELECT id, count(*) FROM events GROUP BY id ORDER BY id', partitions: 2 });
  expect([large.status, large.record.status, large.record.coordinator]).toEqual([200, 'completed', 'api']);
  await harness.direct.expectExact(large.record);
  expect(await combinedByApi()).toBe(before + 1);
  await noSnapshotHeld();
}, 60_000);

test('a combine the API cannot make exact is left to the combine job, which runs the query as written: PostgreSQL’s answer', async () => {
  await system.db.exec(`
    CREATE TABLE far_apart (id int, x float8, pad text) WITH (fillfactor = 10);
    INSERT INTO far_apart SELECT i, v, repeat(md5(i::text), 30) FROM unnest(ARRAY[1e200, 3e200, 0, 0]::float8[]) WITH ORDINALITY AS u(v, i);
    ANALYZE far_apart;`);
  const sql = 'SELECT avg(x) FROM far_apart';
  const expected = await pool.query(sql).then(
    () => null,
    (error: Error) => error.message,
  );
  const before = await combinedByApi();
  const { status, record } = await harness.client.waiting({ sql, partitions: 2 });
  expect([status, record.plan?.mode, record.coordinator]).toEqual([200, 'fan-out', 'api']);
  expect(record).toMatchObject({ status: 'failed', error: { code: 'QUERY_FAILED', message: expected } });
  expect(system.workers.map((w) => w.output()).join('')).toContain(`${record.id} (generation 1) runs as written after all`);
  expect(await combinedByApi()).toBe(before);
  // A combine that fails in the API fails as its job records it: PostgreSQL's error.
  const failing = await harness.client.waiting({ sql: 'SELECT 1 / (count(*) - 4) FROM far_apart', partitions: 2 });
  expect(failing.record).toMatchObject({
    status: 'failed',
    coordinator: 'api',
    error: { code: 'QUERY_FAILED', message: expect.stringContaining('division by zero') },
  });
  expect(await combinedByApi()).toBe(before);
  await noSnapshotHeld();
}, 60_000);

test('past COORDINATE_CONCURRENCY, a waiting fan-out is coordinated by a worker', async () => {
  const [a, b] = await Promise.all([harness.client.waiting({ sql: slow(1, 5), partitions: 2 }), harness.client.waiting({ sql: slow(2, 5), partitions: 2 })]);
  expect([a.record.coordinator, b.record.coordinator].sort()).toEqual(['api', expect.stringMatching(/^w[12]$/)]);
  await harness.direct.expectExact(a.record);
  await harness.direct.expectExact(b.record);
}, 60_000);

test('the API killed while it holds the snapshot: the query starts over and completes exactly', async () => {
  const sql = slow(3);
  // 8 fragments on 4 slots: some have yet to import the snapshot when it goes.
  const answer = harness.client.waiting({ sql, partitions: 8 });
  const id = await harness.client.admitted(sql);
  await harness.client.runningOn(id);
  await harness.killApi(answer);
  const record = await harness.client.finished(id, 90_000);
  await harness.direct.expectExact(record);
  expect(record.generation).toBeGreaterThanOrEqual(2);
  expect(record.coordinator).toMatch(/^w[12]$/);
}, 120_000);

test('its deadline is kept: TIMEOUT, and its statements and snapshot are gone', async () => {
  const { record } = await harness.client.waiting({ sql: slow(4), partitions: 4, timeoutMs: 800 });
  expect([record.status, record.error?.code, record.coordinator]).toEqual(['failed', 'TIMEOUT', 'api']);
  await harness.noStatementsOf(record.id);
  await noSnapshotHeld();
}, 60_000);

test('DELETE while its client waits: the wait ends with the cancelled record, and the snapshot is let go of', async () => {
  const sql = slow(5);
  const answer = harness.client.waiting({ sql, partitions: 4 });
  const id = await harness.client.admitted(sql);
  await harness.client.runningOn(id);
  // Held by the API while the query runs: what the DELETE must let go of.
  expect(await apiTransactions()).toBe(1);
  expect((await system.request('DELETE', `/api/queries/${id}`)).status).toBe(200);
  const { record } = await answer;
  expect([record.id, record.status]).toEqual([id, 'cancelled']);
  await noSnapshotHeld();
}, 60_000);

test('SIGTERM with a fan-out it still holds whose client stopped waiting: the API exits at once, and the query completes exactly', async () => {
  const { status, record } = await harness.client.waiting({ sql: slow(6), partitions: 8 }, 300);
  expect([status, record.coordinator]).toEqual([202, 'api']);
  await harness.restartApi();
  await harness.direct.expectExact(await harness.client.finished(record.id, 90_000));
}, 120_000);
