/**
 * The benchmark's scale-out section, when the running system reads from streaming replicas
 * (`REPLICAS=2 PIN_REPLICAS=true npm start` pins each replica to a core of its own, standing in
 * for separate machines): a query spread over two replicas at one exact cut (`servers: 2`)
 * against the best PostgreSQL does on one of them — its own parallel plan, serial, and for
 * COUNT(DISTINCT) an expert's DISTINCT-subquery rewrite. Every answer is checked against serial.
 */
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { atServer } from '@pgfan/runtime';
import type { PgfanClient } from '@pgfan/client';
import { BENCH_QUERIES, distinctRewrite } from './queries';
import { directRunner, measure, pgfanRunner, type Mode, type Runner } from './runners';
import { summarize, type Summary } from './stats';

/** Scan-bound, GROUP BY and COUNT(DISTINCT): the shapes whose work grows with the table. */
const QUERIES = ['count', 'sum-filter', 'q1-groupby', 'count-distinct'];

export interface ScaleOutCell {
  query: string;
  mode: string;
  summary: Summary;
  /** Spread: the cut's milliseconds per query (median), and how many ran on one server instead. */
  cutMs?: number;
  fellBack?: number;
  mismatch?: boolean;
}

export interface ScaleOutResults {
  table: string;
  rows: number;
  /** The replicas, and the cores each may run on (null when not on this machine). */
  servers: { name: string; cpus: string | null }[];
  cells: ScaleOutCell[];
  /** Spread queries sent at once: how many cuts they took, made or shared like a group commit. */
  groupCommit?: GroupCommit;
}

/** What concurrent spread queries paid for their cuts. */
export interface GroupCommit {
  queries: number;
  /** Cuts made; the other queries took one of them (`shared`). */
  cuts: number;
  /** Median milliseconds of a cut that was made, and of taking a shared one. */
  madeMs: number;
  sharedMs: number | null;
  /** Cut milliseconds summed over every query, divided by the queries: what each query paid. */
  perQueryMs: number;
  /** Queries that ran on one server after all (no cut could be had). */
  fellBack: number;
}

/** Concurrent spread queries sent at once (a dashboard's refresh). */
const GROUP_COMMIT_QUERIES = 8;

export interface DatabaseServer {
  name: string;
  role: 'primary' | 'replica';
}

/** The cores a server's processes may run on, from a backend's affinity (inherited from its postmaster); null when not local. */
async function cpusOf(url: string): Promise<string | null> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    return /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  } finally {
    await client.end();
  }
}

/** Waits until every replica has replayed what the primary has now (the tables were just seeded). */
async function caughtUp(databaseUrl: string, replicas: string[]): Promise<void> {
  const primary = new Client({ connectionString: databaseUrl });
  await primary.connect();
  const lsn = (await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;
  await primary.end();
  for (const replica of replicas) {
    const client = new Client({ connectionString: atServer(databaseUrl, replica) });
    await client.connect();
    try {
      while (!(await client.query<{ ok: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn])).rows[0]!.ok) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await client.end();
    }
  }
}

export async function runScaleOut(
  databaseUrl: string,
  api: PgfanClient,
  servers: readonly DatabaseServer[],
  table: { table: string; rows: number },
  rounds: number,
  log: (message: string) => void,
): Promise<ScaleOutResults | null> {
  const replicas = servers.filter((s) => s.role === 'replica').map((s) => s.name);
  if (replicas.length < 2) {
    log(`scale-out: not measured (the system reads from ${replicas.length} streaming replica(s), not 2; REPLICAS=2 npm start has them)`);
    return null;
  }
  await caughtUp(databaseUrl, replicas);
  const reference = atServer(databaseUrl, replicas[0]!);
  const spread: Mode[] = [
    { name: 'spread-2×2', kind: 'pgfan', partitions: 2, servers: 2 },
    { name: 'spread-2×4', kind: 'pgfan', partitions: 4, servers: 2 },
  ];
  const cells: ScaleOutCell[] = [];
  for (const query of BENCH_QUERIES.filter((q) => QUERIES.includes(q.name))) {
    const sql = query.sql(table.table);
    const direct: Mode[] = [
      { name: 'one-serial', kind: 'direct', parallelWorkers: 0 },
      { name: 'one-parallel', kind: 'direct', parallelWorkers: null },
      ...(distinctRewrite(sql) ? [{ name: 'one-rewritten', kind: 'direct' as const, parallelWorkers: null, rewrite: distinctRewrite }] : []),
    ];
    const runners: Runner[] = [
      ...(await Promise.all(direct.map((mode) => directRunner(reference, mode as Extract<Mode, { kind: 'direct' }>)))),
      ...spread.map((mode) => pgfanRunner(api, mode as Extract<Mode, { kind: 'pgfan' }>)),
    ];
    try {
      const measured = await measure(runners, sql, rounds);
      for (const [mode, { samples, mismatch }] of measured) {
        const cuts = samples.flatMap((s) => (s.cut ? [s.cut] : []));
        const cutTimes = cuts.flatMap((c) => (c.ms === null ? [] : [c.ms]));
        cells.push({
          query: query.name,
          mode,
          summary: summarize(samples.map((s) => s.ms)),
          ...(cuts.length ? { cutMs: summarize(cutTimes).median, fellBack: cuts.filter((c) => !c.exact).length } : {}),
          ...(mismatch ? { mismatch } : {}),
        });
      }
      log(
        `scale-out ${query.name.padEnd(15)} ms: ${cells
          .filter((c) => c.query === query.name)
          .map((c) => `${c.mode} ${c.summary.median.toFixed(0)}${c.mismatch ? ' ⚠' : ''}`)
          .join(' · ')}`,
      );
    } finally {
      await Promise.all(runners.map((r) => r.close()));
    }
  }
  const groupCommit = await measureGroupCommit(api, BENCH_QUERIES.find((q) => q.name === 'count')!.sql(table.table), GROUP_COMMIT_QUERIES);
  log(
    `scale-out group commit: ${groupCommit.queries} spread queries at once took ${groupCommit.cuts} cut(s) (made: ${groupCommit.madeMs.toFixed(1)} ms median), ${groupCommit.perQueryMs.toFixed(1)} ms per query`,
  );
  const cpus = await Promise.all(replicas.map((name) => cpusOf(atServer(databaseUrl, name))));
  return { ...table, servers: replicas.map((name, i) => ({ name, cpus: cpus[i] ?? null })), cells, groupCommit };
}

/** Sends `queries` spread queries at once and reads what each one's cut cost, made or shared. */
export async function measureGroupCommit(api: PgfanClient, sql: string, queries: number): Promise<GroupCommit> {
  const views = await Promise.all(
    Array.from({ length: queries }, async () => {
      const query = await api.run({ sql, partitions: 2, servers: 2, timeoutMs: 600_000 }, { waitMs: 60_000, pollMs: 50 });
      if (query.status !== 'completed') throw new Error(`a concurrent spread query ${query.status}: ${query.error?.message ?? ''}`);
      return query;
    }),
  );
  const cuts = views.map((v) => v.plan?.cut ?? null);
  const exact = cuts.filter((c) => c?.guarantee === 'equal-replay-position');
  const made = exact.filter((c) => !c?.shared).map((c) => c?.ms ?? 0);
  const shared = exact.filter((c) => c?.shared).map((c) => c?.ms ?? 0);
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  return {
    queries,
    cuts: made.length,
    madeMs: summarize(made).median,
    sharedMs: shared.length ? summarize(shared).median : null,
    perQueryMs: (sum(made) + sum(shared)) / queries,
    fellBack: queries - exact.length,
  };
}

/** How many times faster the faster spread is than the best PostgreSQL does on one replica, per query. */
export function scaleOutSpeedups(results: ScaleOutResults): { query: string; best: ScaleOutCell; spread: ScaleOutCell; speedup: number }[] {
  return [...new Set(results.cells.map((c) => c.query))].flatMap((query) => {
    const of = (prefix: string) =>
      results.cells.filter((c) => c.query === query && c.mode.startsWith(prefix)).sort((a, b) => a.summary.median - b.summary.median)[0];
    const [best, spread] = [of('one-'), of('spread-')];
    return best && spread ? [{ query, best, spread, speedup: best.summary.median / spread.summary.median }] : [];
  });
}
