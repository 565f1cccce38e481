import { loadApiEnv } from './env';

test('defaults work locally', () => {
  expect(loadApiEnv({})).toEqual({
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/pgfan',
    REDIS_URL: 'redis://127.0.0.1:6379',
    PORT: 3000,
    HOST: '127.0.0.1',
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

test.each([
  [{ PORT: '70000' }, 'invalid setting PORT: must be a whole number from 0 to 65535'],
  [{ DEFAULT_TIMEOUT_MS: '900000' }, 'invalid setting DEFAULT_TIMEOUT_MS: must not exceed MAX_TIMEOUT_MS (600000)'],
])('a bad setting is one line naming it: %j', (env, message) => {
  expect(() => loadApiEnv(env)).toThrow(message);
});
