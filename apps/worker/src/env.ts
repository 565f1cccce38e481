/** The worker's settings, parsed once at start. */
import { hostname } from 'node:os';
import type { QueryPoolOptions } from '@pgfan/engine';
import { coordinationEnv, databaseUrl, envBoolean, envInteger, parseEnv, queryServerSpecs, querySessionEnv, loggingEnv, redisUrl } from '@pgfan/runtime';
import { z } from 'zod';

export const WorkerEnv = z.object({
  DATABASE_URL: databaseUrl,
  REDIS_URL: redisUrl,
  ...querySessionEnv,
  ...coordinationEnv,
  ...loggingEnv,
  /** Shown in the dashboard and in fragment records. */
  WORKER_ID: z
    .string()
    .min(1)
    .max(60)
    .regex(/^[\w.-]+$/, 'letters, digits, ".", "_" and "-" only')
    .optional(),
  /** Fragments this process runs at once. */
  WORKER_CONCURRENCY: envInteger(2, 1, 256),
  /** Combines this process runs at once. */
  COMBINE_CONCURRENCY: envInteger(2, 1, 256),
  /**
   * How long a coordinator tries for an exact cut across replicas (a query asking for `servers`)
   * before it reads one server instead; each try pauses replay on them for a few milliseconds.
   */
  CUT_TIMEOUT_MS: envInteger(500, 0, 60_000),
  /**
   * A fan-out whose request does not say `servers` is spread over the replicas with free capacity
   * when the cost model predicts its fragments take at least this long (a cut costs milliseconds
   * and pauses replay); 0 spreads every fan-out it can. With AUTO_SPREAD=false, only when asked.
   */
  SPREAD_MIN_MS: envInteger(250, 0, 86_400_000),
  AUTO_SPREAD: envBoolean(true),
  /** Partial rows a fragment passes through Redis; more are spilled to PostgreSQL. */
  INLINE_PARTIAL_ROWS: envInteger(10_000, 0, 10_000_000),
  /** Result rows kept in the query record. */
  RESULT_MAX_ROWS: envInteger(10_000, 1, 10_000_000),
  /** Result bytes (as JSON) kept in the query record. */
  RESULT_MAX_BYTES: envInteger(10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  /** How long a job's lock lasts; a crashed worker's jobs are retried after about this long. */
  LOCK_DURATION_MS: envInteger(30_000, 1000, 600_000),
  STALLED_INTERVAL_MS: envInteger(15_000, 500, 600_000),
  /**
   * How many times a job may lose its worker (killed, out of memory, scaled away past
   * SHUTDOWN_TIMEOUT_MS) and still run again; past it the query fails with WORKER_LOST. Bounded
   * so that a job that kills every worker it runs on cannot take the pool down in turn.
   */
  MAX_STALLS: envInteger(2, 0, 100),
  /** How often to fail queries whose deadline passed long ago (their workers or Redis died). */
  REAPER_INTERVAL_MS: envInteger(5000, 100, 600_000),
  /** How long finished queries' records (and results) are kept; 0 keeps them all. */
  HISTORY_RETENTION_HOURS: envInteger(168, 0, 87_600),
  /**
   * How many bytes of records and results (as JSON text, before PostgreSQL compresses them) the
   * history keeps: past it, the oldest finished records go. 0 sets no bound. @defaultValue 1 GiB
   */
  HISTORY_MAX_BYTES: envInteger(1024 ** 3, 0, 2 ** 50),
  HEARTBEAT_INTERVAL_MS: envInteger(2000, 100, 60_000),
  /** How long SIGTERM waits for running jobs before handing them back. */
  SHUTDOWN_TIMEOUT_MS: envInteger(25_000, 0, 3_600_000),
  /** Port of the liveness endpoint (GET /healthz) for containers; 0 serves none. */
  HEALTH_PORT: envInteger(0, 0, 65_535),
});
export type WorkerEnv = z.infer<typeof WorkerEnv> & { WORKER_ID: string };

/** @throws ConfigError naming the bad setting. */
export function loadWorkerEnv(env: NodeJS.ProcessEnv): WorkerEnv {
  const parsed = parseEnv(WorkerEnv, env);
  queryServerSpecs(parsed.QUERY_DATABASE_URL ?? parsed.DATABASE_URL, parsed.REPLICA_URLS, parsed.READ_FROM);
  return { ...parsed, WORKER_ID: parsed.WORKER_ID ?? `${hostname()}-${process.pid}` };
}

/**
 * The worker's sessions on each server: fragments and combines, plus one per coordinated query
 * for its snapshot, opened only as they are needed. Up to ten workers share the database's
 * connections, so idle ones go back soon, but not the fragments' own: two per slot, as a slot's
 * next fragment starts while the session of its last one still ends its transaction. Given back
 * after each pause, a fan-out sent every minute or so (a dashboard's refresh) opened a session,
 * its catalog cache cold, on every run.
 */
export function queryPoolOptions(env: WorkerEnv): Omit<QueryPoolOptions, 'connectionString'> {
  const max = env.WORKER_CONCURRENCY + env.COMBINE_CONCURRENCY + env.COORDINATE_CONCURRENCY;
  return {
    lockTimeoutMs: env.LOCK_TIMEOUT_MS,
    idleInTransactionTimeoutMs: env.IDLE_IN_TRANSACTION_TIMEOUT_MS,
    max,
    applicationName: `pgfan-worker ${env.WORKER_ID}`,
    idleTimeoutMs: 10_000,
    keepIdle: Math.min(2 * env.WORKER_CONCURRENCY, max),
  };
}
