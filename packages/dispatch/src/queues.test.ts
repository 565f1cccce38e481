/** What a new fan-out queues behind, counted by BullMQ itself in a real Redis. */
import { QUEUES } from '@pgfan/contracts';
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { fragmentBacklog, openQueues, type Queues } from './queues';
import { JobSigner } from './signing';

const url = `redis://127.0.0.1:6379/${process.env.JEST_WORKER_ID ?? '1'}`;
const redis = new Redis(url, { maxRetriesPerRequest: null });
let queues: Queues;

beforeEach(async () => {
  await redis.flushdb();
  queues = openQueues(redis, new JobSigner(['a-job-signing-key-for-these-tests-only']));
});
afterEach(() => queues.close());
afterAll(async () => {
  await redis.flushdb();
  redis.disconnect();
});

const job = { queryId: 'q', generation: 1, index: 0 } as never;

test('an idle queue has no backlog', async () => {
  expect(await fragmentBacklog(queues.fragments)).toBe(0);
});

test('waiting, prioritized and running fragments count; those in a retry backoff and finished ones do not', async () => {
  await queues.fragments.add('waiting', job);
  await queues.fragments.add('waiting', job);
  await queues.fragments.add('prioritized', job, { priority: 5 });
  await queues.fragments.add('delayed', job, { delay: 60_000 });
  expect(await fragmentBacklog(queues.fragments)).toBe(3);

  // One worker takes one job and holds it: it is running, still in the backlog.
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  let started = () => {};
  const running = new Promise<void>((resolve) => (started = resolve));
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const worker = new Worker(
    QUEUES.fragments,
    async (_: Job) => {
      started();
      await held;
    },
    { connection, prefix: queues.fragments.opts.prefix, concurrency: 1 },
  );
  try {
    await running;
    expect(await fragmentBacklog(queues.fragments)).toBe(3);
    release();
    // Finished jobs leave the backlog.
    for (let i = 0; i < 100 && (await fragmentBacklog(queues.fragments)) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await fragmentBacklog(queues.fragments)).toBe(0);
  } finally {
    release();
    await worker.close();
    connection.disconnect();
  }
});
