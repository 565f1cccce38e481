/**
 * Housekeeping every worker runs: failing queries whose deadline passed long ago (their
 * coordinator, workers or Redis state died with them), starting over the queries an API was
 * running as written when it died, resuming replay on replicas a cut left
 * paused when its worker died, and deleting the records of finished
 * queries submitted over HISTORY_RETENTION_HOURS ago, and the oldest ones past HISTORY_MAX_BYTES.
 * The compare-and-set and the skipped locks in the store make it harmless to run everywhere.
 */
import { cancelStatements, countStatements, enqueueCoordinator, publishQueryEvent } from '@pgfan/dispatch';
import { apiRunsPastGrace, clearPartialRows, failOverdue, purgeHistory, vacuumHistoryIfNeeded } from '@pgfan/store';
import type { WorkerContext } from './context';

export async function reapOverdue(ctx: WorkerContext): Promise<string[]> {
  const failed = await failOverdue(ctx.storePool, ctx.env.REAPER_GRACE_MS);
  for (const { id, error, totalMs } of failed) {
    await cancelStatements(ctx.servers.pools, id);
    // A combine that never recorded an outcome left its spilled partial rows behind.
    await clearPartialRows(ctx.storePool, id).catch(() => undefined);
    await publishQueryEvent(ctx.redis, { type: 'failed', id, error, totalMs }).catch(() => undefined);
  }
  return failed.map((f) => f.id);
}

/**
 * Queries an API was running as written (apps/api/src/inline-runs.ts) whose statement is gone
 * while their record still says running: the API died with them, and nothing else would run them.
 * Seen so at two passes in a row (a live API writes its record within moments of its statement's
 * end), each is queued as its next generation for a coordinator, as the API's shutdown does; the
 * job's id makes that once, however many workers see it. Returns their ids.
 * @param suspects what the previous pass saw (kept between passes by the caller).
 */
export async function recoverApiRuns(ctx: WorkerContext, suspects: Map<string, number>): Promise<string[]> {
  const runs = await apiRunsPastGrace(ctx.storePool, ctx.env.REAPER_GRACE_MS);
  const counts = await Promise.all(runs.map((run) => countStatements(ctx.servers.pools, run.id, run.generation)));
  const gone = runs.filter((_, i) => counts[i] === 0);
  const lost = gone.filter((run) => suspects.get(run.id) === run.generation);
  await Promise.all(lost.map((run) => enqueueCoordinator(ctx.queues, { queryId: run.id, generation: run.generation + 1 })));
  suspects.clear();
  for (const run of gone) if (!lost.includes(run)) suspects.set(run.id, run.generation);
  return lost.map((run) => run.id);
}

/** How often a worker purges the history: a record kept for days may stay minutes longer. */
const PURGE_INTERVAL_MS = 10 * 60_000;

/** Deletes finished records past the retention (and vacuums after, where autovacuum is off); how many it deleted. */
async function purgeOldHistory(ctx: WorkerContext): Promise<number> {
  const deleted = await purgeHistory(ctx.storePool, { maxAgeMs: ctx.env.HISTORY_RETENTION_HOURS * 3_600_000, maxBytes: ctx.env.HISTORY_MAX_BYTES });
  if (deleted > 0) await vacuumHistoryIfNeeded(ctx.storePool);
  return deleted;
}

/** The retention in words, for the log. */
function retentionInWords(env: WorkerContext['env']): string {
  return [
    ...(env.HISTORY_RETENTION_HOURS > 0 ? [`submitted over ${env.HISTORY_RETENTION_HOURS} h ago`] : []),
    ...(env.HISTORY_MAX_BYTES > 0 ? [`the oldest past ${env.HISTORY_MAX_BYTES} bytes of history`] : []),
  ].join(', or ');
}

export function startReaper(ctx: WorkerContext): { stop(): void } {
  const { logger } = ctx;
  const suspects = new Map<string, number>();
  const reaping = setInterval(() => {
    reapOverdue(ctx).then(
      (ids) => ids.length > 0 && logger.warn({ queryIds: ids }, `failed ${ids.length} overdue quer${ids.length === 1 ? 'y' : 'ies'}: ${ids.join(', ')}`),
      () => undefined,
    );
    recoverApiRuns(ctx, suspects).then(
      (ids) =>
        ids.length > 0 &&
        logger.warn(
          { queryIds: ids },
          `started over ${ids.length} quer${ids.length === 1 ? 'y' : 'ies'} an API was running when it stopped: ${ids.join(', ')}`,
        ),
      (error: Error) => logger.warn(`looking for queries a stopped API was running failed: ${error.message}`),
    );
    ctx.servers.resumeAbandonedPauses().then(
      (names) => names.length > 0 && logger.warn(`resumed replay on ${names.join(', ')}: a cut whose worker died had left it paused`),
      () => undefined,
    );
  }, ctx.env.REAPER_INTERVAL_MS);
  if (ctx.env.HISTORY_RETENTION_HOURS === 0 && ctx.env.HISTORY_MAX_BYTES === 0) return { stop: () => clearInterval(reaping) };
  const purge = () =>
    purgeOldHistory(ctx).then(
      (deleted) => deleted > 0 && logger.info(`deleted ${deleted} record(s) of finished queries: ${retentionInWords(ctx.env)}`),
      (error: Error) => logger.warn(`purging the query history failed: ${error.message}`),
    );
  // Soon after start, so that a history that outgrew its retention while no worker ran shrinks.
  const first = setTimeout(purge, ctx.env.REAPER_INTERVAL_MS);
  const purging = setInterval(purge, PURGE_INTERVAL_MS);
  return {
    stop: () => {
      clearInterval(reaping);
      clearTimeout(first);
      clearInterval(purging);
    },
  };
}
