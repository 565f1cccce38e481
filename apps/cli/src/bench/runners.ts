/**
 * The sides of the comparison. Direct: one warm session per mode, with PostgreSQL's parallel
 * query off, at its default, or at one worker per core. pgfan: the running system through its
 * REST API, auto-partitioned or forced to N fragments. Both time what a client waits for.
 */
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Pool, types as pgTypes } from 'pg';
import { PgfanApiError, type PgfanClient } from '@pgfan/client';
import type { QueryView } from '@pgfan/contracts';
import { withAllRows } from '../remote';
import { interleave } from './stats';

export type Mode =
  | { name: string; kind: 'direct'; parallelWorkers: number | null; rewrite?: (sql: string) => string | null }
  | { name: string; kind: 'pgfan'; partitions: number | null; servers?: number };

/** Every value as PostgreSQL's text (or null), so both sides compare alike. */
export type Row = (string | null)[];

export interface Sample {
  ms: number;
  rows: Row[];
  /** pgfan: fragments the query ran as (1 when it ran as written), and the plan's mode. */
  partitions?: number;
  planMode?: string;
  /** pgfan spread over servers: how long its cut took, and whether it was one (not a fallback to one server). */
  cut?: { ms: number | null; exact: boolean };
}

export interface Runner {
  mode: Mode;
  run(sql: string): Promise<Sample>;
  close(): Promise<void>;
}

/** The API's default MAX_WAIT_MS. */
const MAX_WAIT_MS = 60_000;

const TEXT = { getTypeParser: () => (value: string) => value } as unknown as typeof pgTypes;

export async function directRunner(databaseUrl: string, mode: Extract<Mode, { kind: 'direct' }>): Promise<Runner> {
  const client = new Client({ connectionString: databaseUrl, application_name: `pgfan-bench ${mode.name}` });
  await client.connect();
  if (mode.parallelWorkers !== null) await client.query(`SET max_parallel_workers_per_gather = ${Math.trunc(mode.parallelWorkers)}`);
  return {
    mode,
    async run(sql) {
      const text = mode.rewrite?.(sql) ?? sql;
      const started = performance.now();
      const result = await client.query({ text, rowMode: 'array', types: TEXT });
      return { ms: performance.now() - started, rows: result.rows as Row[] };
    },
    close: () => client.end(),
  };
}

export function pgfanRunner(api: PgfanClient, mode: Extract<Mode, { kind: 'pgfan' }>): Runner {
  return {
    mode,
    async run(sql) {
      const started = performance.now();
      const submission = {
        sql,
        timeoutMs: 600_000,
        ...(mode.partitions === null ? {} : { partitions: mode.partitions }),
        ...(mode.servers ? { servers: mode.servers } : {}),
      };
      let view: QueryView;
      try {
        // Past the longest wait the API grants, it polls.
        view = await api.run(submission, { waitMs: MAX_WAIT_MS, pollMs: 50 });
      } catch (error) {
        throw new Error(`pgfan ${mode.name}: ${error instanceof PgfanApiError ? `${error.code}: ${error.message}` : (error as Error).message}`, {
          cause: error,
        });
      }
      if (view.status !== 'completed' || !view.result) {
        throw new Error(`pgfan ${mode.name}: ${view.error ? `${view.error.code}: ${view.error.message}` : view.status}`);
      }
      // Past the record's preview, the rest of the rows page by page: PostgreSQL's side gets them all too.
      view = await withAllRows(api, view);
      const ms = performance.now() - started;
      if (view.result!.truncated) throw new Error(`pgfan ${mode.name}: only a preview of ${view.result!.rowCount} rows was kept`);
      const rows = view.result!.rows.map((row) => row.map((v) => (v === null ? null : typeof v === 'string' ? v : JSON.stringify(v))));
      const cut = view.plan?.cut ? { cut: { ms: view.plan.cut.ms ?? null, exact: view.plan.cut.guarantee === 'equal-replay-position' } } : {};
      return { ms, rows, partitions: view.plan?.partitions ?? 1, planMode: view.plan?.mode, ...cut };
    },
    close: async () => undefined,
  };
}

/**
 * Runs every mode on `sql` once to warm up and check the answer, as `measure` does, then `rounds`
 * times each after `seconds` in which the bench sends nothing, in an order rotated each round:
 * what a dashboard's refresh meets, each side woken from the same pause (sessions idle, caches
 * cooled, the autoscaler at rest), not the back-to-back runs of `measure`.
 */
export async function measureAfterPauses(
  runners: Runner[],
  sql: string,
  { seconds, rounds }: { seconds: number; rounds: number },
  same: (expected: Row[], actual: Row[]) => boolean = sameRows,
): Promise<Map<string, { samples: Sample[]; mismatch: boolean }>> {
  return runRounds(runners, sql, interleave(runners, rounds), same, () => sleep(seconds * 1000));
}

/**
 * Runs every mode on `sql`: once to warm up and check the answer, then `rounds` interleaved rounds.
 * The first runner's answer is the one every other must match, by `same` (the same rows in the same order unless told).
 */
export async function measure(
  runners: Runner[],
  sql: string,
  rounds: number,
  same: (expected: Row[], actual: Row[]) => boolean = sameRows,
): Promise<Map<string, { samples: Sample[]; mismatch: boolean }>> {
  return runRounds(runners, sql, interleave(runners, rounds), same);
}

/** Every runner once to warm up, the first's answer the reference; then the rounds, each run after `before`. */
async function runRounds(
  runners: Runner[],
  sql: string,
  rounds: Runner[][],
  same: (expected: Row[], actual: Row[]) => boolean,
  before: () => Promise<unknown> = async () => undefined,
): Promise<Map<string, { samples: Sample[]; mismatch: boolean }>> {
  const byMode = new Map(runners.map((r) => [r.mode.name, { samples: [] as Sample[], mismatch: false }]));
  let reference: Sample | undefined;
  for (const runner of runners) {
    const warm = await runner.run(sql);
    reference ??= warm;
    if (!same(reference.rows, warm.rows)) byMode.get(runner.mode.name)!.mismatch = true;
  }
  for (const round of rounds) {
    for (const runner of round) {
      await before();
      const sample = await runner.run(sql);
      const entry = byMode.get(runner.mode.name)!;
      entry.samples.push(sample);
      if (!same(reference!.rows, sample.rows)) entry.mismatch = true;
    }
  }
  return byMode;
}

/** Same rows in the same order; numbers equal within 1e-9 relative (float sums may differ in the last digits). */
export function sameRows(expected: Row[], actual: Row[]): boolean {
  if (expected.length !== actual.length) return false;
  return expected.every((row, i) => {
    const other = actual[i] as Row;
    return row.length === other.length && row.every((value, j) => sameValue(value, other[j] ?? null));
  });
}

/** Equal text, or floats (one written with a fraction or an exponent) within 1e-9 relative: integers match exactly, a count one off is wrong at any size. */
export function sameValue(a: string | null, b: string | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || !/[.e]/i.test(a + b)) return false;
  const [x, y] = [Number(a), Number(b)];
  return Number.isFinite(x) && Number.isFinite(y) && Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y));
}

/** Where the REST load goes: the API's address, and its key when it has keys. */
export interface RestTarget {
  baseUrl: string;
  apiKey: string | null;
}

/**
 * Latencies of `users` clients sending `sql` back to back for `seconds` through pgfan's REST API,
 * each on a kept-alive connection of its own, waiting for the answer (`?wait=`). On node:http,
 * as lean as the pg driver the direct side uses: the load shares the machine with what it
 * measures, and @pgfan/client over fetch spent 1.0–1.9 ms of CPU a query here against 0.3–0.5.
 */
export async function restLoad(target: RestTarget, users: number, seconds: number, sql: string): Promise<{ latencies: number[]; errors: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: users });
  const url = new URL(`${target.baseUrl.replace(/\/+$/, '')}/api/queries?wait=${MAX_WAIT_MS}`);
  const body = JSON.stringify({ sql });
  const headers = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...(target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {}),
  };
  // Settles once the query has completed; anything else (a refusal, a failure, a 202) rejects.
  const completes = () =>
    new Promise<void>((resolve, reject) => {
      const sent = request(url, { method: 'POST', agent, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          try {
            if (response.statusCode !== 200 || (JSON.parse(text) as QueryView).status !== 'completed')
              throw new Error(`HTTP ${response.statusCode}: ${text.slice(0, 200)}`);
            resolve();
          } catch (error) {
            reject(error as Error);
          }
        });
      });
      sent.on('error', reject);
      sent.end(body);
    });
  try {
    return await closedLoop(users, seconds, completes);
  } finally {
    agent.destroy();
  }
}

/** Latencies of `users` clients sending `sql` back to back for `seconds`, straight to PostgreSQL through a pool of at most `maxConnections`. */
export async function directLoad(
  databaseUrl: string,
  users: number,
  seconds: number,
  sql: string,
  maxConnections = 20,
): Promise<{ latencies: number[]; errors: number }> {
  const pool = new Pool({ connectionString: databaseUrl, max: Math.min(users, maxConnections), application_name: 'pgfan-bench direct load' });
  try {
    return await closedLoop(users, seconds, () => pool.query(sql));
  } finally {
    await pool.end();
  }
}

/** Latencies of `users` clients each calling `send` again as soon as it settles, for `seconds`; what rejects is an error. */
async function closedLoop(users: number, seconds: number, send: () => Promise<unknown>): Promise<{ latencies: number[]; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  const user = async () => {
    while (performance.now() < until) {
      const sent = performance.now();
      try {
        await send();
        latencies.push(performance.now() - sent);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: users }, user));
  return { latencies, errors };
}
