/**
 * Prometheus metrics, scraped from a running system: the families move when queries run, the
 * API's export carries BullMQ's queue counts once per family, and each worker serves its own.
 */
import { eventually, freePort, metricSample, startSystem, type System } from '@pgfan/testing';
import { mergeExpositions } from './metrics';

let system: System;
let workerMetricsPort: number;

beforeAll(async () => {
  workerMetricsPort = await freePort();
  system = await startSystem({ label: 'metrics', workers: 1, workerEnv: { HEALTH_PORT: String(workerMetricsPort) } });
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

const scrape = async (url: string) => {
  const response = await fetch(url);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
};

test('queries move the counters of the process that finished them; the API shows the queues, workers and itself', async () => {
  const workerBefore = await scrape(`http://127.0.0.1:${workerMetricsPort}/metrics`);
  // Waited for: coordinated and combined by the API. Not waited for: by a worker's coordinator and combine job.
  const fanOut = await system.request<{ status: string }>('POST', '/api/queries?wait=20000', { sql: 'SELECT count(*) FROM events', partitions: 3 });
  const queued = await system.request<{ id: string }>('POST', '/api/queries', { sql: 'SELECT sum(id) FROM events', partitions: 2 });
  const inline = await system.request<{ status: string }>('POST', '/api/queries?wait=20000', { sql: 'SELECT count(*) FROM single_event' });
  expect([fanOut.body.status, inline.body.status]).toEqual(['completed', 'completed']);
  await eventually(async () =>
    (await system.request<{ status: string }>('GET', `/api/queries/${queued.body.id}`)).body.status === 'completed' ? true : undefined,
  );

  const worker = await scrape(`http://127.0.0.1:${workerMetricsPort}/metrics`);
  expect(metricSample(worker, 'pgfan_fragments_total', 'outcome="done"') - metricSample(workerBefore, 'pgfan_fragments_total', 'outcome="done"')).toBe(5);
  expect(metricSample(worker, 'pgfan_queries_finished_total', 'outcome="completed",mode="fan-out"')).toBeGreaterThanOrEqual(1);
  expect(metricSample(worker, 'pgfan_combines_total', 'by="combine-job",process="w1"')).toBeGreaterThanOrEqual(1);
  expect(worker).toMatch(/^pgfan_fragment_duration_seconds_count\{process="w1"\} \d+$/m);
  expect(worker).toMatch(/^pgfan_process_cpu_seconds_total\{process="w1"\} /m);

  const api = await scrape(`${system.url}/metrics`);
  expect(metricSample(api, 'pgfan_queries_finished_total', 'outcome="completed",mode="as-written"')).toBeGreaterThanOrEqual(1);
  expect(metricSample(api, 'pgfan_queries_finished_total', 'outcome="completed",mode="fan-out"')).toBeGreaterThanOrEqual(1);
  expect(metricSample(api, 'pgfan_combines_total', 'by="api",process="api"')).toBeGreaterThanOrEqual(1);
  expect(api).toMatch(/^pgfan_workers_live\{process="api"\} 1$/m);
  expect(api).toMatch(/^pgfan_api_coordinations\{process="api"\} \d+$/m);
  expect(api).toMatch(/^pgfan_api_inline_runs\{process="api"\} \d+$/m);
  // The fan-out it coordinated has ended: its place comes free (the snapshot's release follows the answer).
  await eventually(async () => (metricSample(await scrape(`${system.url}/metrics`), 'pgfan_api_coordinations', 'process="api"') === 0 ? true : undefined));
  expect(metricSample(api, 'pgfan_plans_total', 'mode="fan-out",source="planned"')).toBeGreaterThanOrEqual(1);
  expect(api).toMatch(/^bullmq_job_count\{queue="pgfan-fragments", state="waiting"\} \d+$/m);
  expect(api).toMatch(/^pgfan_query_stage_duration_seconds_bucket\{le="0.1",process="api",stage="plan"\} \d+$/m);
  expect(api).toMatch(/^pgfan_query_duration_seconds_count\{process="api",mode="as-written"\} \d+$/m);
  // Each family's HELP once, as the text format requires.
  const helps = api.split('\n').filter((l) => l.startsWith('# HELP '));
  expect(new Set(helps.map((l) => l.split(' ')[2])).size).toBe(helps.length);
});

test('exports of several queues merge into one family each', () => {
  const queue = (name: string) =>
    `# HELP bullmq_job_count Number of jobs\n# TYPE bullmq_job_count gauge\nbullmq_job_count{queue="${name}", state="waiting"} 1\n# HELP bullmq_job_failed_total Failed\n# TYPE bullmq_job_failed_total counter\nbullmq_job_failed_total{queue="${name}"} 0`;
  expect(mergeExpositions([queue('a'), queue('b')]).split('\n')).toEqual([
    '# HELP bullmq_job_count Number of jobs',
    '# TYPE bullmq_job_count gauge',
    'bullmq_job_count{queue="a", state="waiting"} 1',
    'bullmq_job_count{queue="b", state="waiting"} 1',
    '# HELP bullmq_job_failed_total Failed',
    '# TYPE bullmq_job_failed_total counter',
    'bullmq_job_failed_total{queue="a"} 0',
    'bullmq_job_failed_total{queue="b"} 0',
    '',
  ]);
});
