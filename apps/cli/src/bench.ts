#!/usr/bin/env node
/**
 * `npm run bench [-- --quick]`: pgfan against PostgreSQL itself, in one run, on this machine.
 * Direct serial and parallel PostgreSQL, pgfan auto and forced to 2/4/8 fragments, over demo
 * tables of 100K, 1M and 10M rows; the dispatch overhead on a one-page table; throughput of the
 * headline query at 1, 20 and 100 clients; ClickBench's 43 queries on 1M generated `hits` rows
 * (bench/clickbench.ts); with streaming replicas, a query spread over two of them against
 * PostgreSQL's best on one (bench/scale-out.ts). Modes run interleaved, and every pgfan
 * answer is compared with PostgreSQL's. Writes bench/results/<time>.{json,md,svg}.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { PgfanUnreachableError, type PgfanClient } from '@pgfan/client';
import { apiClient } from './api';
import { runClickBench } from './bench/clickbench';
import { BENCH_QUERIES, distinctRewrite, HEADLINE } from './bench/queries';
import { runScaleOut, type DatabaseServer } from './bench/scale-out';
import { renderMarkdown, renderSvg } from './bench/report';
import type { BenchResults, Cell, ThroughputRun } from './bench/results';
import { directLoad, directRunner, measure, measureAfterPauses, pgfanRunner, restLoad, type Mode } from './bench/runners';
import { quantile, summarize, type Summary } from './bench/stats';
import { loadEnv, redactUrl, runCommand } from './env';
import { seedDemo } from './seed';

const ROOT = join(__dirname, '..', '..', '..');

export interface BenchPlan {
  quick: boolean;
  tables: { table: string; rows: number }[];
  rounds: number;
  overheadRounds: number;
  /**
   * The overhead again, each sample after this long without a query (the "idle for a
   * minute beforehand": what a dashboard's refresh, or a user's first query, meets), measured
   * before anything else in the run.
   */
  afterPause: { seconds: number; rounds: number };
  throughputUsers: number[];
  throughputSeconds: number;
  /** ClickBench's queries on a generated `hits` table of this many rows. */
  clickbench: { table: string; rows: number };
  /**
   * How long to wait for the API to confirm its measurement of the database (a second one, two to
   * three minutes after the first): a first one, taken while `npm start` brought its processes up,
   * may read the server slower than it is (run 23), and a run planned on it says little.
   */
  confirmationWaitMs: number;
}

export function benchPlan(quick: boolean, rounds?: number): BenchPlan {
  return {
    quick,
    tables: [
      { table: 'bench_events_100k', rows: 100_000 },
      { table: 'bench_events_1m', rows: 1_000_000 },
      ...(quick ? [] : [{ table: 'bench_events_10m', rows: 10_000_000 }]),
    ],
    rounds: rounds ?? (quick ? 3 : 7),
    overheadRounds: quick ? 30 : 100,
    afterPause: { seconds: 60, rounds: quick ? 1 : 3 },
    throughputUsers: [1, 20, 100],
    throughputSeconds: quick ? 3 : 10,
    clickbench: { table: 'bench_hits_1m', rows: 1_000_000 },
    confirmationWaitMs: 240_000,
  };
}

const TINY = { table: 'bench_events_tiny', rows: 100 };

/** The overhead's two sides, summarized: direct first, pgfan forced into fragments second. */
function overheadOf(measured: Map<string, { samples: { ms: number }[]; mismatch: boolean }>): { direct: Summary; pgfan: Summary } {
  const [direct, pgfan] = [...measured.entries()].map(([mode, { samples, mismatch }]) => {
    if (mismatch) throw new Error(`the overhead's ${mode} answered differently from PostgreSQL`);
    return summarize(samples.map((s) => s.ms));
  }) as [Summary, Summary];
  return { direct, pgfan };
}

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

async function health(api: PgfanClient): Promise<{
  workers?: { live?: number };
  servers?: DatabaseServer[];
  costModel?: { databaseParallelism?: number | null; msPerCost?: number; parallelStartMs?: number | null; measurementConfirmed?: boolean } | null;
}> {
  const report = await api.health().catch((error: Error) => {
    throw error instanceof PgfanUnreachableError ? new Error(`${error.message}; start the system with npm start first`) : error;
  });
  // Without the key, the verdict alone: no figures.
  return 'workers' in report ? report : {};
}

type ModelReport = Awaited<ReturnType<typeof health>>['costModel'];

/** The cost model as the run will find it, once the API has confirmed its measurement of the database, or `waitMs` has passed. */
async function confirmedModel(api: PgfanClient, model: ModelReport, waitMs: number): Promise<ModelReport> {
  if (model?.measurementConfirmed !== false || waitMs <= 0) return model;
  log('waiting for the API to confirm its measurement of the database (a second one, two to three minutes after the first)…');
  const until = Date.now() + waitMs;
  let latest: ModelReport = model;
  while (latest?.measurementConfirmed === false && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    latest = (await health(api)).costModel;
  }
  if (latest?.measurementConfirmed === false) log('the measurement is still to be confirmed: the run goes on with it, and its report says so');
  return latest;
}

async function liveWorkers(api: PgfanClient): Promise<number> {
  return (await health(api)).workers?.live ?? 0;
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** Where the bench reaches pgfan besides `api`. */
export interface BenchReach {
  /** pgfan's PostgreSQL port, to measure the protocol path (throughput at the client counts up to 20); not measured without it. */
  pgUrl?: string;
  /** The key `api` sends, for the REST load, which sends its own requests (`restLoad`). */
  apiKey?: string | null;
}

export async function runBench(databaseUrl: string, api: PgfanClient, plan: BenchPlan, reach: BenchReach = {}): Promise<BenchResults> {
  const { pgUrl, apiKey = null } = reach;
  const startedAt = new Date().toISOString();
  const atStart = await health(api);
  const workersAtStart = atStart.workers?.live ?? 0;
  if (workersAtStart === 0) throw new Error('no pgfan worker is alive: start the system with npm start first');
  const model = await confirmedModel(api, atStart.costModel, plan.confirmationWaitMs);
  const measured = {
    databaseParallelism: model?.databaseParallelism ?? null,
    msPerCost: model?.msPerCost ?? null,
    parallelStartMs: model?.parallelStartMs ?? null,
    ...(model?.measurementConfirmed === undefined ? {} : { confirmed: model.measurementConfirmed }),
  };
  if (measured.databaseParallelism === null) {
    log(
      "the cost model has no measurement of the database yet (the API takes one at its start, and within a minute of Redis losing it): auto will run on PostgreSQL's plans as they come",
    );
  }

  for (const { table, rows } of [...plan.tables, TINY]) {
    const seconds = await seedDemo(databaseUrl, rows, { table, ifDifferentSize: true });
    if (seconds !== null) log(`seeded ${table} (${rows.toLocaleString('en-US')} rows) in ${seconds.toFixed(1)} s`);
  }
  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  const [version, parallelDefault] = await Promise.all([
    admin.query<{ v: string }>("SELECT split_part(version(), ' on ', 1) AS v").then((r) => r.rows[0]!.v),
    admin.query<{ n: string }>("SELECT current_setting('max_parallel_workers_per_gather') AS n").then((r) => Number(r.rows[0]!.n)),
  ]);
  // Read every table once, so the first mode measured does not pay for cold caches.
  for (const { table } of plan.tables) await admin.query(`SELECT count(*) FROM ${table}`);
  await admin.end();

  const cores = cpus().length;
  const modes: Mode[] = [
    { name: 'direct-serial', kind: 'direct', parallelWorkers: 0 },
    { name: 'direct-parallel', kind: 'direct', parallelWorkers: null },
    // Only when one worker per core differs from the server's default.
    ...(cores !== parallelDefault ? [{ name: 'direct-parallel-cores', kind: 'direct' as const, parallelWorkers: cores }] : []),
    // What a user who knows PostgreSQL writes instead (only for the queries that have such a rewrite).
    { name: 'direct-rewritten', kind: 'direct', parallelWorkers: null, rewrite: distinctRewrite },
    { name: 'pgfan-auto', kind: 'pgfan', partitions: null },
    { name: 'pgfan-2', kind: 'pgfan', partitions: 2 },
    { name: 'pgfan-4', kind: 'pgfan', partitions: 4 },
    { name: 'pgfan-8', kind: 'pgfan', partitions: 8 },
  ];
  const runners = await Promise.all(modes.map((m) => (m.kind === 'direct' ? directRunner(databaseUrl, m) : pgfanRunner(api, m))));
  const forced = pgfanRunner(api, { name: 'pgfan-4', kind: 'pgfan', partitions: 4 });
  const cells: Cell[] = [];
  try {
    const { seconds, rounds: pauses } = plan.afterPause;
    log(`overhead after ${seconds} s without a query, ${pauses} time(s) each side (${((2 * pauses * seconds) / 60).toFixed(0)} min)…`);
    const workersIdle = await liveWorkers(api);
    const paused = overheadOf(await measureAfterPauses([runners[0]!, forced], HEADLINE(TINY.table), plan.afterPause));
    log(
      `overhead after ${seconds} s idle: pgfan p50 ${paused.pgfan.median.toFixed(2)} ms, direct ${paused.direct.median.toFixed(2)} ms (${workersIdle} worker(s) live)`,
    );

    for (const { table, rows } of plan.tables) {
      for (const query of BENCH_QUERIES) {
        const sql = query.sql(table);
        const measured = await measure(
          runners.filter((r) => r.mode.name !== 'direct-rewritten' || distinctRewrite(sql) !== null),
          sql,
          plan.rounds,
        );
        const line: string[] = [];
        for (const [mode, { samples, mismatch }] of measured) {
          const summary = summarize(samples.map((s) => s.ms));
          const partitions = samples.flatMap((s) => (s.partitions === undefined ? [] : [s.partitions]));
          cells.push({
            table,
            rows,
            query: query.name,
            mode,
            summary,
            ...(partitions.length ? { partitions: [...new Set(partitions)] } : {}),
            ...(mismatch ? { mismatch } : {}),
          });
          line.push(`${mode.replace(/^direct-|^pgfan-/, '')} ${summary.median.toFixed(0)}${mismatch ? ' ⚠' : ''}`);
          if (mismatch) log(`  ⚠ ${mode} answered ${query.name} on ${table} differently from PostgreSQL`);
        }
        log(`${table} ${query.name.padEnd(18)} ms: ${line.join(' · ')}`);
      }
    }
    const workersWarm = await liveWorkers(api);
    const { direct, pgfan } = overheadOf(await measure([runners[0]!, forced], HEADLINE(TINY.table), plan.overheadRounds));
    log(`overhead: pgfan p50 ${pgfan.median.toFixed(2)} ms, direct ${direct.median.toFixed(2)} ms (${workersWarm} worker(s) live)`);

    const headline = HEADLINE(plan.tables[0]!.table);
    const runs: ThroughputRun[] = [];
    const baselines: ThroughputRun[] = [];
    const summary = (users: number, latencies: number[], errors: number): ThroughputRun => ({
      users,
      seconds: plan.throughputSeconds,
      completed: latencies.length,
      errors,
      perSecond: latencies.length / plan.throughputSeconds,
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
    });
    for (const users of plan.throughputUsers) {
      const baseline = await directLoad(databaseUrl, users, plan.throughputSeconds, headline);
      baselines.push(summary(users, baseline.latencies, baseline.errors));
      const load = await restLoad({ baseUrl: api.baseUrl, apiKey }, users, plan.throughputSeconds, headline);
      const run = summary(users, load.latencies, load.errors);
      runs.push(run);
      log(
        `throughput, ${users} clients: pgfan ${run.perSecond.toFixed(0)}/s (p50 ${run.p50.toFixed(1)} ms, p99 ${run.p99.toFixed(1)} ms, ${run.errors} errors), ` +
          `PostgreSQL ${baselines.at(-1)!.perSecond.toFixed(0)}/s`,
      );
    }
    const protocol = pgUrl === undefined ? undefined : await measureProtocol(pgUrl, plan, headline, summary);
    const clickbench = await runClickBench(databaseUrl, api, { ...plan.clickbench, rounds: plan.rounds }, log);
    // With streaming replicas (REPLICAS=2 npm start): one query spread over two of them, on the largest table.
    const servers = (await health(api)).servers ?? [];
    const scaleOut = await runScaleOut(databaseUrl, api, servers, plan.tables.at(-1)!, plan.rounds, log);
    return {
      startedAt,
      finishedAt: new Date().toISOString(),
      quick: plan.quick,
      commit: gitCommit(),
      machine: {
        cpus: cores,
        cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        node: process.versions.node,
        postgres: version,
        parallelWorkersDefault: parallelDefault,
      },
      workers: { atStart: workersAtStart, atEnd: await liveWorkers(api) },
      measured,
      rounds: plan.rounds,
      modes: modes.map((m) => m.name),
      cells,
      overhead: {
        table: TINY.table,
        direct,
        pgfan,
        partitions: 4,
        overheadMs: pgfan.median - direct.median,
        workers: workersWarm,
        afterPause: { seconds, ...paused, overheadMs: paused.pgfan.median - paused.direct.median, workers: workersIdle },
      },
      throughput: { sql: headline, runs, direct: baselines },
      ...(protocol ? { protocol } : {}),
      clickbench,
      ...(scaleOut ? { scaleOut } : {}),
    };
  } finally {
    await Promise.all(runners.map((r) => r.close()));
  }
}

/** The headline query through pgfan's PostgreSQL port, as many clients as a pool of 20 serves at once. */
async function measureProtocol(
  pgUrl: string,
  plan: BenchPlan,
  sql: string,
  summary: (users: number, latencies: number[], errors: number) => ThroughputRun,
): Promise<NonNullable<BenchResults['protocol']>> {
  const probe = new Client({ connectionString: pgUrl });
  try {
    await probe.connect();
    await probe.end();
  } catch (error) {
    const skipped = `cannot connect to pgfan's PostgreSQL port at ${redactUrl(pgUrl)} (${(error as Error).message}); set PG_URL`;
    log(`protocol: ${skipped}`);
    return { skipped };
  }
  const runs: ThroughputRun[] = [];
  for (const users of plan.throughputUsers.filter((u) => u <= 20)) {
    const load = await directLoad(pgUrl, users, plan.throughputSeconds, sql);
    const run = summary(users, load.latencies, load.errors);
    runs.push(run);
    log(
      `protocol, ${users} clients: pgfan's port ${run.perSecond.toFixed(0)}/s (p50 ${run.p50.toFixed(1)} ms, p99 ${run.p99.toFixed(1)} ms, ${run.errors} errors)`,
    );
  }
  return { runs };
}

/** Writes the JSON, Markdown and SVG; returns their paths. */
export function writeResults(results: BenchResults, dir = join(ROOT, 'bench', 'results')): string[] {
  mkdirSync(dir, { recursive: true });
  const stem = join(dir, results.startedAt.replace(/[:.]/g, '-'));
  const files: [string, string][] = [
    [`${stem}.json`, `${JSON.stringify(results, null, 2)}\n`],
    [`${stem}.md`, renderMarkdown(results)],
    [`${stem}.svg`, renderSvg(results)],
  ];
  for (const [path, text] of files) writeFileSync(path, text);
  return files.map(([path]) => path);
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, rounds: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    log('Usage: npm run bench -- [--quick] [--rounds N]   (against the running system: API_URL, and DATABASE_URL directly)');
    return 0;
  }
  const rounds = values.rounds === undefined ? undefined : Number(values.rounds);
  if (rounds !== undefined && !(Number.isInteger(rounds) && rounds >= 1)) {
    process.stderr.write('--rounds must be a positive whole number\n');
    return 2;
  }
  const env = loadEnv(process.env);
  const plan = benchPlan(values.quick ?? false, rounds);
  log(`Benchmark${plan.quick ? ' (quick)' : ''}: pgfan at ${env.API_URL} against PostgreSQL at ${redactUrl(env.DATABASE_URL)}, ${plan.rounds} rounds`);
  const results = await runBench(env.DATABASE_URL, apiClient(env), plan, { pgUrl: pgPortUrl(env), apiKey: env.API_KEY ?? null });
  const files = writeResults(results);
  log(`\n${renderMarkdown(results)}`);
  log(`Written: ${files.join(', ')}`);
  return results.cells.some((c) => c.mismatch) || results.clickbench?.cells.some((c) => c.mismatch) ? 1 : 0;
}

/** pgfan's PostgreSQL port: PG_URL, or the API's host on 5433 with API_KEY as the password. */
function pgPortUrl(env: ReturnType<typeof loadEnv>): string {
  if (env.PG_URL) return env.PG_URL;
  const url = new URL('postgresql://pgfan@localhost:5433/pgfan');
  url.hostname = new URL(env.API_URL).hostname;
  if (env.API_KEY) url.password = env.API_KEY;
  return url.toString();
}

runCommand(module, 'pgfan-bench', main);
