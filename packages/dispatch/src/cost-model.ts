/**
 * The cost model's learned factors (two per class of query: as written, fanned out), shared by
 * every API and worker process through Redis: the API reads them to plan, and whoever finishes a
 * query records how its time compared with the prediction. Concurrent updates may overwrite each
 * other; a lost observation only slows learning.
 */
import { DEFAULT_COST_MODEL, learn, QUERY_CLASSES, type CostModel, type Observation, type QueryClass } from '@pgfan/planner';
import type { Redis } from 'ioredis';

const KEY = 'pgfan:cost-model';
type Factors = 'costScales' | 'fanOutScales';
const FACTORS: readonly Factors[] = ['costScales', 'fanOutScales'];
/**
 * One hash field per factor and class. Older versions kept a single `costScale`, which is
 * ignored; scales they learned from fan-outs too are kept, and unlearn as queries run as written.
 */
const field = (factors: Factors, cls: QueryClass) => `${factors === 'costScales' ? 'costScale' : 'fanOutScale'}:${cls}`;

/** Measured by the API (`measureParallelism`), not learned. */
const PARALLELISM_FIELD = 'databaseParallelism';

export async function readCostModel(redis: Redis): Promise<CostModel> {
  const fields = FACTORS.flatMap((factors) => QUERY_CLASSES.map((cls) => field(factors, cls)));
  const stored = await redis.hmget(KEY, ...fields, PARALLELISM_FIELD);
  const model = { ...DEFAULT_COST_MODEL, costScales: { ...DEFAULT_COST_MODEL.costScales }, fanOutScales: { ...DEFAULT_COST_MODEL.fanOutScales } };
  for (const [f, factors] of FACTORS.entries()) {
    for (const [i, cls] of QUERY_CLASSES.entries()) {
      const value = Number(stored[f * QUERY_CLASSES.length + i] ?? NaN);
      if (Number.isFinite(value) && value > 0) model[factors][cls] = value;
    }
  }
  const parallelism = Number(stored[fields.length] ?? NaN);
  if (Number.isFinite(parallelism) && parallelism >= 1) model.databaseParallelism = parallelism;
  return model;
}

/** Shares a measured `databaseParallelism` with every process that plans. */
export async function recordDatabaseParallelism(redis: Redis, parallelism: number): Promise<void> {
  await redis.hset(KEY, PARALLELISM_FIELD, String(parallelism));
}

/** Moves the factor the observation teaches, for its class, toward what it saw (see `learn`). */
export async function recordObservation(redis: Redis, observation: Observation): Promise<void> {
  const before = await readCostModel(redis);
  const after = learn(before, observation);
  if (after === before) return;
  const factors: Factors = observation.side === 'fan-out' ? 'fanOutScales' : 'costScales';
  await redis.hset(KEY, field(factors, observation.queryClass), String(after[factors][observation.queryClass]));
}
