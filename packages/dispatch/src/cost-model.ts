/**
 * The cost model's learned scales (one per class of query), shared by every API and worker process through Redis: the API
 * reads them to plan, and whoever finishes a query records how its time compared with the
 * prediction. Concurrent updates may overwrite each other; a lost observation only slows learning.
 */
import { DEFAULT_COST_MODEL, learn, QUERY_CLASSES, type CostModel, type Observation, type QueryClass } from '@pgfan/planner';
import type { Redis } from 'ioredis';

const KEY = 'pgfan:cost-model';
/** One hash field per class; older versions kept a single `costScale`, which is ignored. */
const field = (cls: QueryClass) => `costScale:${cls}`;

export async function readCostModel(redis: Redis): Promise<CostModel> {
  const stored = await redis.hmget(KEY, ...QUERY_CLASSES.map(field));
  const costScales = { ...DEFAULT_COST_MODEL.costScales };
  for (const [i, cls] of QUERY_CLASSES.entries()) {
    const value = Number(stored[i] ?? NaN);
    if (Number.isFinite(value) && value > 0) costScales[cls] = value;
  }
  return { ...DEFAULT_COST_MODEL, costScales };
}

/** Moves the learned scale of the observation's class toward what it saw (see `learn`). */
export async function recordObservation(redis: Redis, observation: Observation): Promise<void> {
  const before = await readCostModel(redis);
  const after = learn(before, observation);
  if (after === before) return;
  await redis.hset(KEY, field(observation.queryClass), String(after.costScales[observation.queryClass]));
}
