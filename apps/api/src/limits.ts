/**
 * Backpressure: per-key submission rates (counted in Redis, so every API replica shares them)
 * and caps on unfinished queries (counted by the store as it inserts, see `insertQuery`). Past
 * a limit a client gets 429 (its own limit) or 503 (the system's) with Retry-After, instead of
 * an ever longer queue.
 */
import type { Admission } from '@pgfan/store';
import { scripted } from '@pgfan/dispatch';
import type { Redis } from 'ioredis';
import { ServiceError } from './errors';

/**
 * Counts one submission by `client` in the current second; false once it is past `perSecond`.
 * A Redis failure admits the query: the queue it is about to join will report that itself.
 */
export async function withinRate(redis: Redis, client: string, perSecond: number): Promise<boolean> {
  if (perSecond <= 0) return true;
  const key = `pgfan:rate:${client}:${Math.floor(Date.now() / 1000)}`;
  try {
    return Number(await scripted(redis, RATE_SCRIPTS).pgfanCountSubmission(key, 2000)) <= perSecond;
  } catch {
    return true;
  }
}

/** The second's count, kept 2 s, in one atomic command rather than a MULTI (`scripted`): every request with a key counts. */
const RATE_SCRIPTS = {
  pgfanCountSubmission: {
    numberOfKeys: 1,
    lua: "local n = redis.call('INCR', KEYS[1]); if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end; return n",
  },
};

export function rateLimited(perSecond: number): ServiceError {
  return new ServiceError(
    'RATE_LIMITED',
    `this API key submitted more than ${perSecond} queries in one second (RATE_LIMIT_PER_SECOND); slow down`,
    undefined,
    1,
  );
}

/** The error for a query the store did not admit. */
export function notAdmitted(refusal: Exclude<Admission, { admitted: true }>, limits: { maxActive: number; maxActivePerClient: number }): ServiceError {
  return refusal.limit === 'active'
    ? new ServiceError(
        'OVERLOADED',
        `the service is at its limit of ${limits.maxActive} unfinished queries (MAX_ACTIVE_QUERIES); try again shortly`,
        undefined,
        2,
      )
    : new ServiceError(
        'TOO_MANY_QUERIES',
        `this API key already has ${refusal.clientActive} unfinished queries, its limit (MAX_ACTIVE_QUERIES_PER_KEY); wait for some to finish, or cancel them`,
        undefined,
        1,
      );
}
