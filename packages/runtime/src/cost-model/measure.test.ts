/**
 * The database is measured once per interval for the whole deployment, whichever process asks:
 * against a real PostgreSQL and Redis, two processes asking at once measure it once; measurements
 * Redis lost are taken again without waiting for the interval; a first measurement, or one worse
 * than the figures in force, is confirmed by a second soon after (settle.ts).
 */
import { createTestDatabase, eventually, recordingLogger, type TestDatabase } from '@pgfan/testing';
import { DEFAULT_COST_MODEL } from '@pgfan/planner';
import { Redis } from 'ioredis';
import { measureDatabaseOnce, MEASUREMENT_LOCK, startDatabaseMeasurement } from './measure';
import { measuredFigures, readCostModel, readPendingMeasurement, recordSettledFigures } from './store';

const redis = new Redis(`redis://127.0.0.1:6379/${process.env.JEST_WORKER_ID ?? '1'}`, { maxRetriesPerRequest: 1 });
let db: TestDatabase;
const { logger, messages } = recordingLogger();

beforeAll(async () => {
  db = await createTestDatabase('measure', { empty: true });
});
beforeEach(() => redis.flushdb());
afterAll(async () => {
  await redis.flushdb();
  redis.disconnect();
  await db?.drop();
});

const options = (holder: string) => ({ connectionString: db.url, redis, everyMs: 60_000, holder, logger });

test('two processes asking at once: one measures, the other leaves the database alone; the model has the figures', async () => {
  const [a, b] = await Promise.all([measureDatabaseOnce(options('api a')), measureDatabaseOnce(options('api b'))]);
  expect([a, b].sort()).toEqual([false, true]);
  const model = await readCostModel(redis);
  expect(model.databaseParallelism).toBeGreaterThanOrEqual(1);
  expect(model.parallelStartMs).toBeGreaterThanOrEqual(0);
  // This database's speed, not the default's: a time, so no bound but that it is one.
  expect(model.msPerCost).toBeGreaterThan(0);
  expect(model.msPerCost).not.toBe(DEFAULT_COST_MODEL.msPerCost);
  expect(messages().filter((m) => m.startsWith('the database ran'))).toHaveLength(1);
  expect(messages().find((m) => m.startsWith('the database ran'))).toMatch(/ µs per unit of PostgreSQL's estimate/);
  // The lock lasts the interval: a process that asks later within it does not measure again.
  expect(await measureDatabaseOnce(options('api c'))).toBe(false);
  expect(await redis.pttl(MEASUREMENT_LOCK)).toBeGreaterThan(50_000);
});

test('with an interval of 0 nothing is ever measured', async () => {
  const measurement = startDatabaseMeasurement({ ...options('api'), everyMs: 0, firstAfterMs: 0 });
  await new Promise((resolve) => setTimeout(resolve, 100));
  measurement.stop();
  expect(await redis.exists(MEASUREMENT_LOCK)).toBe(0);
  expect((await readCostModel(redis)).databaseParallelism).toBeNull();
});

test('measurements Redis lost (a restart without persistence) are taken again at the next check, not an interval later', async () => {
  const measurement = startDatabaseMeasurement({ ...options('api'), firstAfterMs: 0, tryEveryMs: 200 });
  try {
    const measured = async () => ((await readCostModel(redis)).databaseParallelism === null ? undefined : true);
    await eventually(measured, 15_000, 'the first measurement');
    const taken = () => messages().filter((m) => m.startsWith('the database ran')).length;
    const before = taken();
    // Present, they are not taken again.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(taken()).toBe(before);
    await redis.flushdb();
    await eventually(measured, 15_000, 'the measurement taken again');
    expect(taken()).toBe(before + 1);
  } finally {
    measurement.stop();
  }
}, 40_000);

/** The figures in force, and a measurement waiting to be confirmed. */
const figures = async () => ({ inForce: measuredFigures(await readCostModel(redis)), pending: await readPendingMeasurement(redis) });

// As a measurement taken under heavy load would look, and as no server measures.
const underLoad = { databaseParallelism: 1, msPerCost: 1, parallelStartMs: 500, parallelWorkerStartMs: 500 };
const tooGood = { databaseParallelism: 8, msPerCost: 1e-9, parallelStartMs: 0, parallelWorkerStartMs: 0 };

test('a first measurement is confirmed by a second soon after, and the better of each figure stands', async () => {
  const quick = { ...options('api'), confirmAfterMs: 300 };
  expect(await measureDatabaseOnce(quick)).toBe(true);
  const first = await figures();
  expect(first.pending).toEqual(first.inForce);
  expect(await redis.pttl(MEASUREMENT_LOCK)).toBeLessThanOrEqual(300);
  // As if the first had been taken while the deployment's processes were starting.
  await recordSettledFigures(redis, { inForce: underLoad, pending: underLoad }, 10_000);
  await eventually(async () => ((await measureDatabaseOnce(quick)) ? true : undefined), 5_000, 'the confirming measurement');
  const confirmed = await figures();
  expect(confirmed.pending).toBeNull();
  expect(confirmed.inForce?.msPerCost).toBeLessThan(underLoad.msPerCost);
  expect(confirmed.inForce?.parallelStartMs).toBeLessThan(underLoad.parallelStartMs);
  expect(confirmed.inForce?.databaseParallelism).toBeGreaterThanOrEqual(1);
  expect(await redis.pttl(MEASUREMENT_LOCK)).toBeGreaterThan(50_000);
  expect(messages().at(-1)).toMatch(/with the measurement before it, the better of each figure stands/);
}, 30_000);

test('a measurement worse than the figures in force changes nothing until a second one says so too', async () => {
  await recordSettledFigures(redis, { inForce: tooGood, pending: null }, 10_000);
  expect(await measureDatabaseOnce({ ...options('api'), confirmAfterMs: 300 })).toBe(true);
  const waiting = await figures();
  expect(waiting.inForce).toEqual(tooGood);
  expect(waiting.pending?.msPerCost).toBeGreaterThan(tooGood.msPerCost);
  expect((await readCostModel(redis)).msPerCost).toBe(tooGood.msPerCost);
  expect(await redis.pttl(MEASUREMENT_LOCK)).toBeLessThanOrEqual(300);
  expect(messages().at(-1)).toMatch(/worse than the figures in force, which stand until another measurement/);
}, 30_000);
