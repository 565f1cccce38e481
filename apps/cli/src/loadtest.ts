#!/usr/bin/env node
/**
 * `npm run loadtest -- --users 20 --duration 60`: simulated users submitting queries through the
 * API as fast as answers come back; prints throughput, latency percentiles, errors, and the live
 * worker count over time (watch the supervisor, or KEDA, scale).
 */
import { parseArgs } from 'node:util';
import { PgfanApiError, type PgfanClient } from '@pgfan/client';
import { apiClient } from './api';
import { quantile } from './bench/stats';
import { loadEnv, runCommand } from './env';

/** The default mix, over the demo table: the headline COUNT(*) and two fanned-out scans. */
const MIX = [
  { sql: 'SELECT count(*) FROM events' },
  { sql: 'SELECT country, device, count(*), avg(duration_ms), sum(revenue) FROM events GROUP BY 1, 2 ORDER BY 3 DESC', partitions: 4 },
  { sql: 'SELECT device, count(DISTINCT country), max(duration_ms) FROM events WHERE NOT is_bot GROUP BY 1 ORDER BY 1', partitions: 4 },
];

export interface LoadResult {
  completed: number;
  failed: number;
  errors: Map<string, number>;
  latencies: number[];
  workers: { second: number; live: number }[];
  seconds: number;
}

const ms = (n: number) => (Number.isNaN(n) ? '–' : n < 1000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(2)} s`);

/** Runs `users` concurrent clients for `seconds` against `api`. */
export async function runLoad(api: PgfanClient, users: number, seconds: number, mix = MIX): Promise<LoadResult> {
  const started = Date.now();
  const until = started + seconds * 1000;
  const result: LoadResult = { completed: 0, failed: 0, errors: new Map(), latencies: [], workers: [], seconds };
  const count = (reason: string) => result.errors.set(reason, (result.errors.get(reason) ?? 0) + 1);
  let turn = 0;
  const user = async () => {
    while (Date.now() < until) {
      const query = mix[turn++ % mix.length] as (typeof mix)[number];
      const sent = performance.now();
      try {
        const { query: view, finished } = await api.submit(query, { waitMs: 60_000 });
        if (!finished) {
          count('HTTP 202');
          continue;
        }
        if (view.status === 'completed') {
          result.completed++;
          result.latencies.push(performance.now() - sent);
        } else {
          result.failed++;
          count(view.error?.code ?? view.status);
        }
      } catch (error) {
        count(error instanceof PgfanApiError ? `HTTP ${error.status} ${error.code}` : (error as Error).message);
      }
    }
  };
  const sampler = setInterval(() => {
    void api
      .health()
      .then((h) => result.workers.push({ second: Math.round((Date.now() - started) / 1000), live: 'workers' in h ? h.workers.live : 0 }))
      .catch(() => undefined);
  }, 1000);
  await Promise.all(Array.from({ length: users }, user));
  clearInterval(sampler);
  result.latencies.sort((a, b) => a - b);
  return result;
}

/** The summary a person reads. */
export function report(r: LoadResult, users: number): string {
  const errors = [...r.errors.values()].reduce((a, b) => a + b, 0);
  const lines = [
    `${users} users for ${r.seconds} s`,
    `queries    ${r.completed} completed, ${r.failed} failed, ${errors} errors — ${(r.completed / r.seconds).toFixed(1)} completed/s`,
    `latency    p50 ${ms(quantile(r.latencies, 0.5))} · p95 ${ms(quantile(r.latencies, 0.95))} · p99 ${ms(quantile(r.latencies, 0.99))}`,
  ];
  if (r.errors.size > 0) lines.push(`errors     ${[...r.errors].map(([reason, n]) => `${reason} ×${n}`).join(', ')}`);
  lines.push('workers    (live, every 5 s)');
  for (const sample of r.workers.filter((_, i) => i % 5 === 0 || i === r.workers.length - 1)) {
    lines.push(`  ${String(sample.second).padStart(4)} s  ${String(sample.live).padStart(2)} ${'█'.repeat(sample.live)}`);
  }
  return lines.join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: '20' },
      duration: { type: 'string', default: '60' },
      sql: { type: 'string' },
      partitions: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write('Usage: npm run loadtest -- [--users 20] [--duration 60] [--sql "SELECT …" [--partitions N]]   (against API_URL)\n');
    return 0;
  }
  const users = Number(values.users);
  const duration = Number(values.duration);
  if (!(users >= 1 && duration >= 1)) {
    process.stderr.write('--users and --duration must be positive numbers\n');
    return 2;
  }
  const env = loadEnv(process.env);
  const mix = values.sql ? [{ sql: values.sql, ...(values.partitions ? { partitions: Number(values.partitions) } : {}) }] : MIX;
  process.stdout.write(`Load test: ${users} users for ${duration} s against ${env.API_URL}…\n`);
  const result = await runLoad(apiClient(env), users, duration, mix);
  process.stdout.write(`${report(result, users)}\n`);
  return result.errors.size > 0 || result.failed > 0 ? 1 : 0;
}

runCommand(module, 'pgfan-loadtest', main);
