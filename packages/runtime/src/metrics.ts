/**
 * Prometheus metrics (prom-client), one registry per process, served at `/metrics` by the API and
 * on each worker's HEALTH_PORT. Names are `pgfan_<thing>_<unit>`, counters end in `_total`.
 * Each process counts what it did (the queries it finished, the fragments it ran); Prometheus
 * adds them up across pods. Gauges of shared state (queue depth, servers' lag) are read when
 * scraped, by the API only, so they are not counted once per worker.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { QueryView } from '@pgfan/contracts';

export const registry = new Registry();

const seconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export const metrics = {
  queriesFinished: new Counter({
    name: 'pgfan_queries_finished_total',
    help: 'Queries this process finished, by outcome (completed, failed, cancelled), plan mode (fan-out, as-written) and error code',
    labelNames: ['outcome', 'mode', 'code'] as const,
    registers: [registry],
  }),
  queryDuration: new Histogram({
    name: 'pgfan_query_duration_seconds',
    help: 'From submission to the end, of the queries this process finished, by plan mode',
    labelNames: ['mode'] as const,
    buckets: seconds,
    registers: [registry],
  }),
  stageDuration: new Histogram({
    name: 'pgfan_query_stage_duration_seconds',
    help: 'Time in each stage (plan, queue, execute, combine) of the queries this process finished',
    labelNames: ['stage'] as const,
    buckets: seconds,
    registers: [registry],
  }),
  plans: new Counter({
    name: 'pgfan_plans_total',
    help: 'Plans the API used, by plan mode and source: planned (afresh), reused (a recent plan of the same text, a split one checked to still stand) or replanned (a recent split plan that no longer stood)',
    labelNames: ['mode', 'source'] as const,
    registers: [registry],
  }),
  fragments: new Counter({
    name: 'pgfan_fragments_total',
    help: 'Fragments this worker ran, by outcome (done, failed); a retried fragment counts each try',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  fragmentDuration: new Histogram({
    name: 'pgfan_fragment_duration_seconds',
    help: 'How long the fragments this worker ran took',
    buckets: seconds,
    registers: [registry],
  }),
  combines: new Counter({
    name: 'pgfan_combines_total',
    help: 'Fan-outs this process combined and recorded completed: by the API (every fragment carried its rows to the API coordinating it) or by a combine job',
    labelNames: ['by'] as const,
    registers: [registry],
  }),
  partialRows: new Counter({ name: 'pgfan_partial_rows_total', help: 'Partial rows the fragments of this worker produced', registers: [registry] }),
  spilledFragments: new Counter({
    name: 'pgfan_spilled_fragments_total',
    help: 'Fragments whose partial rows were too many to travel inline and were written to PostgreSQL (spilled, or stored in binary)',
    registers: [registry],
  }),
  predictionRatio: new Histogram({
    name: 'pgfan_cost_model_prediction_ratio',
    help: 'Actual over predicted time of the queries this process finished, by the side the cost model chose (1 is a perfect prediction)',
    labelNames: ['mode'] as const,
    buckets: [0.125, 0.25, 0.5, 0.8, 1, 1.25, 2, 4, 8],
    registers: [registry],
  }),
};

/**
 * Default Node.js process metrics (CPU, memory, event loop lag), labelled with the process, once.
 * @param name `api`, or the worker's id.
 */
export function collectProcessMetrics(name: string): void {
  if (registry.getSingleMetric('pgfan_process_cpu_seconds_total')) return;
  registry.setDefaultLabels({ process: name });
  collectDefaultMetrics({ register: registry, prefix: 'pgfan_' });
}

/** A gauge whose value is read when scraped (the API's view of shared state). */
export function scrapedGauge<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  read: () => Promise<{ labels: Record<L, string>; value: number }[]>,
): Gauge<L> {
  return new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      this.reset();
      for (const { labels, value } of await read().catch(() => [])) this.set(labels, value);
    },
  });
}

/** Counts a query this process finished, and its times. */
export function observeFinished(record: Pick<QueryView, 'status' | 'plan' | 'error' | 'timings'>): void {
  const mode = record.plan?.mode ?? 'unplanned';
  metrics.queriesFinished.inc({ outcome: record.status, mode, code: record.error?.code ?? '' });
  const { totalMs, planMs, queueMs, executeMs, combineMs } = record.timings;
  if (totalMs !== null && totalMs !== undefined) metrics.queryDuration.observe({ mode }, totalMs / 1000);
  for (const [stage, ms] of [
    ['plan', planMs],
    ['queue', queueMs],
    ['execute', executeMs],
    ['combine', combineMs],
  ] as const) {
    if (typeof ms === 'number') metrics.stageDuration.observe({ stage }, ms / 1000);
  }
  const prediction = record.plan?.prediction;
  const predicted = mode === 'fan-out' ? prediction?.fanOutMs : prediction?.asWrittenMs;
  if (record.status === 'completed' && predicted && predicted > 0 && typeof totalMs === 'number')
    metrics.predictionRatio.observe({ mode }, totalMs / predicted);
}
