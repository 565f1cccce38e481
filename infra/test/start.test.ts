/**
 * `npm start`, as a newcomer runs it (here against a test database and Redis of its own): it
 * comes up, and when the API crashes it says so and starts it again, as Kubernetes would, until
 * Ctrl+C stops everything.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { createQueryRole, createTestDatabase, eventually, freePort, type TestDatabase } from '@pgfan/testing';
import { Redis } from 'ioredis';
import { runNpmStart } from './npm-start';

let db: TestDatabase;
let role: { url: string; drop(): Promise<void> };
let start: ChildProcess;
let printed: () => string;
let port: number;
let pgPort: number;
const redisUrl = `redis://127.0.0.1:6379/${process.env.JEST_WORKER_ID ?? '1'}`;

beforeAll(async () => {
  // The fixture database has the demo table already, so nothing is seeded.
  db = await createTestDatabase('npm_start');
  role = await createQueryRole(db);
  const redis = new Redis(redisUrl);
  await redis.flushdb();
  redis.disconnect();
  [port, pgPort] = [await freePort(), await freePort()];
  ({ process: start, output: printed } = await runNpmStart({
    PG_PORT: String(pgPort),
    DATABASE_URL: db.url,
    QUERY_DATABASE_URL: role.url,
    REDIS_URL: redisUrl,
    PORT: String(port),
    WORKERS: '1',
    AUTOSCALE: 'false',
  }));
}, 150_000);

afterAll(async () => {
  if (start && start.exitCode === null) {
    start.kill('SIGKILL');
  }
  await db?.drop();
  await role?.drop();
  const redis = new Redis(redisUrl);
  await redis.flushdb();
  redis.disconnect();
});

const health = () =>
  fetch(`http://127.0.0.1:${port}/api/health`)
    .then((r) => r.status)
    .catch(() => 0);

/** The pid of the API process `npm start` says it runs now. */
const apiPid = () => Number([...printed().matchAll(/\[start\] api running \(pid (\d+)\)/g)].at(-1)?.[1]);

test('npm start says how to connect with psql, and psql gets the answer', async () => {
  // Printed after the line runNpmStart waits for, in a write of its own.
  const psql = `psql -h 127.0.0.1 -p ${pgPort} -U pgfan pgfan`;
  await eventually(async () => (printed().includes(psql) ? true : undefined), 10_000, 'the psql line');
  const { stdout } = await promisify(execFile)('psql', [
    '-XAt',
    '-h',
    '127.0.0.1',
    '-p',
    String(pgPort),
    '-U',
    'pgfan',
    '-d',
    'pgfan',
    '-c',
    'SELECT count(*) FROM events',
  ]);
  expect(stdout).toBe('6799\n');
});

test('a crashed API is restarted after a backoff, and npm start says so', async () => {
  expect(await health()).toBe(200);
  const first = apiPid();
  process.kill(first, 'SIGKILL');
  await eventually(
    async () => (/\[start\] api exited \(SIGKILL\); restarting it in 1 s \(restart 1\)/.test(printed()) ? true : undefined),
    10_000,
    'the announcement',
  );
  await eventually(async () => (apiPid() !== first && (await health()) === 200 ? true : undefined), 30_000, 'the API back');
  // The workers never stopped: the first query after the restart is answered.
  const answer = await fetch(`http://127.0.0.1:${port}/api/queries?wait=10000`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sql: 'SELECT count(*) AS n FROM events', partitions: 2 }),
  }).then((r) => r.json() as Promise<{ status: string; result: { rows: unknown[][] } }>);
  expect([answer.status, answer.result.rows]).toEqual(['completed', [['6799']]]);
}, 60_000);

test('Ctrl+C stops everything, and nothing is restarted', async () => {
  const exited = new Promise<number | null>((resolve) => start.once('exit', resolve));
  start.kill('SIGINT');
  expect(await exited).toBe(0);
  expect(printed()).toContain('[start] stopping…');
  expect(printed().match(/restarting it in/g)).toHaveLength(1);
  expect(await health()).toBe(0);
}, 60_000);
