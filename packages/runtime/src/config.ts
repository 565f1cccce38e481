/**
 * Configuration helpers for every app's `env.ts`: one zod schema parsed once at start, and a
 * bad setting stops the process with one line that names it.
 */
import { z } from 'zod';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/pgfan';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** A boolean setting: only `true` and `1` are true; `false`, `0` and empty are false; anything else is an error. */
export const envBoolean = (fallback: boolean) =>
  z
    .enum(['true', '1', 'false', '0', ''], { message: 'must be true, 1, false or 0' })
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : v === 'true' || v === '1'));

/** A whole-number setting within bounds. */
export const envInteger = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      const n = Number(v);
      if (!/^-?\d+$/.test(v) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

export const envUrl = (fallback: string, protocols: string[]) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const value = v === undefined || v === '' ? fallback : v;
      try {
        if (protocols.includes(new URL(value).protocol)) return value;
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: `must be a ${protocols.join(' or ')}// URL` });
      return z.NEVER;
    });

export const databaseUrl = envUrl(DEFAULT_DATABASE_URL, ['postgres:', 'postgresql:']);

/** A comma-separated list: trimmed, empty entries dropped. */
export const envList = () =>
  z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    );

/** Shortest job signing key accepted. */
export const MIN_SIGNING_KEY_LENGTH = 32;

/**
 * JOB_SIGNING_KEY: the secret the API and every worker sign and verify jobs with (signing.ts).
 * Comma-separated to roll a new key out: the first signs, all verify. Required: without it
 * anyone who can add a job to Redis could have a worker run any SQL.
 */
export const jobSigningKeys = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const keys = (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    if (keys.length === 0) {
      ctx.addIssue({
        code: 'custom',
        message: `required: a secret of ${MIN_SIGNING_KEY_LENGTH}+ characters that the API and every worker share (e.g. openssl rand -base64 32); npm start makes one`,
      });
      return z.NEVER;
    }
    if (keys.some((key) => key.length < MIN_SIGNING_KEY_LENGTH)) {
      ctx.addIssue({ code: 'custom', message: `every key must be at least ${MIN_SIGNING_KEY_LENGTH} characters long` });
      return z.NEVER;
    }
    return keys;
  });

/**
 * Settings of the sessions that run users' queries, alike in the API (planning, quick queries)
 * and the workers (fragments, combines).
 */
export const querySessionEnv = {
  /**
   * Where users' queries run: a role with nothing but SELECT grants (docs/security.md, `npm run
   * query-role`). Unset, DATABASE_URL, whose role owns the query history: the API and workers then
   * refuse to start unless ALLOW_PRIVILEGED_QUERY_ROLE is set.
   */
  QUERY_DATABASE_URL: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return undefined;
      if (/^postgres(ql)?:$/.test(URL.canParse(v) ? new URL(v).protocol : '')) return v;
      ctx.addIssue({ code: 'custom', message: 'must be a postgres: or postgresql:// URL' });
      return z.NEVER;
    }),
  /**
   * Run users' queries even as a role that can do more than read what it was given (a superuser,
   * a role that can write or read the query history): the process then warns at every start
   * instead of refusing to. For development against a database where no such role can be made.
   */
  ALLOW_PRIVILEGED_QUERY_ROLE: envBoolean(false),
  /** How long a query waits for a table's lock (behind ALTER TABLE, VACUUM FULL, …) before it fails. */
  LOCK_TIMEOUT_MS: envInteger(10_000, 0, 3_600_000),
  /** How long a session may idle inside a transaction before PostgreSQL ends it. */
  IDLE_IN_TRANSACTION_TIMEOUT_MS: envInteger(60_000, 0, 86_400_000),
  /** The secret jobs are signed with (see `jobSigningKeys`). */
  JOB_SIGNING_KEY: jobSigningKeys,
  /**
   * Streaming replicas of QUERY_DATABASE_URL's database, comma-separated, reached with the same
   * role: a query may run on any of them that has replayed up to where the primary stood when the
   * query was placed (docs/scale-out.md). Every process must list the same ones.
   */
  REPLICA_URLS: envList(),
  /** Which servers users' queries read: `primary`, `replicas`, or `any` (the default). */
  READ_FROM: z.enum(['primary', 'replicas', 'any'], { message: 'must be primary, replicas or any' }).default('any'),
};

/**
 * How queries are coordinated, alike in the workers (the coordinator job) and the API (which
 * coordinates generation 1 of a fan-out whose client waits): both must agree on them.
 */
export const coordinationEnv = {
  /** Queries one process coordinates at once (each holds one open transaction with its snapshot). */
  COORDINATE_CONCURRENCY: envInteger(4, 1, 1000),
  /** Give every query one snapshot shared by all its fragments. */
  SNAPSHOTS: envBoolean(true),
  /** How long past its deadline an unfinished query is left before the reaper fails it; snapshots are held no longer. */
  REAPER_GRACE_MS: envInteger(10_000, 0, 3_600_000),
};
export const redisUrl = envUrl(DEFAULT_REDIS_URL, ['redis:', 'rediss:']);

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Parses `env` with `schema`.
 * @throws ConfigError with one line, e.g. `invalid setting WORKER_CONCURRENCY: must be a whole number from 1 to 256`.
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new ConfigError(`invalid setting ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`);
}

/** A connection URL safe to print: the password replaced. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
