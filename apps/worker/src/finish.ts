/** Failures of fragment jobs arrive as text; the record needs their code back. */

/** BullMQ's reason for a job that lost its worker more than `maxStalledCount` times. */
const STALLED_TOO_OFTEN = 'job stalled more than allowable limit';

/** The error record for a failure message a fragment job left: `CODE: message`. */
export function parseFailure(reason: string): { code: string; message: string } {
  if (reason === STALLED_TOO_OFTEN) {
    return {
      code: 'WORKER_LOST',
      message: 'the workers running it stopped before it finished, more often than MAX_STALLS allows (killed, out of memory, or shut down mid-job)',
    };
  }
  const match = /^([A-Z_]+): ([\s\S]*)$/.exec(reason);
  return match ? { code: match[1] as string, message: match[2] as string } : { code: 'QUERY_FAILED', message: reason };
}
