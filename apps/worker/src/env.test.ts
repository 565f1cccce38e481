import { ConfigError } from '@pgfan/dispatch';
import { loadWorkerEnv } from './env';

test('defaults work locally', () => {
  const env = loadWorkerEnv({});
  expect(env).toMatchObject({
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/pgfan',
    REDIS_URL: 'redis://127.0.0.1:6379',
    WORKER_CONCURRENCY: 2,
    SNAPSHOTS: true,
    INLINE_PARTIAL_ROWS: 10_000,
    HISTORY_RETENTION_HOURS: 168,
  });
  expect(env.WORKER_ID).toMatch(/-\d+$/);
});

test('booleans are strict: only true and 1 are true', () => {
  expect(loadWorkerEnv({ SNAPSHOTS: '1' }).SNAPSHOTS).toBe(true);
  expect(loadWorkerEnv({ SNAPSHOTS: 'false' }).SNAPSHOTS).toBe(false);
  expect(loadWorkerEnv({ SNAPSHOTS: '0' }).SNAPSHOTS).toBe(false);
  expect(() => loadWorkerEnv({ SNAPSHOTS: 'yes' })).toThrow('invalid setting SNAPSHOTS: must be true, 1, false or 0');
});

test.each([
  [{ WORKER_CONCURRENCY: '0' }, 'invalid setting WORKER_CONCURRENCY: must be a whole number from 1 to 256'],
  [{ WORKER_CONCURRENCY: 'two' }, 'invalid setting WORKER_CONCURRENCY: must be a whole number from 1 to 256'],
  [{ DATABASE_URL: 'mysql://x' }, 'invalid setting DATABASE_URL: must be a postgres: or postgresql:// URL'],
  [{ REDIS_URL: 'not a url' }, 'invalid setting REDIS_URL: must be a redis: or rediss:// URL'],
  [{ WORKER_ID: 'has spaces' }, 'invalid setting WORKER_ID: letters, digits, ".", "_" and "-" only'],
])('a bad setting is one line naming it: %j', (env, message) => {
  expect(() => loadWorkerEnv(env)).toThrow(ConfigError);
  expect(() => loadWorkerEnv(env)).toThrow(message);
});
