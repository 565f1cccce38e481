/**
 * A Redis outage is ridden out, not "fixed" by restarts: a worker's liveness stays 200 while its
 * connection reconnects (Kubernetes would otherwise restart every worker after ~30 s), and once
 * Redis is back the system answers queries again. Redis here is a server of this file's own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, startSystem, type System } from '@pgfan/testing';

let redis: ChildProcess;
let redisPort: number;
let healthPort: number;
let system: System;
const dir = mkdtempSync(join(tmpdir(), 'pgfan-redis-'));

function startRedis(): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: 'ignore',
  });
  return eventually(async () => {
    const up = await new Promise<boolean>((resolve) => {
      const probe = spawn('redis-cli', ['-p', String(redisPort), 'ping'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      probe.stdout.on('data', (d: Buffer) => (out += d.toString()));
      probe.on('close', () => resolve(out.includes('PONG')));
    });
    return up ? child : undefined;
  }, 10_000);
}

beforeAll(async () => {
  [redisPort, healthPort] = [await freePort(), await freePort()];
  redis = await startRedis();
  system = await startSystem({
    label: 'redis_outage',
    redisUrl: `redis://127.0.0.1:${redisPort}/0`,
    workers: 1,
    workerEnv: { HEALTH_PORT: String(healthPort) },
  });
}, 90_000);

afterAll(async () => {
  await system?.stop().catch(() => undefined);
  redis?.kill('SIGKILL');
});

const liveness = () => fetch(`http://127.0.0.1:${healthPort}/healthz`).then(async (r) => ({ status: r.status, body: (await r.json()) as { redis: string } }));

test('while Redis is down the worker stays alive (liveness 200, reconnecting); once it is back, queries run', async () => {
  expect(await liveness()).toMatchObject({ status: 200, body: { redis: 'ready' } });
  const exited = new Promise((resolve) => redis.once('exit', resolve));
  redis.kill('SIGKILL');
  await exited;
  const during = await eventually(async () => {
    const seen = await liveness();
    return seen.body.redis !== 'ready' ? seen : undefined;
  });
  expect(during.status).toBe(200);
  redis = await startRedis();
  await eventually(async () => ((await liveness()).body.redis === 'ready' ? true : undefined), 30_000, 'the worker reconnected');
  await system.waitForWorkers(1, 30_000);
  const { body } = await system.request<{ status: string; result: { rows: unknown[][] } }>('POST', '/api/queries?wait=20000', {
    sql: 'SELECT count(*) FROM events',
    partitions: 2,
  });
  expect([body.status, body.result.rows]).toEqual(['completed', [['6799']]]);
}, 90_000);
