/** The learned scales live in Redis, shared by every process: a real Redis here. */
import { DEFAULT_COST_MODEL } from '@pgfan/planner';
import { Redis } from 'ioredis';
import { readCostModel, recordObservation } from './cost-model';

const redis = new Redis(`redis://127.0.0.1:6379/${process.env.JEST_WORKER_ID ?? '1'}`, { maxRetriesPerRequest: 1 });

beforeEach(() => redis.flushdb());
afterAll(async () => {
  await redis.flushdb();
  redis.disconnect();
});

test('before anything is learned, the model is the default', async () => {
  expect(await readCostModel(redis)).toEqual(DEFAULT_COST_MODEL);
});

test('observations move the scales every process reads', async () => {
  await recordObservation(redis, { kind: 'fanOut', predictedMs: 100, actualMs: 200 });
  await recordObservation(redis, { kind: 'sequential', predictedMs: 100, actualMs: 50 });
  expect(await readCostModel(redis)).toEqual({ ...DEFAULT_COST_MODEL, fanOutScale: 1.2, sequentialScale: 0.9 });
  await recordObservation(redis, { kind: 'fanOut', predictedMs: 120, actualMs: 240 });
  expect((await readCostModel(redis)).fanOutScale).toBeCloseTo(1.44, 10);
});

test('small queries teach nothing, and a damaged entry reads as the default', async () => {
  await recordObservation(redis, { kind: 'sequential', predictedMs: 2, actualMs: 40 });
  expect(await redis.exists('pgfan:cost-model')).toBe(0);
  await redis.hset('pgfan:cost-model', { sequentialScale: 'nope', fanOutScale: '-3' });
  expect(await readCostModel(redis)).toEqual(DEFAULT_COST_MODEL);
});
