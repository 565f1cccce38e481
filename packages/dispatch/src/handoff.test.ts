/** Who combines a fan-out the API coordinates: the combine job's wait for its coordinator, on the real Redis. */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { publishQueryEvent, QueryEventBus } from './events';
import { coordinatorCombine, leaveCombineToJob } from './handoff';
import { endProgress, reportFragment } from './progress';

const url = 'redis://127.0.0.1:6379';
const redis = new Redis(url);
let bus: QueryEventBus;

beforeEach(async () => {
  bus = new QueryEventBus(new Redis(url));
  await bus.ready();
});
afterEach(() => bus.close());
afterAll(() => redis.disconnect());

/** A generation whose fragments have reported, as a combine job's have when it starts. */
async function run() {
  const queryId = randomUUID();
  await reportFragment(redis, queryId, { index: 0, attempts: 1, worker: 'w1', state: 'done', rows: 1, ms: 1 }, 60_000, {
    type: 'fragment-done',
    id: queryId,
    index: 0,
    rows: 1,
    ms: 1,
    worker: 'w1',
    attempt: 1,
  });
  return { queryId, generation: 1 };
}

test('a job that starts after its coordinator left it the combine combines at once', async () => {
  const r = await run();
  await leaveCombineToJob(redis, r, 60_000);
  expect(await coordinatorCombine(bus, redis, r, 5_000)).toBe('left');
});

test('a waiting job is woken by its coordinator leaving, or by the query’s end; not by another generation’s leaving', async () => {
  const [left, ended] = [await run(), await run()];
  const waits = [coordinatorCombine(bus, redis, left, 5_000), coordinatorCombine(bus, redis, ended, 5_000)];
  await new Promise((resolve) => setTimeout(resolve, 50));
  await leaveCombineToJob(redis, { ...left, generation: 2 }, 60_000);
  await leaveCombineToJob(redis, left, 60_000);
  await endProgress(redis, ended.queryId, [{ type: 'completed', id: ended.queryId, rowCount: 1, totalMs: 3 }]);
  expect(await Promise.all(waits)).toEqual(['left', 'ended']);
});

test('a job that starts after the query ended (combined by its coordinator meanwhile) does not wait', async () => {
  const r = await run();
  await endProgress(redis, r.queryId, [{ type: 'completed', id: r.queryId, rowCount: 1, totalMs: 3 }]);
  const started = Date.now();
  expect(await coordinatorCombine(bus, redis, r, 5_000)).toBe('ended');
  expect(Date.now() - started).toBeLessThan(1_000);
});

test('an ending published alone wakes a waiting job too', async () => {
  const r = await run();
  const waiting = coordinatorCombine(bus, redis, r, 5_000);
  await new Promise((resolve) => setTimeout(resolve, 50));
  await publishQueryEvent(redis, { type: 'cancelled', id: r.queryId });
  expect(await waiting).toBe('ended');
});

test('a coordinator that says nothing (it died) is waited for no longer than the grace', async () => {
  const started = Date.now();
  expect(await coordinatorCombine(bus, redis, await run(), 300)).toBe('unheard');
  expect(Date.now() - started).toBeLessThan(3_000);
});
