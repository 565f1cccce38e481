/**
 * Worker heartbeats: each worker process writes who it is and how it is doing every couple of
 * seconds, with a TTL, so a worker that dies drops out of the list within seconds. The local
 * supervisor reports its scaling decisions the same way.
 */
import { WorkerScale, type WorkerHeartbeat } from '@pgfan/contracts';
import type { Redis } from 'ioredis';

const KEY = (id: string) => `pgfan:worker:${id}`;
const INDEX = 'pgfan:workers';

export async function writeHeartbeat(redis: Redis, beat: WorkerHeartbeat, ttlMs: number): Promise<void> {
  await redis
    .multi()
    .set(KEY(beat.id), JSON.stringify(beat), 'PX', ttlMs)
    .zadd(INDEX, Date.now() + ttlMs, beat.id)
    .exec();
}

export async function removeHeartbeat(redis: Redis, id: string): Promise<void> {
  await redis.multi().del(KEY(id)).zrem(INDEX, id).exec();
}

/** Workers whose heartbeat has not expired. */
export async function liveWorkers(redis: Redis): Promise<WorkerHeartbeat[]> {
  await redis.zremrangebyscore(INDEX, '-inf', Date.now());
  const ids = await redis.zrange(INDEX, 0, -1);
  if (ids.length === 0) return [];
  const beats = await redis.mget(ids.map(KEY));
  return beats.filter((b): b is string => b !== null).map((b) => JSON.parse(b) as WorkerHeartbeat);
}

const SCALE_KEY = 'pgfan:scaler';

/** The supervisor's latest decision, kept for `ttlMs` so a supervisor that dies stops reporting. */
export async function writeScale(redis: Redis, scale: WorkerScale, ttlMs: number): Promise<void> {
  await redis.set(SCALE_KEY, JSON.stringify(scale), 'PX', ttlMs);
}

export async function removeScale(redis: Redis): Promise<void> {
  await redis.del(SCALE_KEY);
}

/** The supervisor's latest decision, or null when no supervisor reports. */
export async function readScale(redis: Redis): Promise<WorkerScale | null> {
  const stored = await redis.get(SCALE_KEY);
  const parsed = stored === null ? null : WorkerScale.safeParse(JSON.parse(stored));
  return parsed?.success ? parsed.data : null;
}
