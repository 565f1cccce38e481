/** Redis connections, configured for what each one is for. */
import { Redis } from 'ioredis';

export type RedisRole =
  /** BullMQ workers: must retry forever (`maxRetriesPerRequest: null`). */
  | 'worker'
  /** Request paths: fail fast instead of queueing commands while Redis is down. */
  | 'producer'
  /** Pub/sub subscriptions. */
  | 'subscriber';

/**
 * A Redis connection that reconnects on its own. Connection errors are reported once per
 * outage through `log` (and again when it recovers), never as an unhandled-error stack trace
 * per retry.
 */
export function createRedis(url: string, role: RedisRole, name: string, log: (message: string) => void = () => undefined): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: role === 'producer' ? 1 : null,
    enableOfflineQueue: role !== 'producer',
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
  // Before the first connection, start-up reports the failure (see redisReady).
  let connected = false;
  let down = false;
  redis.on('error', (error: Error) => {
    if (!connected || down) return;
    down = true;
    log(`Redis connection (${name}) lost: ${error.message}; reconnecting`);
  });
  redis.on('ready', () => {
    connected = true;
    if (!down) return;
    down = false;
    log(`Redis connection (${name}) back`);
  });
  return redis;
}

/** Resolves once `redis` is connected; rejects at its first connection error, or after `timeoutMs`. */
export function redisReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`no answer from Redis within ${timeoutMs} ms`)), timeoutMs);
    const onReady = () => finish();
    const onError = (error: Error) => finish(error);
    const finish = (error?: Error) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      if (error) reject(error);
      else resolve();
    };
    redis.on('ready', onReady);
    redis.on('error', onError);
  });
}
