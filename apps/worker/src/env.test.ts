import { ConfigError } from '@pgfan/runtime';
import { loadWorkerEnv, queryPoolOptions } from './env';

/** The one setting without a default: the secret jobs are signed with. */
const SIGNED = { JOB_SIGNING_KEY: 'a-job-signing-key-of-32-characters!!' };

test('defaults work locally', () => {
  const env = loadWorkerEnv(SIGNED);
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
  expect(loadWorkerEnv({ ...SIGNED, SNAPSHOTS: '1' }).SNAPSHOTS).toBe(true);
  expect(loadWorkerEnv({ ...SIGNED, SNAPSHOTS: 'false' }).SNAPSHOTS).toBe(false);
  expect(loadWorkerEnv({ ...SIGNED, SNAPSHOTS: '0' }).SNAPSHOTS).toBe(false);
  expect(() => loadWorkerEnv({ ...SIGNED, SNAPSHOTS: 'yes' })).toThrow('invalid setting SNAPSHOTS: must be true, 1, false or 0');
});

test.each([
  [{ WORKER_CONCURRENCY: '0' }, 'invalid setting WORKER_CONCURRENCY: must be a whole number from 1 to 256'],
  [{ WORKER_CONCURRENCY: 'two' }, 'invalid setting WORKER_CONCURRENCY: must be a whole number from 1 to 256'],
  [{ DATABASE_URL: 'mysql://x' }, 'invalid setting DATABASE_URL: must be a postgres: or postgresql:// URL'],
  [{ REDIS_URL: 'not a url' }, 'invalid setting REDIS_URL: must be a redis: or rediss:// URL'],
  [{ WORKER_ID: 'has spaces' }, 'invalid setting WORKER_ID: letters, digits, ".", "_" and "-" only'],
  [{ JOB_SIGNING_KEY: '' }, 'invalid setting JOB_SIGNING_KEY: required'],
  [{ READ_FROM: 'standby' }, 'invalid setting READ_FROM: must be primary, replicas or any'],
  [{ READ_FROM: 'replicas' }, 'invalid setting READ_FROM: "replicas" needs REPLICA_URLS'],
  [{ REPLICA_URLS: 'postgres://r1/db,redis://r2' }, 'invalid setting REPLICA_URLS: redis://r2 is not a postgres:// URL'],
])('a bad setting is one line naming it: %j', (env, message) => {
  expect(() => loadWorkerEnv({ ...SIGNED, ...env })).toThrow(ConfigError);
  expect(() => loadWorkerEnv({ ...SIGNED, ...env })).toThrow(message);
});

test("idle sessions go back to the database after 10 s, but the fragments' own are kept warm", () => {
  const env = loadWorkerEnv({ ...SIGNED, WORKER_CONCURRENCY: '3', COMBINE_CONCURRENCY: '1', COORDINATE_CONCURRENCY: '4', WORKER_ID: 'w7' });
  expect(queryPoolOptions(env)).toMatchObject({ max: 8, idleTimeoutMs: 10_000, keepIdle: 6, applicationName: 'pgfan-worker w7' });
  // Never more than the pool may hold.
  expect(queryPoolOptions(loadWorkerEnv({ ...SIGNED, WORKER_CONCURRENCY: '3', COMBINE_CONCURRENCY: '1', COORDINATE_CONCURRENCY: '1' })).keepIdle).toBe(5);
});
