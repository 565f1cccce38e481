/** The BullMQ queues and flows of query execution. */
import { CoordinateJob, CombineJob, FragmentJob, JOB_POLICY, QUEUES, QUEUE_PREFIX } from '@pgfan/contracts';
import { FlowProducer, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobIds } from './names';
import type { JobSigner } from './signing';

/** A job as it sits in Redis: its payload and the HMAC that shows pgfan made it (signing.ts). */
export type Signed<T> = T & { signature: string };

export interface Queues {
  coordinate: Queue<Signed<CoordinateJob>>;
  fragments: Queue<Signed<FragmentJob>>;
  combine: Queue<Signed<CombineJob>>;
  flows: FlowProducer;
  /** Signs every job added here, and verifies what workers take and hand on. */
  signer: JobSigner;
  close(): Promise<void>;
}

/** BullMQ keeps a stream of job events per queue; this caps its length. */
const EVENTS_MAX_LEN = 2000;

/** Producer-side handles on every queue, sharing one Redis connection; jobs added through them are signed by `signer`. */
export function openQueues(connection: Redis, signer: JobSigner): Queues {
  const options = { connection, prefix: QUEUE_PREFIX, streams: { events: { maxLen: EVENTS_MAX_LEN } } };
  const coordinate = new Queue<Signed<CoordinateJob>>(QUEUES.coordinate, options);
  const fragments = new Queue<Signed<FragmentJob>>(QUEUES.fragments, options);
  const combine = new Queue<Signed<CombineJob>>(QUEUES.combine, options);
  const flows = new FlowProducer({ connection, prefix: QUEUE_PREFIX });
  return {
    coordinate,
    fragments,
    combine,
    flows,
    signer,
    close: async () => {
      await Promise.all([coordinate.close(), fragments.close(), combine.close(), flows.close()]);
    },
  };
}

/** Asks a worker to run generation `generation` of a query. Adding the same generation twice is a no-op. */
export async function enqueueCoordinator(queues: Queues, job: CoordinateJob): Promise<void> {
  await queues.coordinate.add('coordinate', queues.signer.sign('coordinate', CoordinateJob.parse(job)), {
    jobId: jobIds.coordinate(job.queryId, job.generation),
    ...JOB_POLICY.coordinate,
    removeOnComplete: JOB_POLICY.removeOnComplete,
    removeOnFail: JOB_POLICY.removeOnFail,
  });
}

/**
 * One flow per query generation: a combine parent and one child per fragment. Children that
 * exhaust their retries wake the parent at once (`continueParentOnFailure`), so a failed
 * fragment fails the query instead of leaving the parent waiting for ever.
 */
export async function addQueryFlow(queues: Queues, combine: CombineJob, fragments: FragmentJob[]): Promise<void> {
  await queues.flows.add({
    name: 'combine',
    queueName: QUEUES.combine,
    data: queues.signer.sign('combine', CombineJob.parse(combine)),
    opts: {
      jobId: jobIds.combine(combine.queryId, combine.generation),
      ...JOB_POLICY.combine,
      removeOnComplete: JOB_POLICY.removeOnComplete,
      removeOnFail: JOB_POLICY.removeOnFail,
    },
    children: fragments.map((f) => ({
      name: 'fragment',
      queueName: QUEUES.fragments,
      data: queues.signer.sign('fragment', FragmentJob.parse(f)),
      opts: {
        jobId: jobIds.fragment(f.queryId, f.generation, f.index),
        ...JOB_POLICY.fragment,
        continueParentOnFailure: true,
        removeOnComplete: JOB_POLICY.removeOnComplete,
        removeOnFail: JOB_POLICY.removeOnFail,
      },
    })),
  });
}

/**
 * Fragment jobs holding or waiting for a worker slot: the backlog a new fan-out queues behind.
 * One Redis script. Delayed jobs (retries in their backoff) are not counted: they hold no slot yet.
 */
export async function fragmentBacklog(fragments: Queues['fragments']): Promise<number> {
  const counts = await fragments.getJobCounts('active', 'waiting', 'prioritized');
  return (counts.active ?? 0) + (counts.waiting ?? 0) + (counts.prioritized ?? 0);
}
