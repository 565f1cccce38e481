/** The API's settings, parsed once at start. */
import { databaseUrl, envInteger, parseEnv, redisUrl } from '@pgfan/dispatch';
import { z } from 'zod';

export const ApiEnv = z.object({
  DATABASE_URL: databaseUrl,
  REDIS_URL: redisUrl,
  PORT: envInteger(3000, 0, 65_535),
  /** Address to listen on; containers set 0.0.0.0. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Deadline of a query that does not ask for one. */
  DEFAULT_TIMEOUT_MS: envInteger(60_000, 100, 86_400_000),
  /** Longest deadline a request may ask for. */
  MAX_TIMEOUT_MS: envInteger(600_000, 100, 86_400_000),
  /** Longest `?wait=` a request may ask for. */
  MAX_WAIT_MS: envInteger(60_000, 0, 3_600_000),
  /** Longest a query's planning may take (its statements wait on locks, e.g. behind ALTER TABLE). */
  PLANNING_TIMEOUT_MS: envInteger(30_000, 100, 3_600_000),
  /** Largest request body, in bytes. */
  MAX_BODY_BYTES: envInteger(256 * 1024, 1024, 64 * 1024 * 1024),
  /**
   * Queries that run as written and are predicted to take at most this long are run by the API
   * itself when the client waits for them (`?wait=`); 0 sends every query through the workers.
   */
  INLINE_MAX_MS: envInteger(50, 0, 60_000),
  /** How long a decision to run a query as written is reused for the same SQL text; 0 plans every query afresh. */
  PLAN_CACHE_MS: envInteger(5_000, 0, 3_600_000),
  /** Result rows and bytes kept in a record (as the workers' settings of the same names). */
  RESULT_MAX_ROWS: envInteger(10_000, 1, 10_000_000),
  RESULT_MAX_BYTES: envInteger(10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  /** On Kubernetes: the HorizontalPodAutoscaler of the workers, whose replica counts the dashboard shows. */
  WORKER_HPA_NAME: z.string().min(1).optional(),
});
export type ApiEnv = z.infer<typeof ApiEnv>;

/** @throws ConfigError naming the bad setting. */
export function loadApiEnv(env: NodeJS.ProcessEnv): ApiEnv {
  const parsed = parseEnv(ApiEnv, env);
  if (parsed.DEFAULT_TIMEOUT_MS > parsed.MAX_TIMEOUT_MS) {
    throw new Error(`invalid setting DEFAULT_TIMEOUT_MS: must not exceed MAX_TIMEOUT_MS (${parsed.MAX_TIMEOUT_MS})`);
  }
  return parsed;
}
