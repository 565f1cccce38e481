/**
 * Measures what the database can do, for the cost model: how many sessions it runs at full speed
 * at once (worker slots are not cores: the model needs to know which fragment counts really run
 * side by side), how fast it runs what PostgreSQL estimates (`msPerCost`), and how long its
 * parallel workers take to start (PostgreSQL's estimate is a few
 * milliseconds; it measured 20–24 here for the first worker and 9–16 for the second). Until the
 * first measurement, every worker slot counts as one and queries run in the plan PostgreSQL picks.
 *
 * A first measurement, or one clearly worse than the figures in force, is confirmed by another
 * two to three minutes later, and the better of the two is kept (settle.ts): one taken while `npm start`
 * brought its processes up counted 1.5 sessions on a server that runs 2.
 *
 * Once per database, however many processes ask: each tries soon after it starts and then every
 * minute, and only the one that takes the Redis lock measures. The lock lasts the interval
 * (`everyMs`), so the next measurement comes an interval later whoever takes it, and a process that
 * starts meanwhile (a rollout) leaves the database alone; a Redis that lost the measurements lost
 * the lock with them, so they are taken again within a minute. The probe is CPU-bound on the database for
 * about a second; it has sessions of its own, so planning never waits behind it.
 */
import { createQueryPool, measureParallelism, measureParallelStart, msPerCostOf } from '@pgfan/engine';
import type { Redis } from 'ioredis';
import { settleMeasurement, type DatabaseFigures } from './settle';
import { measuredFigures, readCostModel, readPendingMeasurement, recordServerParallelism, recordSettledFigures } from './store';
import type { Logger } from '../logger';

/** Enough to tell up to 8 cores apart; a measurement takes about 5 + 24 ÷ cores probes of ~70 ms. */
const PROBE_SESSIONS = 8;

/** Held by whoever measures, for the interval: the next measurement is one interval later. */
export const MEASUREMENT_LOCK = 'pgfan:cost-model:measurement';
/** The measurement's sessions, as pg_stat_activity names them: they close once it has written. */
export const MEASUREMENT_APPLICATION_NAME = 'pgfan database measurement';

export interface MeasurementOptions {
  /** Where users' queries run: the database measured. */
  connectionString: string;
  /**
   * Its streaming replicas, by the name records give them: each is measured too, after the
   * primary, for the servers' capacity (health, and how many a query is spread over).
   */
  replicas?: { name: string; url: string }[];
  /** The primary's name, as records give it (its parallelism is kept under it too, with replicas). */
  primaryName?: string;
  redis: Redis;
  /** How often the database is measured; 0 never measures it. */
  everyMs: number;
  /** The first try, after start. @defaultValue 5000 */
  firstAfterMs?: number;
  /** How often to try for the lock; the interval or a minute, whichever is shorter. @defaultValue 60000 */
  tryEveryMs?: number;
  /** How soon a measurement to be confirmed is followed by another (settle.ts); at most the interval. @defaultValue 120000 */
  confirmAfterMs?: number;
  /** Who takes the lock, for people reading it in Redis. */
  holder: string;
  logger: Logger;
}

/** Measures the database now if no process has within the interval; whether this one did. */
export async function measureDatabaseOnce(options: MeasurementOptions): Promise<boolean> {
  const taken = await options.redis.set(MEASUREMENT_LOCK, options.holder, 'PX', options.everyMs, 'NX');
  if (taken !== 'OK') return false;
  const pool = createQueryPool({ connectionString: options.connectionString, max: PROBE_SESSIONS, applicationName: MEASUREMENT_APPLICATION_NAME });
  try {
    const m = await measureParallelism(pool, PROBE_SESSIONS);
    const start = await measureParallelStart(pool);
    const measured = {
      databaseParallelism: m.parallelism,
      msPerCost: msPerCostOf(m),
      parallelStartMs: start.firstWorkerMs,
      parallelWorkerStartMs: start.furtherWorkerMs,
    };
    const [model, pending] = await Promise.all([readCostModel(options.redis), readPendingMeasurement(options.redis)]);
    const before = { inForce: measuredFigures(model), pending };
    const settled = settleMeasurement(before.inForce, before.pending, measured);
    const confirmAfterMs = Math.min(options.everyMs, options.confirmAfterMs ?? CONFIRM_AFTER_MS);
    // Kept past the next few tries: a confirmation that never comes (every process gone) lets it lapse.
    await recordSettledFigures(options.redis, settled, confirmAfterMs * 3);
    // The lock says when the next measurement is taken: soon, to confirm this one; else an interval on.
    if (settled.pending) await options.redis.pexpire(MEASUREMENT_LOCK, confirmAfterMs);
    const outcome = settled.pending
      ? before.inForce
        ? `worse than the figures in force, which stand until another measurement in ${seconds(confirmAfterMs)} says so too (load on the server only ever makes one look worse)`
        : `the cost model plans with it, and measures again in ${seconds(confirmAfterMs)} to confirm it (load on the server only ever makes a measurement look worse)`
      : before.pending
        ? `with the measurement before it, the better of each figure stands: ${describe(settled.inForce)}`
        : 'the cost model plans with it';
    options.logger.info(
      `the database ran ${m.sessions} sessions ${m.parallelism.toFixed(1)}× as fast as one (${m.aloneMs.toFixed(0)} ms alone, ${m.togetherMs.toFixed(0)} ms together): ${describe(measured)}; ${outcome}`,
    );
    if (options.replicas?.length) {
      if (options.primaryName) await recordServerParallelism(options.redis, options.primaryName, m.parallelism);
      await measureReplicas(options);
    }
    return true;
  } catch (error) {
    options.logger.warn(`could not measure the database's parallelism (${(error as Error).message}); the cost model counts every worker slot as one`);
    return true;
  } finally {
    await pool.end().catch(() => undefined);
  }
}

/**
 * How soon a measurement that must be confirmed (the first, or one worse than the figures in
 * force: settle.ts) is followed by another: after `npm start` has brought its processes up.
 */
const CONFIRM_AFTER_MS = 120_000;

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/** The figures as the log says them. */
function describe(f: DatabaseFigures): string {
  return `${f.databaseParallelism.toFixed(1)} sessions at full speed, ${(f.msPerCost * 1000).toFixed(2)} µs per unit of PostgreSQL's estimate, parallel workers starting in ${f.parallelStartMs.toFixed(1)} ms and ${f.parallelWorkerStartMs.toFixed(1)} ms more for each after the first`;
}

/** Each replica's parallelism, one after another (a replica may be down: the others still are). */
async function measureReplicas(options: MeasurementOptions): Promise<void> {
  for (const replica of options.replicas ?? []) {
    const pool = createQueryPool({ connectionString: replica.url, max: PROBE_SESSIONS, applicationName: MEASUREMENT_APPLICATION_NAME });
    try {
      const m = await measureParallelism(pool, PROBE_SESSIONS);
      await recordServerParallelism(options.redis, replica.name, m.parallelism);
      options.logger.info(`replica ${replica.name} ran ${m.sessions} sessions ${m.parallelism.toFixed(1)}× as fast as one`);
    } catch (error) {
      options.logger.warn(`could not measure replica ${replica.name} (${(error as Error).message})`);
    } finally {
      await pool.end().catch(() => undefined);
    }
  }
}

/** Tries to measure soon after start, then every minute (measuring once an interval), until `stop()`; with `everyMs` 0, never. */
export function startDatabaseMeasurement(options: MeasurementOptions): { stop(): void } {
  if (options.everyMs <= 0) return { stop: () => undefined };
  const attempt = () => void measureDatabaseOnce(options).catch((error: Error) => options.logger.warn(`database measurement: ${error.message}`));
  const timers = [setTimeout(attempt, options.firstAfterMs ?? 5_000), setInterval(attempt, Math.min(options.everyMs, options.tryEveryMs ?? 60_000))];
  timers.forEach((timer) => timer.unref());
  return { stop: () => timers.forEach((timer) => clearTimeout(timer)) };
}
