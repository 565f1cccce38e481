/** Redis connections, configured for what each one is for. */
import { Redis } from 'ioredis';

export type RedisRole =
  /** BullMQ workers: must retry forever (`maxRetriesPerRequest: null`). */
  | 'worker'
  /** Request paths: fail fast instead of queueing commands while Redis is down. */
  | 'producer'
  /** Pub/sub subscriptions. */
  | 'subscriber';

export function createRedis(url: string, role: RedisRole, name: string): Redis {
  return new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: role === 'producer' ? 1 : null,
    enableOfflineQueue: role !== 'producer',
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
}

/** Resolves once `redis` is connected, or rejects after `timeoutMs`. */
export function redisReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no answer from Redis within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}
