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

/** A Lua script run as one command: how many of its arguments are keys, and its text. */
export interface RedisScript {
  numberOfKeys: number;
  lua: string;
}

/** A connection with scripts defined on it, each a command taking its keys, then its arguments. */
export type Scripted<Name extends string> = Redis & Record<Name, (...keysAndArgs: (string | number)[]) => Promise<unknown>>;

/**
 * `redis` with `scripts` defined on it as commands (once per connection; ioredis sends EVALSHA,
 * and the script itself when Redis lacks it). For what must be one write or atomic: a pipeline or
 * MULTI on a connection BullMQ shares copies each of its 64 scripts into the pipeline when it is
 * made, 150–190 µs of CPU a write here against 70–90 for a command.
 */
export function scripted<Name extends string>(redis: Redis, scripts: Record<Name, RedisScript>): Scripted<Name> {
  const commands = redis as Scripted<Name>;
  for (const [name, script] of Object.entries(scripts) as [Name, RedisScript][]) {
    if (typeof commands[name] !== 'function') redis.defineCommand(name, script);
  }
  return commands;
}
