/**
 * The cost model's learned scale, shared by every API and worker process through Redis: the API
 * reads them to plan, and whoever finishes a query records how its time compared with the
 * prediction. Concurrent updates may overwrite each other; a lost observation only slows learning.
 */
import { DEFAULT_COST_MODEL, learn, type CostModel, type Observation } from '@pgfan/planner';
import type { Redis } from 'ioredis';

const KEY = 'pgfan:cost-model';

export async function readCostModel(redis: Redis): Promise<CostModel> {
  const stored = Number((await redis.hget(KEY, 'costScale')) ?? NaN);
  return { ...DEFAULT_COST_MODEL, costScale: Number.isFinite(stored) && stored > 0 ? stored : DEFAULT_COST_MODEL.costScale };
}

/** Moves the learned scale toward what `observation` saw (see `learn`). */
export async function recordObservation(redis: Redis, observation: Observation): Promise<void> {
  const before = await readCostModel(redis);
  const after = learn(before, observation);
  if (after === before) return;
  await redis.hset(KEY, 'costScale', String(after.costScale));
}
