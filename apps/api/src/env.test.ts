import { loadApiEnv, queryPoolOptions } from './env';

/** The one setting without a default: the secret jobs are signed with. */
const SIGNED = { JOB_SIGNING_KEY: 'a-job-signing-key-of-32-characters!!' };

test('defaults work locally, given a job signing key', () => {
  expect(loadApiEnv(SIGNED)).toEqual({
    JOB_SIGNING_KEY: ['a-job-signing-key-of-32-characters!!'],
    ALLOW_PRIVILEGED_QUERY_ROLE: false,
    ADMIN_KEYS: [],
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/pgfan',
    queryDatabaseUrl: 'postgres://postgres@127.0.0.1:5432/pgfan',
    REDIS_URL: 'redis://127.0.0.1:6379',
    LOCK_TIMEOUT_MS: 10_000,
    LOG_LEVEL: 'info',
    IDLE_IN_TRANSACTION_TIMEOUT_MS: 60_000,
    PORT: 3000,
    PG_PORT: 5433,
    pgPortIsExplicit: false,
    PG_MAX_CLIENTS: 100,
    HOST: '127.0.0.1',
    hostIsExplicit: false,
    API_KEYS: [],
    API_KEYS_REFRESH_MS: 5000,
    CORS_ORIGINS: [],
    ALLOWED_RELATIONS: null,
    RATE_LIMIT_PER_SECOND: 200,
    REPLICA_URLS: [],
    READ_FROM: 'any',
    COORDINATE_CONCURRENCY: 4,
    SNAPSHOTS: true,
    REAPER_GRACE_MS: 10_000,
    MAX_ACTIVE_QUERIES_PER_KEY: 50,
    MAX_ACTIVE_QUERIES: 1000,
    MAX_SQL_LENGTH: 100_000,
    MAX_PARTITIONS: 64,
    DEFAULT_TIMEOUT_MS: 60_000,
    MAX_TIMEOUT_MS: 600_000,
    MAX_WAIT_MS: 60_000,
    MAX_BODY_BYTES: 262_144,
    PLANNING_TIMEOUT_MS: 30_000,
    INLINE_MAX_MS: 50,
    INLINE_CONCURRENCY: 4,
    PLAN_CACHE_MS: 5_000,
    PLAN_CHECKED_REUSE_MS: 300_000,
    STORED_PARTIAL_ROWS: 10_000,
    DATABASE_MEASUREMENT_INTERVAL_MS: 3_600_000,
    RESULT_MAX_ROWS: 10_000,
    RESULT_MAX_BYTES: 10_485_760,
    SHUTDOWN_TIMEOUT_MS: 25_000,
  });
});

test('keys, origins and the allow-list are lists; a listen address set is explicit', () => {
  const env = loadApiEnv({
    ...SIGNED,
    API_KEYS: ' first-key-0123456789 ,second-key-0123456789,',
    ADMIN_KEYS: 'admin-key-0123456789',
    CORS_ORIGINS: 'https://bi.example.com',
    ALLOWED_RELATIONS: 'public.*, sales.orders',
    HOST: '0.0.0.0',
    QUERY_DATABASE_URL: 'postgres://pgfan_reader@db/pgfan',
  });
  expect(env).toMatchObject({
    API_KEYS: ['first-key-0123456789', 'second-key-0123456789'],
    ADMIN_KEYS: ['admin-key-0123456789'],
    CORS_ORIGINS: ['https://bi.example.com'],
    ALLOWED_RELATIONS: [
      { schema: 'public', table: '*' },
      { schema: 'sales', table: 'orders' },
    ],
    HOST: '0.0.0.0',
    hostIsExplicit: true,
    queryDatabaseUrl: 'postgres://pgfan_reader@db/pgfan',
  });
});

test.each([
  [{ PORT: '70000' }, 'invalid setting PORT: must be a whole number from 0 to 65535'],
  [{ DEFAULT_TIMEOUT_MS: '900000' }, 'invalid setting DEFAULT_TIMEOUT_MS: must not exceed MAX_TIMEOUT_MS (600000)'],
  [{ API_KEYS: 'long-enough-key-123,short' }, 'invalid setting API_KEYS: key 2 is shorter than 16 characters'],
  [{ ALLOWED_RELATIONS: 'orders' }, 'invalid setting ALLOWED_RELATIONS: "orders" is not schema.table or schema.*'],
  [{ ADMIN_KEYS: 'short' }, 'invalid setting ADMIN_KEYS: key 1 is shorter than 16 characters'],
  [{ QUERY_DATABASE_URL: 'mysql://x' }, 'invalid setting QUERY_DATABASE_URL: must be a postgres: or postgresql:// URL'],
  [{ ALLOW_PRIVILEGED_QUERY_ROLE: 'yes' }, 'invalid setting ALLOW_PRIVILEGED_QUERY_ROLE: must be true, 1, false or 0'],
  [{ JOB_SIGNING_KEY: 'too-short' }, 'invalid setting JOB_SIGNING_KEY: every key must be at least 32 characters long'],
])('a bad setting is one line naming it: %j', (env, message) => {
  expect(() => loadApiEnv({ ...SIGNED, ...env })).toThrow(message);
});

test('without JOB_SIGNING_KEY the API will not start, and says how to make one', () => {
  expect(() => loadApiEnv({})).toThrow(/^invalid setting JOB_SIGNING_KEY: required: a secret of 32\+ characters .*openssl rand -base64 32/);
});

test('JOB_SIGNING_KEY may list keys while a new one is rolled out: the first signs', () => {
  expect(loadApiEnv({ JOB_SIGNING_KEY: `new-key-${'n'.repeat(30)}, old-key-${'o'.repeat(30)}` }).JOB_SIGNING_KEY).toEqual([
    `new-key-${'n'.repeat(30)}`,
    `old-key-${'o'.repeat(30)}`,
  ]);
});

test('PG_PORT: a port, 0 for a free one, or off', () => {
  expect(loadApiEnv({ ...SIGNED, PG_PORT: '6543' })).toMatchObject({ PG_PORT: 6543, pgPortIsExplicit: true });
  expect(loadApiEnv({ ...SIGNED, PG_PORT: '0' }).PG_PORT).toBe(0);
  expect(loadApiEnv({ ...SIGNED, PG_PORT: 'off' }).PG_PORT).toBeNull();
  expect(() => loadApiEnv({ ...SIGNED, PG_PORT: '70000' })).toThrow('invalid setting PG_PORT: must be a port number from 0 to 65535, or off');
});

test('PG_TLS_CERT and PG_TLS_KEY come together', () => {
  expect(() => loadApiEnv({ ...SIGNED, PG_TLS_CERT: '/tls/cert.pem' })).toThrow(
    'invalid setting PG_TLS_CERT/PG_TLS_KEY: set both (a certificate and its private key), or neither',
  );
  expect(loadApiEnv({ ...SIGNED, PG_TLS_CERT: '/tls/cert.pem', PG_TLS_KEY: '/tls/key.pem' })).toMatchObject({ PG_TLS_CERT: '/tls/cert.pem' });
});

test('LOG_LEVEL is one of pino’s levels; LOG_FORMAT is json or pretty, unset to follow the terminal', () => {
  expect(loadApiEnv(SIGNED).LOG_LEVEL).toBe('info');
  expect(loadApiEnv(SIGNED).LOG_FORMAT).toBeUndefined();
  expect(loadApiEnv({ ...SIGNED, LOG_LEVEL: 'debug', LOG_FORMAT: 'json' })).toMatchObject({ LOG_LEVEL: 'debug', LOG_FORMAT: 'json' });
  expect(() => loadApiEnv({ ...SIGNED, LOG_LEVEL: 'verbose' })).toThrow(
    'invalid setting LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent',
  );
  expect(() => loadApiEnv({ ...SIGNED, LOG_FORMAT: 'text' })).toThrow('invalid setting LOG_FORMAT: must be json or pretty');
});

test('the sessions a coordinated fan-out uses at once stay open through any pause', () => {
  const env = loadApiEnv({ ...SIGNED, COORDINATE_CONCURRENCY: '2', INLINE_CONCURRENCY: '3' });
  expect(queryPoolOptions(env)).toMatchObject({ max: 11, keepIdle: 4, applicationName: 'pgfan-api' });
});
