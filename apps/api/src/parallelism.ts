/**
 * Measures how many sessions the database runs at full speed at once, and how long its parallel
 * workers take to start, for the cost model: soon after start (once workers and the rest have
 * settled), then every `everyMs`, in the background. Worker slots are not cores, and the model
 * needs to know which fragment counts can really run side by side; PostgreSQL's estimate of the
 * workers' start-up is a few milliseconds, and it measured 20–24 here for the first worker and
 * 9–16 for the second. Until the first measurement, every worker slot counts as one and queries
 * run in the plan PostgreSQL picks. It has sessions of its own, for the second it takes: requests
 * planning meanwhile never wait behind it.
 */
import { recordDatabaseMeasurements } from '@pgfan/dispatch';
import { createQueryPool, measureParallelism, measureParallelStart } from '@pgfan/engine';
import type { Redis } from 'ioredis';

/** Enough to tell up to 8 cores apart; a measurement takes about 5 + 24 ÷ cores probes of ~70 ms. */
const PROBE_SESSIONS = 8;

export function startParallelismProbe(
  ctx: { connectionString: string; redis: Redis },
  log: (message: string) => void,
  { firstAfterMs = 5_000, everyMs = 3_600_000 } = {},
): { stop(): void } {
  const measure = async () => {
    const pool = createQueryPool({ connectionString: ctx.connectionString, max: PROBE_SESSIONS, applicationName: 'pgfan-api parallelism probe' });
    try {
      const m = await measureParallelism(pool, PROBE_SESSIONS);
      const start = await measureParallelStart(pool);
      await recordDatabaseMeasurements(ctx.redis, {
        databaseParallelism: m.parallelism,
        parallelStartMs: start.firstWorkerMs,
        parallelWorkerStartMs: start.furtherWorkerMs,
      });
      log(
        `the database ran ${m.sessions} sessions ${m.parallelism.toFixed(1)}× as fast as one (${m.aloneMs.toFixed(0)} ms alone, ${m.togetherMs.toFixed(0)} ms together): the cost model plans for ${m.parallelism.toFixed(1)} fragments at full speed at once; its parallel workers take ${start.firstWorkerMs.toFixed(1)} ms to start, and ${start.furtherWorkerMs.toFixed(1)} ms more for each after the first`,
      );
    } catch (error) {
      log(`could not measure the database's parallelism (${(error as Error).message}); the cost model counts every worker slot as one`);
    } finally {
      await pool.end().catch(() => undefined);
    }
  };
  const first = setTimeout(() => void measure(), firstAfterMs);
  const timer = setInterval(() => void measure(), everyMs);
  first.unref();
  timer.unref();
  return {
    stop: () => {
      clearTimeout(first);
      clearInterval(timer);
    },
  };
}
