/** Starting with a bad setting or an unreachable service: exit 1 with one clear line, no stack traces. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = (entry: string, env: Record<string, string>) =>
  promisify(execFile)(process.execPath, [entry], {
    env: { ...process.env, JOB_SIGNING_KEY: 'a-job-signing-key-of-32-characters!!', ...env },
    timeout: 20_000,
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

const API = join(__dirname, '..', 'dist', 'main.js');
const WORKER = join(__dirname, '..', '..', 'worker', 'dist', 'main.js');

test.each([
  [API, { PORT: 'abc' }, 'pgfan-api: invalid setting PORT: must be a whole number from 0 to 65535\n'],
  [
    API,
    { DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:1/x' },
    'pgfan-api: cannot reach PostgreSQL at postgres://nobody:***@127.0.0.1:1/x: connect ECONNREFUSED 127.0.0.1:1\n',
  ],
  // A database every PostgreSQL has, so Redis is the first thing missing (on a fresh machine there is no `pgfan` yet).
  [
    API,
    { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres', REDIS_URL: 'redis://127.0.0.1:1' },
    'pgfan-api: cannot reach Redis at redis://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1\n',
  ],
  [WORKER, { WORKER_CONCURRENCY: '0' }, 'pgfan-worker: invalid setting WORKER_CONCURRENCY: must be a whole number from 1 to 256\n'],
  [
    API,
    { JOB_SIGNING_KEY: '' },
    'pgfan-api: invalid setting JOB_SIGNING_KEY: required: a secret of 32+ characters that the API and every worker share (e.g. openssl rand -base64 32); npm start makes one\n',
  ],
  [
    WORKER,
    { DATABASE_URL: 'postgres://127.0.0.1:1/x' },
    'pgfan-worker: cannot reach PostgreSQL at postgres://127.0.0.1:1/x: connect ECONNREFUSED 127.0.0.1:1\n',
  ],
])(
  '%s with %j',
  async (entry, env, message) => {
    const { code, stderr } = await run(entry, env);
    expect(code).toBe(1);
    expect(stderr).toBe(message);
  },
  30_000,
);
