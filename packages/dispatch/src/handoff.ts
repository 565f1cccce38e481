/**
 * Who combines a generation the API coordinates for a waiting client: the API, when every
 * fragment's end carried its rows (carried.ts), else its combine job. The job is in the flow
 * either way, as the fallback; told that its coordinator combines (`CombineJob.coordinatorCombines`),
 * it first waits for the query's end, or for the API to leave the combine to it, before reading
 * anything, so that the two never combine at once. Leaving is a key (the job may start after it
 * was written) and a message on the events channel (to wake a job already waiting).
 */
import { FINAL_EVENTS, QUERY_EVENTS_CHANNEL, type QueryEventType } from '@pgfan/contracts';
import type { Redis } from 'ioredis';
import type { QueryEventBus } from './events';
import { progressKey } from './progress';
import { scripted } from './redis';

export interface GenerationRef {
  queryId: string;
  generation: number;
}

const leftKey = ({ queryId, generation }: GenerationRef) => `pgfan:combine-left:${queryId}:${generation}`;

/** The message telling a waiting combine job its coordinator left the combine to it: not a query event (listeners pass it over). */
const LEFT = 'combine-left';

const SCRIPTS = {
  // KEYS[1] the key; ARGV: ttl ms, channel, message.
  pgfanLeaveCombine: {
    numberOfKeys: 1,
    lua: "redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]); return redis.call('PUBLISH', ARGV[2], ARGV[3])",
  },
};

/** The coordinator will not combine `run`: its combine job is to. Kept `ttlMs` (past the query's deadline). */
export async function leaveCombineToJob(redis: Redis, run: GenerationRef, ttlMs: number): Promise<void> {
  const message = JSON.stringify([{ type: LEFT, id: run.queryId, generation: run.generation, at: new Date().toISOString() }]);
  await scripted(redis, SCRIPTS).pgfanLeaveCombine(leftKey(run), Math.max(1, Math.round(ttlMs)), QUERY_EVENTS_CHANNEL, message);
}

/**
 * Waits, as a combine job whose coordinator combines, until the query has ended ('ended'), the
 * coordinator left the combine to the job ('left'), or `graceMs` passed with neither (the
 * coordinator died meanwhile: 'unheard'). Listens before it looks, so neither passes unheard.
 * Called once every fragment is done, whose reports made the query's live progress.
 */
export async function coordinatorCombine(events: QueryEventBus, redis: Redis, run: GenerationRef, graceMs: number): Promise<'ended' | 'left' | 'unheard'> {
  let stop: () => void = () => undefined;
  let timer: NodeJS.Timeout | undefined;
  const heard = new Promise<'ended' | 'left' | 'unheard'>((resolve) => {
    stop = events.watch(run.queryId, (event) => {
      if (FINAL_EVENTS.includes(event.type as QueryEventType)) resolve('ended');
      else if (event.type === LEFT && (event as { generation?: unknown }).generation === run.generation) resolve('left');
    });
    timer = setTimeout(() => resolve('unheard'), graceMs);
  });
  try {
    // What passed before the watch began: the handoff's key, or the query's live progress gone
    // with its end (dropped in the same script that publishes the ending). Unread (Redis away):
    // the wait decides.
    const [left, running] = await Promise.all([redis.exists(leftKey(run)), redis.exists(progressKey(run.queryId))]).catch(() => [0, 1]);
    if (left === 1) return 'left';
    if (running === 0) return 'ended';
    return await heard;
  } finally {
    stop();
    clearTimeout(timer);
  }
}
