import { loadApiEnv } from './env';

test('defaults work locally', () => {
  expect(loadApiEnv({})).toEqual({
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/pgfan',
    queryDatabaseUrl: 'postgres://postgres@127.0.0.1:5432/pgfan',
    REDIS_URL: 'redis://127.0.0.1:6379',
    LOCK_TIMEOUT_MS: 10_000,
    IDLE_IN_TRANSACTION_TIMEOUT_MS: 60_000,
    PORT: 3000,
    HOST: '127.0.0.1',
    hostIsExplicit: false,
    API_KEYS: [],
    API_KEYS_REFRESH_MS: 5000,
    CORS_ORIGINS: [],
    ALLOWED_RELATIONS: null,
    RATE_LIMIT_PER_SECOND: 200,
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
    PLAN_CACHE_MS: 5_000,
    RESULT_MAX_ROWS: 10_000,
    RESULT_MAX_BYTES: 10_485_760,
  });
});

test('keys, origins and the allow-list are lists; a listen address set is explicit', () => {
  const env = loadApiEnv({
    API_KEYS: ' first-key-0123456789 ,second-key-0123456789,',
    CORS_ORIGINS: 'https://bi.example.com',
    ALLOWED_RELATIONS: 'public.*, sales.orders',
    HOST: '0.0.0.0',
    QUERY_DATABASE_URL: 'postgres://pgfan_reader@db/pgfan',
  });
  expect(env).toMatchObject({
    API_KEYS: ['first-key-0123456789', 'second-key-0123456789'],
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
  [{ QUERY_DATABASE_URL: 'mysql://x' }, 'invalid setting QUERY_DATABASE_URL: must be a postgres: or postgresql:// URL'],
])('a bad setting is one line naming it: %j', (env, message) => {
  expect(() => loadApiEnv(env)).toThrow(message);
});
