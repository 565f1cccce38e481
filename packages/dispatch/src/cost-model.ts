/**
 * The cost model's learned scales, shared by every API and worker process through Redis: the API
 * reads them to plan, and whoever finishes a query records how its time compared with the
 * prediction. Concurrent updates may overwrite each other; a lost observation only slows learning.
 */
import { DEFAULT_COST_MODEL, learn, type CostModel, type Observation } from '@pgfan/planner';
import type { Redis } from 'ioredis';

const KEY = 'pgfan:cost-model';

export async function readCostModel(redis: Redis): Promise<CostModel> {
  const [sequential, fanOut] = await redis.hmget(KEY, 'sequentialScale', 'fanOutScale');
  const scale = (value: string | null | undefined) => (value != null && Number.isFinite(Number(value)) && Number(value) > 0 ? Number(value) : 1);
  return { ...DEFAULT_COST_MODEL, sequentialScale: scale(sequential), fanOutScale: scale(fanOut) };
}

/** Moves the matching scale toward what `observation` saw (see `learn`). */
export async function recordObservation(redis: Redis, observation: Observation): Promise<void> {
  const before = await readCostModel(redis);
  const after = learn(before, observation);
  if (after === before) return;
  await redis.hset(KEY, { sequentialScale: String(after.sequentialScale), fanOutScale: String(after.fanOutScale) });
}
