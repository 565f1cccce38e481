/**
 * Live fragment progress, kept in Redis while a query runs (one hash per query, expiring with
 * it) and folded into the record when the query finishes.
 */
import type { FragmentProgress } from '@pgfan/contracts';
import type { ChainableCommander, Redis } from 'ioredis';

export type LiveFragment = Omit<FragmentProgress, 'range'>;

const key = (queryId: string) => `pgfan:progress:${queryId}`;

export async function setFragmentProgress(redis: Redis, queryId: string, fragment: LiveFragment, ttlMs: number): Promise<void> {
  await redis.multi().hset(key(queryId), `f${fragment.index}`, JSON.stringify(fragment)).pexpire(key(queryId), ttlMs).exec();
}

/** The same, as part of a pipeline. */
export function setFragmentProgressIn(pipeline: ChainableCommander, queryId: string, fragment: LiveFragment, ttlMs: number): void {
  pipeline.hset(key(queryId), `f${fragment.index}`, JSON.stringify(fragment)).pexpire(key(queryId), ttlMs);
}

/** Live progress by fragment index; empty when the query is not running (or Redis lost it). */
export async function getFragmentProgress(redis: Redis, queryId: string): Promise<Map<number, LiveFragment>> {
  const fields = await redis.hgetall(key(queryId));
  return new Map(
    Object.values(fields).map((json) => {
      const f = JSON.parse(json) as LiveFragment;
      return [f.index, f];
    }),
  );
}

export async function clearFragmentProgress(redis: Redis, queryId: string): Promise<void> {
  await redis.del(key(queryId));
}

/** The same, as part of a pipeline. */
export function clearFragmentProgressIn(pipeline: ChainableCommander, queryId: string): void {
  pipeline.del(key(queryId));
}

/** Overlays live progress on the fragments of a record. */
export function withLiveProgress(fragments: FragmentProgress[], live: Map<number, LiveFragment>): FragmentProgress[] {
  return fragments.map((f) => ({ ...f, ...(live.get(f.index) ?? {}) }));
}
