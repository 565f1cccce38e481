/**
 * How many sessions the database runs at full speed at once: the cost model's `databaseParallelism`.
 * Worker slots are not cores — on the benchmark machine 4 slots share 2 with PostgreSQL — and
 * nothing in SQL tells how many cores the server has, so it is measured: one CPU-bound statement
 * alone, then the same in `sessions` sessions at once.
 */
import type { Pool } from 'pg';

/** Pure CPU in the server (a nested loop over two small series; no table, no temp files), about 50–100 ms. */
const PARALLELISM_PROBE_SQL = 'SELECT sum(a.g * b.g) FROM generate_series(1, 1000) a(g), generate_series(1, 1000) b(g)';

export interface ParallelismMeasurement {
  /** Sessions that ran at full speed at once, 1 to `sessions`. */
  parallelism: number;
  /** Milliseconds of the probe alone, and of `sessions` probes at once. */
  aloneMs: number;
  togetherMs: number;
  sessions: number;
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
    return { parallelism, aloneMs, togetherMs, sessions };
  } finally {
    for (const c of clients) c.release();
  }
}
