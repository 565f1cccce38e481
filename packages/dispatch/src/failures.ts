/**
 * Failures across BullMQ: a job fails with a `JobFailure` as JSON, and the reason BullMQ keeps is
 * read back with the same schema. Retries are BullMQ's: a failure is retried with the job's
 * backoff unless it is final (an UnrecoverableError).
 */
import { JobFailure } from '@pgfan/contracts';
import { UnrecoverableError } from 'bullmq';

/** BullMQ's own reason for a job that lost its worker more than `maxStalledCount` times. */
const STALLED_TOO_OFTEN = 'job stalled more than allowable limit';

/** The text a job fails with. */
export function jobFailureReason(failure: JobFailure): string {
  return JSON.stringify(JobFailure.parse(failure));
}

/** What a processor throws to fail its job with `failure`: retried unless `final`. */
export function jobFailure(failure: JobFailure, options: { final: boolean }): Error {
  const reason = jobFailureReason(failure);
  return options.final ? new UnrecoverableError(reason) : new Error(reason);
}

/**
 * The failure a failed job's reason records. BullMQ's own reasons (a job that kept losing its
 * worker) and any other text, which pgfan's jobs do not fail with, are mapped to one too.
 */
export function readJobFailure(reason: string): JobFailure {
  if (reason === STALLED_TOO_OFTEN) {
    return {
      code: 'WORKER_LOST',
      message: 'the workers running it stopped before it finished, more often than MAX_STALLS allows (killed, out of memory, or shut down mid-job)',
    };
  }
  try {
    const parsed = JobFailure.safeParse(JSON.parse(reason));
    if (parsed.success) return parsed.data;
  } catch {
    // not JSON: below
  }
  return { code: 'QUERY_FAILED', message: reason };
}
