/** One cut at a time, and pauses left by a dead process found: on a real Redis. */
import { Redis } from 'ioredis';
import { CUT_LOCK, CUT_PAUSES, RedisCutGuard } from './cut-guard';

const redis = new Redis(`redis://127.0.0.1:6379/${process.env.JEST_WORKER_ID ?? '1'}`, { maxRetriesPerRequest: 1 });

beforeEach(() => redis.del(CUT_LOCK, CUT_PAUSES));
afterAll(() => redis.quit());

test('a second cut waits for the first; past its wait it gives up', async () => {
  const [a, b] = [new RedisCutGuard(redis, 'a', 10_000), new RedisCutGuard(redis, 'b', 10_000)];
  const releaseA = await a.hold(['r1:5432', 'r2:5432'], performance.now() + 100);
  expect(releaseA).not.toBeNull();
  expect(await b.hold(['r1:5432'], performance.now() + 30)).toBeNull();
  const waiting = b.hold(['r1:5432'], performance.now() + 2_000);
  await new Promise((r) => setTimeout(r, 20));
  await releaseA!();
  const releaseB = await waiting;
  expect(releaseB).not.toBeNull();
  expect(await redis.smembers(CUT_PAUSES)).toEqual(['r1:5432']);
  await releaseB!();
  expect(await redis.exists(CUT_LOCK, CUT_PAUSES)).toBe(0);
});

test("a cut whose process died leaves its replicas to resume once its lock lapses; a live cut's are not", async () => {
  const dead = new RedisCutGuard(redis, 'dead', 50);
  await dead.hold(['r1:5432', 'r2:5432'], performance.now() + 100);
  const reaper = new RedisCutGuard(redis, 'reaper', 10_000);
  expect(await reaper.abandoned()).toEqual([]);
  await new Promise((r) => setTimeout(r, 80));
  expect((await reaper.abandoned()).sort()).toEqual(['r1:5432', 'r2:5432']);
  await reaper.cleared();
  expect(await reaper.abandoned()).toEqual([]);
});

test("a release after its lock lapsed leaves the next cut's lock and record alone", async () => {
  const slow = new RedisCutGuard(redis, 'slow', 30);
  const release = await slow.hold(['r1:5432'], performance.now() + 100);
  await new Promise((r) => setTimeout(r, 50));
  const next = await new RedisCutGuard(redis, 'next', 10_000).hold(['r2:5432'], performance.now() + 100);
  await release!();
  expect(await redis.get(CUT_LOCK)).toMatch(/^next /);
  expect((await redis.smembers(CUT_PAUSES)).sort()).toEqual(['r1:5432', 'r2:5432']);
  await next!();
});
