/**
 * Live fragment progress, kept in Redis while a query runs (one hash per query, expiring with
 * it) and folded into the record when the query finishes.
 */
import type { FragmentProgress } from '@pgfan/contracts';
import type { Redis } from 'ioredis';
import { publishQueryEvents, type NewQueryEvent } from './events';

export type LiveFragment = Omit<FragmentProgress, 'range'>;

const key = (queryId: string) => `pgfan:progress:${queryId}`;

/** Records a fragment's live state and publishes its event, sent together. */
export function reportFragment(redis: Redis, queryId: string, fragment: LiveFragment, ttlMs: number, event: NewQueryEvent): Promise<void> {
  return publishQueryEvents(redis, [event], (sender) =>
    Promise.all([sender.hset(key(queryId), `f${fragment.index}`, JSON.stringify(fragment)), sender.pexpire(key(queryId), ttlMs)]),
  );
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

/** Drops a query's live progress (it is in the record now). */
export function clearFragmentProgress(redis: Redis, queryId: string): Promise<number> {
  return redis.del(key(queryId));
}

/** Overlays live progress on the fragments of a record. */
export function withLiveProgress(fragments: FragmentProgress[], live: Map<number, LiveFragment>): FragmentProgress[] {
  return fragments.map((f) => ({ ...f, ...(live.get(f.index) ?? {}) }));
}
