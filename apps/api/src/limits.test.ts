/** Per-key submission rates, counted in a real Redis. */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { withinRate } from './limits';

const redis = new Redis(`redis://127.0.0.1:6379/${process.env.JEST_WORKER_ID ?? '1'}`);
afterAll(() => redis.disconnect());

test("a key's submissions are counted per second, up to its rate, in a count that expires", async () => {
  // Early in a fresh second, so all three land in one window.
  await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));
  const client = randomUUID();
  expect([await withinRate(redis, client, 2), await withinRate(redis, client, 2), await withinRate(redis, client, 2)]).toEqual([true, true, false]);
  const [key] = await redis.keys(`pgfan:rate:${client}:*`);
  expect(await redis.get(key!)).toBe('3');
  const ttl = await redis.pttl(key!);
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(2000);
  // Another key has a count of its own.
  expect(await withinRate(redis, randomUUID(), 2)).toBe(true);
});

test('without a rate, nothing is counted', async () => {
  const client = randomUUID();
  expect(await withinRate(redis, client, 0)).toBe(true);
  expect(await redis.keys(`pgfan:rate:${client}:*`)).toEqual([]);
});
