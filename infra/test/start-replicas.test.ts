/**
 * `REPLICAS=2 npm start`, as a newcomer runs it: npm start makes a PostgreSQL primary of its own
 * with two streaming replicas (here in a temporary directory, on free ports), seeds the demo
 * table, and queries run on the replicas — one spread over both at one exact cut — until Ctrl+C
 * stops everything, the servers too.
 */
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@pgfan/testing';
import { Redis } from 'ioredis';
import { runNpmStart } from './npm-start';

let start: ChildProcess;
let printed: () => string;
let port: number;
let clusterPort: number;
let dataDir: string;
const redisUrl = `redis://127.0.0.1:6379/${process.env.JEST_WORKER_ID ?? '1'}`;

/** Whether nothing listens on `port`. */
const isFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** Three ports in a row that nothing listens on. */
async function freeRun(): Promise<number> {
  for (;;) {
    const first = await freePort();
    if (first < 65_000 && (await isFree(first + 1)) && (await isFree(first + 2))) return first;
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pgfan-start-'));
  // PostgreSQL runs as the postgres user when the tests run as root: it must reach the directory.
  chmodSync(dataDir, 0o755);
  const redis = new Redis(redisUrl);
  await redis.flushdb();
  redis.disconnect();
  [port, clusterPort] = [await freePort(), await freeRun()];
  ({ process: start, output: printed } = await runNpmStart(
    {
      REPLICAS: '2',
      PGFAN_DATA_DIR: dataDir,
      PGFAN_CLUSTER_PORT: String(clusterPort),
      REDIS_URL: redisUrl,
      PORT: String(port),
      PG_PORT: '0',
      WORKERS: '1',
      AUTOSCALE: 'false',
    },
    { unset: ['DATABASE_URL', 'QUERY_DATABASE_URL', 'REPLICA_URLS'], timeoutMs: 150_000 },
  ));
}, 180_000);

afterAll(async () => {
  if (start && start.exitCode === null) start.kill('SIGKILL');
  const redis = new Redis(redisUrl);
  await redis.flushdb();
  redis.disconnect();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Submits `body` and waits for its record; with no answer at all, what npm start printed says why. */
const submit = (body: object) =>
  fetch(`http://127.0.0.1:${port}/api/queries?wait=20000`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
    .catch((error: Error) => {
      throw new Error(`${error.message} (${(error.cause as Error | undefined)?.message}); npm start printed:\n${printed().slice(-6000)}`, { cause: error });
    })
    .then(
      (r) =>
        r.json() as Promise<{
          status: string;
          result: { rows: unknown[][] };
          plan: { cut?: { servers: string[]; guarantee: string } };
          fragments: { server?: string }[];
        }>,
    );

test('it says where the primary and replicas are, and queries spread over the replicas give the exact answer', async () => {
  const replicas = [1, 2].map((i) => `127.0.0.1:${clusterPort + i}`);
  expect(printed()).toContain(`PostgreSQL primary on 127.0.0.1:${clusterPort} with 2 streaming replica(s) on ${clusterPort + 1}, ${clusterPort + 2}`);
  const spread = await submit({ sql: 'SELECT count(*) AS n, count(DISTINCT country) AS c FROM events', partitions: 4, servers: 2 });
  expect([spread.status, spread.result.rows]).toEqual(['completed', [['100000', expect.any(String)]]]);
  expect(spread.plan.cut).toMatchObject({ servers: expect.arrayContaining(replicas), guarantee: 'equal-replay-position' });
  expect(new Set(spread.fragments.map((f) => f.server))).toEqual(new Set(replicas));
}, 60_000);

test('Ctrl+C stops everything, the PostgreSQL servers too', async () => {
  const exited = new Promise<number | null>((resolve) => start.once('exit', resolve));
  start.kill('SIGINT');
  expect(await exited).toBe(0);
  const { Client } = await import('pg');
  for (const offset of [0, 1, 2]) {
    const client = new Client({ connectionString: `postgres://postgres@127.0.0.1:${clusterPort + offset}/postgres`, connectionTimeoutMillis: 1000 });
    await expect(client.connect()).rejects.toThrow();
  }
}, 60_000);
