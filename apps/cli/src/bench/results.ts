/** What one benchmark run found: the JSON written to bench/results/, and the targets judged from it. */
import type { ClickBenchResults } from './clickbench';
import { scaleOutSpeedups, type ScaleOutResults } from './scale-out';
import { formatTimes, speedup, type Summary } from './stats';

export interface Cell {
  table: string;
  rows: number;
  query: string;
  mode: string;
  summary: Summary;
  /** pgfan: the fragment counts it ran as (auto mode may vary). */
  partitions?: number[];
  /** pgfan: some answer differed from PostgreSQL's (never expected; reported, not hidden). */
  mismatch?: boolean;
}

export interface ThroughputRun {
  users: number;
  seconds: number;
  completed: number;
  errors: number;
  perSecond: number;
  p50: number;
  p99: number;
}

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  quick: boolean;
  commit: string | null;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; postgres: string; parallelWorkersDefault: number };
  workers: { atStart: number; atEnd: number };
  /**
   * The database as the cost model knew it when the run started, from the API's measurement
   * (null: not measured, and auto took PostgreSQL's plans as they came). Absent in older results.
   */
  measured?: {
    databaseParallelism: number | null;
    parallelStartMs: number | null;
    /** Absent in older results. */
    msPerCost?: number | null;
    /** False when the run began before the API confirmed its measurement; absent in older results, or without one. */
    confirmed?: boolean;
  };
  rounds: number;
  modes: string[];
  cells: Cell[];
  overhead: {
    table: string;
    direct: Summary;
    pgfan: Summary;
    partitions: number;
    overheadMs: number;
    /** Workers live when it was measured; absent in older results. */
    workers?: number;
    /** The same, each sample after `seconds` without a query, measured first in the run; absent in older results. */
    afterPause?: { seconds: number; direct: Summary; pgfan: Summary; overheadMs: number; workers: number };
  };
  /** pgfan through REST (`runs`), and the same query straight to PostgreSQL through a pool of up to 20 connections (`direct`). */
  throughput: { sql: string; runs: ThroughputRun[]; direct: ThroughputRun[] };
  /** The same query through pgfan's PostgreSQL port (PG_URL), at the client counts a pool of 20 serves; beside `throughput.direct`. */
  protocol?: { runs: ThroughputRun[] } | { skipped: string };
  /** ClickBench's 43 queries: PostgreSQL with its parallel query against pgfan in automatic mode. */
  clickbench?: ClickBenchResults;
  /** With streaming replicas: a query spread over two against PostgreSQL's best on one. */
  scaleOut?: ScaleOutResults;
}

export interface Target {
  name: string;
  goal: string;
  measured: string;
  met: boolean | null;
}

/** PostgreSQL on its own: serial, its parallel plan, and the expert's rewrite where there is one. */
const DIRECT = ['direct-serial', 'direct-parallel', 'direct-parallel-cores', 'direct-rewritten'];

export function cellOf(results: BenchResults, table: string, query: string, mode: string): Cell | undefined {
  return results.cells.find((c) => c.table === table && c.query === query && c.mode === mode);
}

/** The faster of the direct modes for one query (the bar pgfan has to clear). */
export function bestDirect(results: BenchResults, table: string, query: string): Cell | undefined {
  return results.cells.filter((c) => c.table === table && c.query === query && DIRECT.includes(c.mode)).sort((a, b) => a.summary.median - b.summary.median)[0];
}

/** The issue's targets, judged from the measurements (null: this run did not measure it). */
export function judgeTargets(results: BenchResults): Target[] {
  const largest = [...new Set(results.cells.map((c) => c.rows))].sort((a, b) => b - a)[0];
  const bigTable = results.cells.find((c) => c.rows === largest)?.table ?? '';
  const bigLabel = largest ? `${(largest / 1e6).toLocaleString('en-US')}M rows` : '';
  const single = results.throughput.runs.find((r) => r.users === 1);
  const twenty = results.throughput.runs.find((r) => r.users === 20);
  const directTwenty = results.throughput.direct.find((r) => r.users === 20);
  const portTwenty = results.protocol && 'runs' in results.protocol ? results.protocol.runs.find((r) => r.users === 20) : undefined;
  // At the 95th percentile as at the median: pgfan's time less PostgreSQL's.
  const overheadP95 = results.overhead.pgfan.p95 - results.overhead.direct.p95;
  const paused = results.overhead.afterPause;
  const pausedP95 = paused ? paused.pgfan.p95 - paused.direct.p95 : NaN;
  const autoVsSerial = (query: string) => {
    const serial = cellOf(results, bigTable, query, 'direct-serial');
    const auto = cellOf(results, bigTable, query, 'pgfan-auto');
    return serial && auto ? speedup(serial.summary.median, auto.summary.median) : NaN;
  };
  const scanBound = ['count', 'sum-filter', 'q1-groupby'].map((q) => [q, autoVsSerial(q)] as const);
  const distinct = (() => {
    const best = bestDirect(results, bigTable, 'count-distinct');
    const auto = cellOf(results, bigTable, 'count-distinct', 'pgfan-auto');
    return best && auto ? speedup(best.summary.median, auto.summary.median) : NaN;
  })();
  const autoCells = results.cells.filter((c) => c.mode === 'pgfan-auto');
  const slowest = autoCells
    .map((c) => ({ c, ratio: c.summary.median / (bestDirect(results, c.table, c.query)?.summary.median ?? NaN) }))
    .sort((a, b) => b.ratio - a.ratio)[0];
  const { clickbench } = results;
  const ms = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '–' : `${n.toFixed(1)} ms`);
  const spread = results.scaleOut ? scaleOutSpeedups(results.scaleOut) : [];
  const spreadOf = (queries: string[]) => spread.filter((s) => queries.includes(s.query));
  const scaling = spreadOf(['count', 'sum-filter', 'q1-groupby']);
  const distinctSpread = spreadOf(['count-distinct']);
  return [
    {
      name: 'headline query, end to end',
      goal: 'p50 ≤ 10 ms',
      measured: single ? `p50 ${ms(single.p50)}` : '–',
      met: single ? single.p50 <= 10 : null,
    },
    {
      name: 'dispatch overhead, 4 forced fragments',
      goal: 'p50 ≤ 10 ms, p95 ≤ 25 ms',
      measured: `p50 ${ms(results.overhead.overheadMs)}, p95 ${ms(overheadP95)}`,
      met: results.overhead.overheadMs <= 10 && overheadP95 <= 25,
    },
    ...(paused
      ? [
          {
            name: `dispatch overhead, 4 forced fragments, after ${paused.seconds} s idle`,
            goal: 'p50 ≤ 10 ms, p95 ≤ 25 ms',
            measured: `p50 ${ms(paused.overheadMs)}, p95 ${ms(pausedP95)} (of ${paused.pgfan.n})`,
            met: paused.overheadMs <= 10 && pausedP95 <= 25,
          },
        ]
      : []),
    {
      name: `scan-bound queries, ${bigLabel}, auto vs direct serial`,
      goal: '≥ 1.5× each',
      measured: scanBound.map(([q, r]) => `${q} ${formatTimes(r)}`).join(', '),
      met: largest && largest >= 10_000_000 ? scanBound.every(([, r]) => r >= 1.5) : null,
    },
    {
      name: `COUNT(DISTINCT), ${bigLabel}, auto vs the faster direct mode`,
      goal: '≥ 1.5×',
      measured: formatTimes(distinct),
      met: largest && largest >= 10_000_000 ? distinct >= 1.5 : null,
    },
    {
      name: 'auto mode vs the faster direct mode, every query and table',
      goal: 'never > 10% slower',
      measured: slowest ? `worst: ${slowest.c.query} on ${slowest.c.table}, ${formatTimes(1 / slowest.ratio)}` : '–',
      met: slowest ? slowest.ratio <= 1.1 : null,
    },
    {
      name: `ClickBench's 43 queries${clickbench ? `, ${clickbench.rows.toLocaleString('en-US')} rows` : ''}: auto's total vs PostgreSQL's with its parallel query`,
      goal: '≤ 1.0×',
      measured: clickbench
        ? `${formatTimes(clickbench.total.pgfan / clickbench.total.direct)} (${ms(clickbench.total.pgfan)} vs ${ms(clickbench.total.direct)})`
        : '–',
      met: clickbench ? clickbench.total.pgfan <= clickbench.total.direct && clickbench.cells.every((c) => !c.mismatch) : null,
    },
    {
      name: "spread over 2 replicas vs PostgreSQL's best on one: scan-bound and GROUP BY",
      goal: '≥ 1.7× each',
      measured: scaling.length ? scaling.map((s) => `${s.query} ${formatTimes(s.speedup)}`).join(', ') : '–',
      met: scaling.length ? scaling.every((s) => s.speedup >= 1.7) : null,
    },
    {
      name: "spread over 2 replicas vs PostgreSQL's best on one (plain or rewritten): COUNT(DISTINCT)",
      goal: '≥ 1.8×',
      measured: distinctSpread.length ? distinctSpread.map((s) => formatTimes(s.speedup)).join(', ') : '–',
      met: distinctSpread.length ? distinctSpread.every((s) => s.speedup >= 1.8) : null,
    },
    throughputTarget('through REST', twenty, directTwenty),
    throughputTarget('through the PostgreSQL port', portTwenty, directTwenty),
  ];
}

/** The headline query's rate at 20 clients on one path, against PostgreSQL's own in the same run. */
function throughputTarget(path: string, run: ThroughputRun | undefined, direct: ThroughputRun | undefined): Target {
  const ratio = run && direct ? run.perSecond / direct.perSecond : NaN;
  return {
    name: `headline query at 20 concurrent clients, ${path}`,
    goal: "≥ 0.8× PostgreSQL's own rate in the same run, no errors",
    measured:
      run && direct ? `${run.perSecond.toFixed(0)}/s against PostgreSQL's ${direct.perSecond.toFixed(0)}/s (${formatTimes(ratio)}), ${run.errors} errors` : '–',
    met: run && direct ? ratio >= 0.8 && run.errors === 0 : null,
  };
}
