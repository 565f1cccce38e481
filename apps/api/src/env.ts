/** The API's settings, parsed once at start. */
import { MAX_REQUEST_PARTITIONS } from '@pgfan/contracts';
import {
  ConfigError,
  coordinationEnv,
  databaseUrl,
  envInteger,
  envList,
  loggingEnv,
  parseEnv,
  queryServerSpecs,
  querySessionEnv,
  redisUrl,
} from '@pgfan/runtime';
import { parseAllowList, type QueryPoolOptions } from '@pgfan/engine';
import { z } from 'zod';

/** Shortest API key accepted: shorter ones can be guessed. */
export const MIN_KEY_LENGTH = 16;

export const ApiEnv = z.object({
  DATABASE_URL: databaseUrl,
  REDIS_URL: redisUrl,
  ...querySessionEnv,
  ...coordinationEnv,
  ...loggingEnv,
  PORT: envInteger(3000, 0, 65_535),
  /**
   * Port for PostgreSQL clients (psql, Grafana, JDBC, …), on HOST like HTTP; 0 picks a free one,
   * `off` does not listen. Off by itself when ALLOWED_RELATIONS is set (see docs/postgres-protocol.md).
   */
  PG_PORT: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return 5433;
      if (v === 'off') return null;
      if (!/^\d+$/.test(v) || Number(v) > 65_535) {
        ctx.addIssue({ code: 'custom', message: 'must be a port number from 0 to 65535, or off' });
        return z.NEVER;
      }
      return Number(v);
    }),
  /** PEM certificate (chain) and private key files for TLS on the PostgreSQL port; both or neither. */
  PG_TLS_CERT: z.string().min(1).optional(),
  PG_TLS_KEY: z.string().min(1).optional(),
  /** PostgreSQL clients connected at once, at most; each holds a session on the database. */
  PG_MAX_CLIENTS: envInteger(100, 1, 100_000),
  /** Address to listen on; containers set 0.0.0.0. Unset, it is 127.0.0.1. */
  HOST: z.string().min(1).optional(),
  /** Comma-separated API keys; with none here or in pgfan.api_keys, authentication is off. */
  API_KEYS: envList(),
  /** Comma-separated admin keys: they see and cancel every query and may use Bull Board's actions. */
  ADMIN_KEYS: envList(),
  /** How often keys in pgfan.api_keys are read again: a new or revoked key takes effect within this. */
  API_KEYS_REFRESH_MS: envInteger(5000, 100, 3_600_000),
  /** Origins (e.g. https://bi.example.com) whose pages may call the API; none by default. */
  CORS_ORIGINS: envList(),
  /** Tables queries may read, e.g. `public.*, sales.orders`; unset, whatever the database role may read. */
  ALLOWED_RELATIONS: z.string().optional(),
  /** Queries one API key may submit per second; 0 for no limit. */
  RATE_LIMIT_PER_SECOND: envInteger(200, 0, 1_000_000),
  /** Unfinished queries one API key may have; 0 for no limit. */
  MAX_ACTIVE_QUERIES_PER_KEY: envInteger(50, 0, 1_000_000),
  /** Unfinished queries of everyone together; past it, new ones get 503. 0 for no limit. */
  MAX_ACTIVE_QUERIES: envInteger(1000, 0, 10_000_000),
  /** Longest SQL text accepted, in characters. */
  MAX_SQL_LENGTH: envInteger(100_000, 100, 10_000_000),
  /** Most partitions a request may ask for, and the planner may choose. */
  MAX_PARTITIONS: envInteger(MAX_REQUEST_PARTITIONS, 1, MAX_REQUEST_PARTITIONS),
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
   * itself when the client waits for them (`?wait=`), however many at once.
   */
  INLINE_MAX_MS: envInteger(50, 0, 60_000),
  /**
   * Longer ones too, this many at once (each a session of the API's query pool); past it they go
   * to the workers. 0 with INLINE_MAX_MS 0 sends every query through the workers.
   */
  INLINE_CONCURRENCY: envInteger(4, 0, 1000),
  /**
   * A fan-out whose fragments are each estimated to return at least this many partial rows has
   * them stored in PostgreSQL in binary (COPY from fragment to table, no row read by a worker)
   * rather than handed over as text; 0 stores every fan-out's.
   */
  STORED_PARTIAL_ROWS: envInteger(10_000, 0, 1_000_000_000),
  /**
   * How long a plan is reused for the same SQL text (a split one checked first; one the cost model
   * made only while the database's measurement it was made with stands); 0 plans every query afresh.
   */
  PLAN_CACHE_MS: envInteger(5_000, 0, 3_600_000),
  /**
   * How long, from when it was made, a plan that can be checked again is reused past
   * PLAN_CACHE_MS while it stands: a decision the cost model made to run a query as written, while
   * what the statement's runs taught the model stands (one read of Redis instead of planning
   * again); a split plan, checked as before every reuse (one EXPLAIN and the probe, its estimate
   * within a tenth). No longer than PLAN_CACHE_MS when lower.
   */
  PLAN_CHECKED_REUSE_MS: envInteger(300_000, 0, 86_400_000),
  /** Result rows and bytes kept in a record (as the workers' settings of the same names). */
  RESULT_MAX_ROWS: envInteger(10_000, 1, 10_000_000),
  RESULT_MAX_BYTES: envInteger(10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  /**
   * How often the database is measured for the cost model (how many sessions it runs at full
   * speed at once, how long its parallel workers take to start): once per interval for the whole
   * deployment, by whichever API replica takes the lock in Redis. 0 never measures it.
   */
  DATABASE_MEASUREMENT_INTERVAL_MS: envInteger(3_600_000, 0, 7 * 86_400_000),
  /**
   * On SIGTERM the API stops accepting connections and answers new requests on open ones with
   * 503, and gives requests in flight (a `?wait=`, a PostgreSQL client's statement) this long to
   * finish before it closes them. Below Kubernetes' terminationGracePeriodSeconds (30 s).
   */
  SHUTDOWN_TIMEOUT_MS: envInteger(25_000, 0, 3_600_000),
  /** On Kubernetes: the HorizontalPodAutoscaler of the workers, whose replica counts the dashboard shows. */
  WORKER_HPA_NAME: z.string().min(1).optional(),
});
export type ApiEnv = Omit<z.infer<typeof ApiEnv>, 'ALLOWED_RELATIONS' | 'HOST'> & {
  /** Whether PG_PORT was set, rather than defaulted. */
  pgPortIsExplicit: boolean;
  HOST: string;
  /** Whether HOST was set (containers set it), rather than defaulted to 127.0.0.1. */
  hostIsExplicit: boolean;
  ALLOWED_RELATIONS: ReturnType<typeof parseAllowList> | null;
  /** Where users' queries run: QUERY_DATABASE_URL, or DATABASE_URL. */
  queryDatabaseUrl: string;
};

/** @throws ConfigError naming the bad setting. */
export function loadApiEnv(env: NodeJS.ProcessEnv): ApiEnv {
  const parsed = parseEnv(ApiEnv, env);
  queryServerSpecs(parsed.QUERY_DATABASE_URL ?? parsed.DATABASE_URL, parsed.REPLICA_URLS, parsed.READ_FROM);
  if (parsed.DEFAULT_TIMEOUT_MS > parsed.MAX_TIMEOUT_MS) {
    throw new ConfigError(`invalid setting DEFAULT_TIMEOUT_MS: must not exceed MAX_TIMEOUT_MS (${parsed.MAX_TIMEOUT_MS})`);
  }
  for (const setting of ['API_KEYS', 'ADMIN_KEYS'] as const) {
    const weak = parsed[setting].findIndex((key) => key.length < MIN_KEY_LENGTH);
    if (weak >= 0) throw new ConfigError(`invalid setting ${setting}: key ${weak + 1} is shorter than ${MIN_KEY_LENGTH} characters`);
  }
  if ((parsed.PG_TLS_CERT === undefined) !== (parsed.PG_TLS_KEY === undefined)) {
    throw new ConfigError('invalid setting PG_TLS_CERT/PG_TLS_KEY: set both (a certificate and its private key), or neither');
  }
  let allowed: ApiEnv['ALLOWED_RELATIONS'] = null;
  if (parsed.ALLOWED_RELATIONS !== undefined && parsed.ALLOWED_RELATIONS.trim() !== '') {
    try {
      allowed = parseAllowList(parsed.ALLOWED_RELATIONS);
    } catch (error) {
      throw new ConfigError(`invalid setting ALLOWED_RELATIONS: ${(error as Error).message}`);
    }
  }
  return {
    ...parsed,
    HOST: parsed.HOST ?? '127.0.0.1',
    hostIsExplicit: parsed.HOST !== undefined,
    pgPortIsExplicit: env.PG_PORT !== undefined && env.PG_PORT !== '',
    ALLOWED_RELATIONS: allowed,
    queryDatabaseUrl: parsed.QUERY_DATABASE_URL ?? parsed.DATABASE_URL,
  };
}

/**
 * The API's sessions on each server: planning and quick queries', beside one for each fan-out
 * coordinated or longer query run here. Four stay open through any pause (planning reads the
 * catalog beside its EXPLAIN, and a fan-out it coordinates holds its snapshot on one session and
 * combines on another); the others go back after five minutes unused.
 */
export function queryPoolOptions(env: ApiEnv): Omit<QueryPoolOptions, 'connectionString'> {
  return {
    max: 6 + env.COORDINATE_CONCURRENCY + env.INLINE_CONCURRENCY,
    keepIdle: 4,
    applicationName: 'pgfan-api',
    statementTimeoutMs: env.PLANNING_TIMEOUT_MS,
    lockTimeoutMs: env.LOCK_TIMEOUT_MS,
    idleInTransactionTimeoutMs: env.IDLE_IN_TRANSACTION_TIMEOUT_MS,
  };
}
