/**
 * `npm start`'s supervisor follows the autoscaling policy with real worker processes: more
 * workers while fragments wait, back to the minimum once the work is done and the
 * stabilization window has passed, a crashed worker replaced after a backoff, and none left
 * behind when it stops.
 */
import { QueryView, type WorkerScale } from '@pgfan/contracts';
import { liveWorkers as heartbeats, readScale } from '@pgfan/dispatch';
import { eventually, SLOW_FUNCTION_SQL, startSystem, type System } from '@pgfan/testing';
import { Client } from 'pg';

let system: System;

/** 20 ms per row sampled: each of 8 fragments takes about a second. */
const SLOW = 'SELECT sum(slow(id, 20)), count(*) FROM events WHERE id % 20 = 0';

beforeAll(async () => {
  system = await startSystem({ label: 'supervisor', workers: 0 });
  const admin = new Client({ connectionString: system.db.url });
  await admin.connect();
  await admin.query(SLOW_FUNCTION_SQL);
  await admin.end();
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

const liveWorkers = async () => (await system.request<{ workers: { live: number } }>('GET', '/api/health')).body.workers.live;

test('scales above one worker under load, back to one after it, and stops its workers with it', async () => {
  const supervisor = await system.startSupervisor({
    WORKERS: '1',
    MIN_WORKERS: '1',
    MAX_WORKERS: '3',
    SCALING_INTERVAL_SECONDS: '1',
    SCALE_DOWN_STABILIZATION_SECONDS: '3',
    SCALE_DOWN_PERIOD_SECONDS: '1',
  });
  await system.waitForWorkers(1, 20_000);

  const ids = await Promise.all(
    Array.from({ length: 4 }, async () => QueryView.parse((await system.request('POST', '/api/queries', { sql: SLOW, partitions: 8 })).body).id),
  );
  let peak = 1;
  let wanted: WorkerScale | null = null;
  await eventually(
    async () => {
      peak = Math.max(peak, await liveWorkers());
      // What the dashboard shows: the supervisor's decision, as it reports it in Redis.
      const scale = await readScale(system.redis);
      if (scale && scale.desired > 1) wanted = scale;
      return peak > 1 && wanted ? true : undefined;
    },
    30_000,
    'more than one live worker, and the supervisor reporting it wants more',
  );
  expect(wanted).toMatchObject({ scaler: 'supervisor', min: 1, max: 3 });
  for (const id of ids) {
    const record = await eventually(
      async () => {
        const q = QueryView.parse((await system.request('GET', `/api/queries/${id}`)).body);
        return ['completed', 'failed', 'cancelled'].includes(q.status) ? q : undefined;
      },
      90_000,
      `query ${id}`,
    );
    expect([record.status, record.error]).toEqual(['completed', null]);
  }
  await eventually(async () => ((await liveWorkers()) === 1 ? true : undefined), 60_000, 'back to one live worker');
  expect(supervisor.output()).toMatch(/→ [23] workers[\s\S]*→ 1 workers/);

  expect(await readScale(system.redis)).toEqual({ scaler: 'supervisor', current: 1, desired: 1, min: 1, max: 3 });

  supervisor.kill('SIGTERM');
  expect(await supervisor.exited).toBe(0);
  system.workers.splice(system.workers.indexOf(supervisor), 1);
  await system.waitForWorkers(0, 10_000);
  expect(await readScale(system.redis)).toBeNull();
}, 240_000);

test('a worker that crashes is replaced, after a backoff the supervisor announces', async () => {
  const supervisor = await system.startSupervisor({ WORKERS: '1', AUTOSCALE: 'false', SCALING_INTERVAL_SECONDS: '1' });
  const [first] = await eventually(async () => {
    const beats = await heartbeats(system.redis);
    return beats.length === 1 ? beats : undefined;
  });
  process.kill(first!.pid, 'SIGKILL');
  await eventually(
    async () => (/worker w1 exited \(SIGKILL\); starting a new one in 1 s/.test(supervisor.output()) ? true : undefined),
    10_000,
    'the announcement',
  );
  await eventually(async () => ((await heartbeats(system.redis)).some((b) => b.pid !== first!.pid) ? true : undefined), 20_000, 'a new worker');
  supervisor.kill('SIGTERM');
  expect(await supervisor.exited).toBe(0);
  system.workers.splice(system.workers.indexOf(supervisor), 1);
}, 60_000);

test('workers stop when their supervisor dies, rather than run on unattended', async () => {
  const supervisor = await system.startSupervisor({ WORKERS: '2', AUTOSCALE: 'false' });
  await system.waitForWorkers(2, 20_000);
  supervisor.kill('SIGKILL');
  await supervisor.exited;
  system.workers.splice(system.workers.indexOf(supervisor), 1);
  await system.waitForWorkers(0, 15_000);
}, 60_000);
