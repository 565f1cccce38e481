/**
 * Start-up of a service process (API or worker): the read-write pool for the history (migrated),
 * a Redis connection for commands and one for query events. Either being unreachable is
 * one clear line, not a loop of stack traces.
 */
import { auditQueryRole, IDLE_SESSION_MS, survivingConnectionErrors } from '@pgfan/engine';
import { migrate } from '@pgfan/store';
import type { Redis } from 'ioredis';
import { Pool } from 'pg';
import { createRedis, QueryEventBus, redisReady, type RedisRole } from '@pgfan/dispatch';
import { ConfigError, redactUrl } from './config';
import type { Logger } from './logger';

export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
}

export interface Services {
  storePool: Pool;
  redis: Redis;
  events: QueryEventBus;
}

export interface ServiceOptions {
  databaseUrl: string;
  redisUrl: string;
  /** Names the connections in pg_stat_activity and Redis CLIENT LIST. */
  name: string;
  redisRole: Extract<RedisRole, 'worker' | 'producer'>;
  storePoolSize: number;
  logger: Logger;
}

/** @throws UnreachableError naming what could not be reached, and why. */
export async function connectServices(options: ServiceOptions): Promise<Services> {
  const storePool = survivingConnectionErrors(
    new Pool({
      connectionString: options.databaseUrl,
      max: options.storePoolSize,
      application_name: `${options.name} store`,
      // As the query pool's: the record's insert and finish are on every query's path, and the
      // sessions for them stay open through any pause.
      idleTimeoutMillis: IDLE_SESSION_MS,
      min: 2,
    }),
  );
  try {
    await storePool.query('SELECT 1');
  } catch (error) {
    await storePool.end();
    throw new UnreachableError(`cannot reach PostgreSQL at ${redactUrl(options.databaseUrl)}: ${(error as Error).message}`);
  }
  const warn = (message: string) => options.logger.warn(message);
  const redis = createRedis(options.redisUrl, options.redisRole, options.name, warn);
  const subscriber = createRedis(options.redisUrl, 'subscriber', `${options.name} events`, warn);
  try {
    await Promise.all([redisReady(redis, 5000), redisReady(subscriber, 5000)]);
  } catch (error) {
    redis.disconnect();
    subscriber.disconnect();
    await storePool.end();
    throw new UnreachableError(`cannot reach Redis at ${redactUrl(options.redisUrl)}: ${(error as Error).message}`);
  }
  await migrate(storePool);
  const events = new QueryEventBus(subscriber);
  await events.ready();
  return { storePool, redis, events };
}

/**
 * Audits the role users' queries run as (on `queryPool`) before the process serves anyone. A role
 * that can do more than read what it was given stops the start with one line saying what it can
 * do, unless `allowPrivileged`, which logs that line as a warning instead, at every start.
 * @throws ConfigError naming the role and what it may do.
 * @throws UnreachableError when the query database cannot be reached.
 */
export async function checkQueryRole(queryPool: Pool, options: { url: string; allowPrivileged: boolean; logger: Logger }): Promise<void> {
  const audit = await auditQueryRole(queryPool).catch((error: unknown) => {
    throw new UnreachableError(`cannot reach PostgreSQL at ${redactUrl(options.url)} (QUERY_DATABASE_URL): ${(error as Error).message}`);
  });
  if (audit.problems.length === 0) return;
  const what = `the role users' queries run as (${audit.role}) ${audit.problems.join('; ')}`;
  if (options.allowPrivileged) {
    options.logger.warn(`${what}. Users' SQL can do all of that (ALLOW_PRIVILEGED_QUERY_ROLE=true)`);
    return;
  }
  throw new ConfigError(
    `${what}: users' SQL must run as a role that only reads. Create one (npm run query-role, or docs/security.md) and set QUERY_DATABASE_URL to it, or set ALLOW_PRIVILEGED_QUERY_ROLE=true to run anyway`,
  );
}
