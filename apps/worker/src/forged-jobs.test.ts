/**
 * A worker runs only what pgfan's API and workers made. A fragment job carries SQL, so one added
 * by anyone else (through Bull Board, or written straight into Redis) would run that SQL past
 * every check: each such job fails, unrun, whatever its SQL, and so do coordinate and combine
 * jobs that no key of this deployment signed.
 */
import { JOB_POLICY, QUEUE_PREFIX, QUEUES, type JobFailure, type QueryView } from '@pgfan/contracts';
import { JobSigner, readJobFailure } from '@pgfan/dispatch';
import { eventually, startSystem, type System } from '@pgfan/testing';
import { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';

let system: System;
let connection: Redis;
const queues = new Map<string, Queue>();

beforeAll(async () => {
  system = await startSystem({ label: 'forged', workers: 1 });
  connection = new Redis(system.redisUrl, { maxRetriesPerRequest: null });
}, 90_000);

afterAll(async () => {
  await Promise.all([...queues.values()].map((q) => q.close()));
  connection?.disconnect();
  await system?.stop();
});

function queue(name: string): Queue {
  const q = queues.get(name) ?? new Queue(name, { connection, prefix: QUEUE_PREFIX });
  queues.set(name, q);
  return q;
}

/** A fragment job as the coordinator makes one, with SQL of the forger's choosing. */
const fragment = (sql: string) => ({
  queryId: '00000000-0000-4000-8000-00000000f00d',
  generation: 1,
  index: 0,
  of: 1,
  sql,
  params: [],
  snapshot: null,
  deadline: Date.now() + 60_000,
  spillToken: 'a-spill-token-of-the-forgers-own',
});

/** How a job ended: why it failed, or what it returned. */
async function outcome(job: Job): Promise<{ failed: JobFailure } | { returned: unknown }> {
  return eventually(async () => {
    const state = await job.getState();
    const fresh = await Job.fromId(queue(job.queueName), job.id as string);
    if (state === 'failed') return { failed: readJobFailure(fresh?.failedReason ?? '') };
    if (state === 'completed') return { returned: fresh?.returnvalue };
    return undefined;
  });
}

const SECRET_SQL = "SELECT current_user AS who, pg_read_file('/etc/hostname') AS file, 1 AS ran";

test('Bull Board without keys is read-only: adding a job is refused, and nothing is queued', async () => {
  const added = await system.request('POST', `/admin/queues/api/queues/${QUEUES.fragments}/add`, { name: 'fragment', data: fragment(SECRET_SQL), options: {} });
  expect(added.status).toBe(405);
  expect(await queue(QUEUES.fragments).getJobCounts('waiting', 'active', 'completed', 'failed')).toEqual({ waiting: 0, active: 0, completed: 0, failed: 0 });
});

test('a fragment job written straight into Redis fails as forged, and its SQL never runs', async () => {
  const job = await queue(QUEUES.fragments).add('fragment', fragment('SELECT 1 AS ran'), JOB_POLICY.fragment);
  expect(await outcome(job)).toEqual({ failed: { code: 'FORGED_JOB', message: expect.stringMatching(/^the fragment carries no signature/) } });
  expect(system.workers[0]?.output()).toContain(`refused job ${job.id} of ${QUEUES.fragments}`);
});

test("one signed with another deployment's key fails as forged too", async () => {
  const other = new JobSigner(['another-deployment-has-this-key-0123456789']);
  const job = await queue(QUEUES.fragments).add('fragment', other.sign('fragment', fragment('SELECT 1 AS ran')), JOB_POLICY.fragment);
  expect(await outcome(job)).toEqual({
    failed: { code: 'FORGED_JOB', message: expect.stringContaining("the fragment's signature does not match JOB_SIGNING_KEY") },
  });
});

test('a genuine job whose SQL was changed in Redis fails as forged', async () => {
  const signer = new JobSigner([system.env.JOB_SIGNING_KEY as string]);
  const genuine = signer.sign('fragment', fragment('SELECT 1 AS ran'));
  const job = await queue(QUEUES.fragments).add('fragment', { ...genuine, sql: SECRET_SQL }, JOB_POLICY.fragment);
  expect(await outcome(job)).toEqual({ failed: expect.objectContaining({ code: 'FORGED_JOB' }) });
  // The same job, untouched, runs: the check is the signature, not the shape.
  const untouched = await queue(QUEUES.fragments).add('fragment', genuine, JOB_POLICY.fragment);
  expect(await outcome(untouched)).toMatchObject({ returned: { rows: [['1']], signature: expect.any(String) } });
});

test('forged coordinate and combine jobs fail, and leave a real query as it was', async () => {
  const { body: real } = await system.request<QueryView>('POST', '/api/queries?wait=10000', { sql: 'SELECT count(*) FROM events', partitions: 2 });
  expect(real.status).toBe('completed');
  const coordinate = await queue(QUEUES.coordinate).add('coordinate', { queryId: real.id, generation: real.generation + 1 }, JOB_POLICY.coordinate);
  const combine = await queue(QUEUES.combine).add(
    'combine',
    { queryId: real.id, generation: real.generation, snapshot: null, spillToken: 'x'.repeat(20) },
    JOB_POLICY.combine,
  );
  expect(await outcome(coordinate)).toEqual({ failed: expect.objectContaining({ code: 'FORGED_JOB' }) });
  expect(await outcome(combine)).toEqual({ failed: expect.objectContaining({ code: 'FORGED_JOB' }) });
  const after = (await system.request<QueryView>('GET', `/api/queries/${real.id}`)).body;
  expect(after).toMatchObject({ status: 'completed', generation: real.generation, result: real.result });
});
