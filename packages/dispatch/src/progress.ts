/**
 * Live fragment progress, kept in Redis while a query runs (one hash per query, expiring with
 * it) and folded into the record when the query finishes.
 */
import { QUERY_EVENTS_CHANNEL, type FragmentProgress, type QueryView } from '@pgfan/contracts';
import type { Redis } from 'ioredis';
import { queryEventsMessage, type NewQueryEvent } from './events';
import type { Signed } from './queues';
import { scripted } from './redis';

export type LiveFragment = Omit<FragmentProgress, 'range'>;

/** The hash of a query's live progress: there from its first fragment's report until its end's (`endProgress`). */
export const progressKey = (queryId: string) => `pgfan:progress:${queryId}`;

/** Each a progress change and the events telling of it, in one command: one write to Redis, and applied together (`scripted`). */
const SCRIPTS = {
  // KEYS[1] the progress hash; ARGV: field, fragment JSON, ttl ms, channel, message.
  pgfanReportFragment: {
    numberOfKeys: 1,
    lua: "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]); redis.call('PEXPIRE', KEYS[1], ARGV[3]); return redis.call('PUBLISH', ARGV[4], ARGV[5])",
  },
  // KEYS[1] the progress hash; ARGV: channel, message.
  pgfanEndProgress: { numberOfKeys: 1, lua: "redis.call('DEL', KEYS[1]); return redis.call('PUBLISH', ARGV[1], ARGV[2])" },
};

/** Records a fragment's live state and publishes its event, which may carry its rows (`outputToCarry`). */
export async function reportFragment(
  redis: Redis,
  queryId: string,
  fragment: LiveFragment,
  ttlMs: number,
  event: NewQueryEvent,
  carried?: object,
): Promise<void> {
  await scripted(redis, SCRIPTS).pgfanReportFragment(
    progressKey(queryId),
    `f${fragment.index}`,
    JSON.stringify(fragment),
    ttlMs,
    QUERY_EVENTS_CHANNEL,
    queryEventsMessage([event], carried),
  );
}

/**
 * Drops a query's live progress (it is in the record now) and publishes the events of its end,
 * the last one carrying `record` when given (`recordToCarry`).
 */
export async function endProgress(redis: Redis, queryId: string, events: NewQueryEvent[], record?: Signed<QueryView>): Promise<void> {
  await scripted(redis, SCRIPTS).pgfanEndProgress(progressKey(queryId), QUERY_EVENTS_CHANNEL, queryEventsMessage(events, record));
}

/** Live progress by fragment index; empty when the query is not running (or Redis lost it). */
export async function getFragmentProgress(redis: Redis, queryId: string): Promise<Map<number, LiveFragment>> {
  const fields = await redis.hgetall(progressKey(queryId));
  return new Map(
    Object.values(fields).map((json) => {
      const f = JSON.parse(json) as LiveFragment;
      return [f.index, f];
    }),
  );
}

/** Overlays live progress on the fragments of a record. */
export function withLiveProgress(fragments: FragmentProgress[], live: Map<number, LiveFragment>): FragmentProgress[] {
  return fragments.map((f) => ({ ...f, ...(live.get(f.index) ?? {}) }));
}
