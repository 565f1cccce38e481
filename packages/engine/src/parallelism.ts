/**
 * How many sessions the database runs at full speed at once: the cost model's `databaseParallelism`.
 * Worker slots are not cores — on the benchmark machine 4 slots share 2 with PostgreSQL — and
 * nothing in SQL tells how many cores the server has, so it is measured: one CPU-bound statement
 * alone, then the same in `sessions` sessions at once.
 */
import type { Pool, PoolClient } from 'pg';
import { withLocalSettings } from './connection';
import { explain } from './planning';

/** Pure CPU in the server (a nested loop over two small series; no table, no temp files), about 50–100 ms. */
const PARALLELISM_PROBE_SQL = 'SELECT sum(a.g * b.g) FROM generate_series(1, 1000) a(g), generate_series(1, 1000) b(g)';

/** A catalog every database has, dozens of pages at least: big enough for 2 workers once parallel plans cost nothing. */
const START_PROBE_SQL = 'SELECT count(*) FROM pg_catalog.pg_attribute';
/** Make PostgreSQL plan the probe in parallel, with as many workers as it may. */
const FREE_PARALLELISM = { parallel_setup_cost: '0', parallel_tuple_cost: '0', min_parallel_table_scan_size: '0' };

export interface ParallelStart {
  /** Milliseconds a parallel plan's first worker adds to a trivial statement; 0 where none can start (max_parallel_workers = 0). */
  firstWorkerMs: number;
  /** Milliseconds the second worker adds to that; 0 where it cannot start. */
  furtherWorkerMs: number;
}

/**
 * How long PostgreSQL takes to start a parallel plan's workers: the fastest of several runs of a
 * trivial statement with no worker, one and two. The planner's estimate of this
 * (parallel_setup_cost) is a few milliseconds; on the benchmark machine the first worker took
 * 20–24 ms and the second 9–16 more.
 */
export async function measureParallelStart(pool: Pool): Promise<ParallelStart> {
  const fastest = async (client: PoolClient, runs = 4) => {
    let best = Infinity;
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await client.query(START_PROBE_SQL);
      best = Math.min(best, performance.now() - started);
    }
    return best;
  };
  const withWorkers = (workers: number) => withLocalSettings(pool, { ...FREE_PARALLELISM, max_parallel_workers_per_gather: String(workers) }, fastest);
  const [none, one, two] = [await withWorkers(0), await withWorkers(1), await withWorkers(2)];
  return { firstWorkerMs: Math.max(0, one - none), furtherWorkerMs: Math.max(0, two - one) };
}

export interface ParallelismMeasurement {
  /** Sessions that ran at full speed at once, 1 to `sessions`. */
  parallelism: number;
  /** Milliseconds of the probe alone, and of `sessions` probes at once. */
  aloneMs: number;
  togetherMs: number;
  sessions: number;
  /** PostgreSQL's estimate of the probe (EXPLAIN's total cost), by which `msPerCostOf` reads the lone run. */
  probeCost: number;
}

/**
 * How much faster than the probe a simple scan runs per unit of PostgreSQL's estimate: 0.80–0.85
 * for `SELECT count(*)` over 1M rows and 0.80–0.93 over 100K, five runs each beside the probe on
 * one machine (2026-12-07; a filtered sum over 1M rows ran at 1.20–1.28, which the learned
 * factors correct). Both are CPU in the executor over cached data, so the ratio holds as the
 * machine's speed changes; the speed itself is what the probe measures.
 */
const SCAN_PER_PROBE = 0.82;

/**
 * The cost model's `msPerCost` on this database: milliseconds a simple scan takes per unit of
 * PostgreSQL's estimate, from the probe's lone run. A constant set on one machine was a third of
 * the truth on one two to three times slower, and the first predictions of both sides with it.
 */
export function msPerCostOf(m: Pick<ParallelismMeasurement, 'aloneMs' | 'probeCost'>): number {
  return (m.aloneMs / m.probeCost) * SCAN_PER_PROBE;
}

/**
 * `pool` must allow `sessions` connections. Takes about (5 + 3 × sessions ÷ cores) probes' time.
 * Other load on the server lowers the figure; the fastest of several tries of each step keeps
 * noise from moving it further.
 */
export async function measureParallelism(pool: Pool, sessions: number): Promise<ParallelismMeasurement> {
  const clients = await Promise.all(Array.from({ length: sessions }, () => pool.connect()));
  try {
    const timed = async (run: () => Promise<unknown>) => {
      const started = performance.now();
      await run();
      return performance.now() - started;
    };
    // Warm every session, then take the faster of two lone runs.
    await Promise.all(clients.map((c) => c.query(PARALLELISM_PROBE_SQL)));
    const first = clients[0] as (typeof clients)[number];
    const alone = () => timed(() => first.query(PARALLELISM_PROBE_SQL));
    const together = () => timed(() => Promise.all(clients.map((c) => c.query(PARALLELISM_PROBE_SQL))));
    // Alone runs are short and vary most (±30% between runs here): take the fastest of several.
    const aloneMs = Math.min(await alone(), await alone(), await alone(), await alone());
    const togetherMs = Math.min(await together(), await together());
    const parallelism = Math.min(sessions, Math.max(1, (sessions * aloneMs) / togetherMs));
    const probeCost = (await explain(first, PARALLELISM_PROBE_SQL, false)).estimate.totalCost;
    return { parallelism, aloneMs, togetherMs, sessions, probeCost };
  } finally {
    for (const c of clients) c.release();
  }
}
