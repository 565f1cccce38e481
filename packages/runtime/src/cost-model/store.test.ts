/** The learned scales live in Redis, shared by every process: a real Redis here. */
import { DEFAULT_COST_MODEL } from '@pgfan/planner';
import { Redis } from 'ioredis';
import {
  fanOutObservation,
  readCostModel,
  readStatementFactors,
  recordSettledFigures,
  recordExplored,
  recordFanOut,
  recordObservation,
  statementKey,
} from './store';

const redis = new Redis(`redis://127.0.0.1:6379/${process.env.JEST_WORKER_ID ?? '1'}`, { maxRetriesPerRequest: 1 });

beforeEach(() => redis.flushdb());
afterAll(async () => {
  await redis.flushdb();
  redis.disconnect();
});

test('before anything is learned, the model is the default', async () => {
  expect(await readCostModel(redis)).toEqual(DEFAULT_COST_MODEL);
});

test('observations move the factor of their side and class, which every process reads', async () => {
  await recordObservation(redis, 'SELECT 1', { queryClass: 'grouped', side: 'as-written', predictedMs: 100, actualMs: 200, fixedMs: 0 });
  expect(await readCostModel(redis)).toEqual({ ...DEFAULT_COST_MODEL, costScales: { ...DEFAULT_COST_MODEL.costScales, grouped: 1.2 } });
  await recordObservation(redis, 'SELECT 2', { queryClass: 'grouped', side: 'as-written', predictedMs: 130, actualMs: 250, fixedMs: 10 });
  expect((await readCostModel(redis)).costScales.grouped).toBeCloseTo(1.2 * 1.2, 10);
  await recordObservation(redis, 'SELECT 3', { queryClass: 'grouped', side: 'fan-out', predictedMs: 110, actualMs: 210, fixedMs: 10 });
  const model = await readCostModel(redis);
  expect(model.fanOutScales).toEqual({ ...DEFAULT_COST_MODEL.fanOutScales, grouped: 1.2 });
  expect(model.costScales.grouped).toBeCloseTo(1.2 * 1.2, 10);
  expect(model.costScales.scan).toBe(1);
});

test("a statement's runs teach its own factors, each side's first run its class's too; another statement reads only its class's", async () => {
  const sql = 'SELECT count(*) FROM events';
  const asWritten = { queryClass: 'scan' as const, side: 'as-written' as const, predictedMs: 100, actualMs: 300, fixedMs: 0, factorUsed: 1 };
  expect(await readStatementFactors(redis, sql)).toEqual({});
  await recordObservation(redis, sql, asWritten);
  // Half-way to the 2× a run may claim, for the statement; a fifth of the way, for the class.
  expect(await readStatementFactors(redis, sql)).toEqual({ costScale: 1.5 });
  expect((await readCostModel(redis)).costScales.scan).toBeCloseTo(1.2, 10);
  for (let i = 0; i < 10; i++) await recordObservation(redis, sql, asWritten);
  expect((await readStatementFactors(redis, sql)).costScale).toBeCloseTo(2, 2);
  expect((await readCostModel(redis)).costScales.scan).toBeCloseTo(1.2, 10);
  await recordFanOut(redis, sql, { outsideFragmentsMs: 10, partialRows: 0, meanFragmentMs: 40 }, { ...asWritten, side: 'fan-out', factorUsed: 1 });
  expect(await readStatementFactors(redis, sql)).toMatchObject({ fanOutScale: 1.5 });
  expect(await readCostModel(redis)).toMatchObject({ fanOutScales: { scan: 1.2 }, fanOutMs: DEFAULT_COST_MODEL.fanOutMs * 0.9 });
  expect(await readStatementFactors(redis, 'SELECT count(*) FROM events WHERE true')).toEqual({});
  // Sent as psql and Grafana send it, it is planned with what its plan's text learned.
  expect(await readStatementFactors(redis, `${sql};\n`)).toEqual(await readStatementFactors(redis, sql));
  // Forgotten a week after it last taught anything.
  expect(await redis.ttl(statementKey(sql))).toBeGreaterThan(6 * 24 * 3600);
});

test("a split by values teaches the statement's own factor for such splits; a try as written is noted beside its factors and kept as long", async () => {
  const sql = 'SELECT count(DISTINCT user_id) FROM events';
  const fannedOut = { queryClass: 'grouped' as const, side: 'fan-out' as const, predictedMs: 110, actualMs: 60, fixedMs: 10, factorUsed: 1 };
  await recordFanOut(redis, sql, null, { ...fannedOut, splitByValues: true });
  expect(await readStatementFactors(redis, sql)).toEqual({ valueSplitScale: 0.75 });
  await recordExplored(redis, sql);
  expect(await readStatementFactors(redis, sql)).toEqual({ valueSplitScale: 0.75, explored: true });
  expect(await redis.ttl(statementKey(sql))).toBeGreaterThan(6 * 24 * 3600);
  // A later lesson keeps the note.
  await recordObservation(redis, sql, { ...fannedOut, side: 'as-written', predictedMs: 100, actualMs: 100, fixedMs: 0 });
  expect(await readStatementFactors(redis, sql)).toMatchObject({ explored: true, costScale: 1 });
});

test('small queries teach nothing, and a damaged or old entry reads as the default', async () => {
  await recordObservation(redis, 'SELECT 1', { queryClass: 'scan', side: 'as-written', predictedMs: 2, actualMs: 40, fixedMs: 0 });
  expect(await redis.exists('pgfan:cost-model')).toBe(0);
  await redis.hset('pgfan:cost-model', { 'costScale:scan': 'nope', 'costScale:rows': '-3', costScale: '7', 'fanOutScale:scan': 'NaN' });
  expect(await readCostModel(redis)).toEqual(DEFAULT_COST_MODEL);
});

test("the database's measured parallelism, speed and workers' start-up are shared as they are; nonsense reads as unmeasured", async () => {
  await recordSettledFigures(
    redis,
    { inForce: { databaseParallelism: 1.9, msPerCost: 0.0023, parallelStartMs: 23.5, parallelWorkerStartMs: 11 }, pending: null },
    1,
  );
  expect(await readCostModel(redis)).toMatchObject({ databaseParallelism: 1.9, msPerCost: 0.0023, parallelStartMs: 23.5, parallelWorkerStartMs: 11 });
  await redis.hset('pgfan:cost-model', 'databaseParallelism', '0.2', 'msPerCost', '0', 'parallelStartMs', '-1', 'parallelWorkerStartMs', 'x');
  expect(await readCostModel(redis)).toMatchObject({
    databaseParallelism: null,
    msPerCost: DEFAULT_COST_MODEL.msPerCost,
    parallelStartMs: null,
    parallelWorkerStartMs: null,
  });
});

test("a fan-out's fixed cost and fragments' time are learned into the shared model; damaged values read as the default", async () => {
  await recordFanOut(redis, 'SELECT 1', { outsideFragmentsMs: 10, partialRows: 0, meanFragmentMs: 40 });
  expect(await readCostModel(redis)).toMatchObject({ fanOutMs: DEFAULT_COST_MODEL.fanOutMs * 0.9, fragmentMs: 40 });
  await recordFanOut(redis, 'SELECT 1', { outsideFragmentsMs: -1, partialRows: 0, meanFragmentMs: -1 });
  expect(await readCostModel(redis)).toMatchObject({ fanOutMs: DEFAULT_COST_MODEL.fanOutMs * 0.9, fragmentMs: 40 });
  expect((await readCostModel(redis)).costScales).toEqual(DEFAULT_COST_MODEL.costScales);
  await redis.hset('pgfan:cost-model', 'fanOutMs', '-4', 'fragmentMs', 'x');
  expect(await readCostModel(redis)).toMatchObject({ fanOutMs: DEFAULT_COST_MODEL.fanOutMs, fragmentMs: null });
});

test('a fan-out the model chose teaches its scan and its fixed costs together; other fields stand', async () => {
  await recordSettledFigures(
    redis,
    { inForce: { databaseParallelism: 1.9, msPerCost: 0.0023, parallelStartMs: 23.5, parallelWorkerStartMs: 11 }, pending: null },
    1,
  );
  const scanned = { queryClass: 'distinct' as const, side: 'fan-out' as const, predictedMs: 110, actualMs: 210, fixedMs: 10 };
  await recordFanOut(redis, 'SELECT 1', { outsideFragmentsMs: 10, partialRows: 0, meanFragmentMs: 40 }, scanned);
  expect(await readCostModel(redis)).toMatchObject({
    fanOutScales: { ...DEFAULT_COST_MODEL.fanOutScales, distinct: 1.2 },
    fanOutMs: DEFAULT_COST_MODEL.fanOutMs * 0.9,
    fragmentMs: 40,
    databaseParallelism: 1.9,
    parallelStartMs: 23.5,
  });
  // Only what moved was written: the scales of other classes are still unset, not written as defaults.
  expect(await redis.hexists('pgfan:cost-model', 'costScale:scan')).toBe(0);
});

describe('what a finished fan-out teaches', () => {
  const run = { executeMs: 40, combineMs: 3, generation: 1, combineAttempts: 1, plannedBehind: false };
  const fragment = (startedAt: number, ms: number, rowCount = 1, attempts = 1) => ({ startedAt, ms, rowCount, attempts });

  test('its time outside the window from the first fragment start to the last fragment end, its partial rows and its mean fragment', () => {
    // Fragments from t=1000 to t=1030: 30 ms of the 43 were theirs, waves and all.
    expect(fanOutObservation([fragment(1000, 12, 5), fragment(1002, 28, 7), fragment(1014, 10)], run)).toEqual({
      outsideFragmentsMs: 13,
      partialRows: 13,
      meanFragmentMs: 50 / 3,
    });
  });

  test('planned behind other fragments, its time outside its own holds a wait: only its fragments teach', () => {
    expect(fanOutObservation([fragment(1000, 10), fragment(1001, 20)], { ...run, plannedBehind: true })).toEqual({ partialRows: 2, meanFragmentMs: 15 });
  });

  test('nothing from a retried fragment or combine, a later generation, an unknown start or an old worker', () => {
    const ok = [fragment(1000, 10), fragment(1001, 10)];
    expect(fanOutObservation(ok, run)).not.toBeNull();
    expect(fanOutObservation([fragment(1000, 10), fragment(1001, 10, 1, 2)], run)).toBeNull();
    expect(fanOutObservation(ok, { ...run, combineAttempts: 2 })).toBeNull();
    expect(fanOutObservation(ok, { ...run, generation: 2 })).toBeNull();
    expect(fanOutObservation(ok, { ...run, executeMs: null })).toBeNull();
    expect(fanOutObservation([{ ms: 10, rowCount: 1, attempts: 1 }, fragment(1001, 10)], run)).toBeNull();
    expect(fanOutObservation([], run)).toBeNull();
  });
});
