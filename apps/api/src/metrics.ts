/**
 * GET /metrics on the API: its own Prometheus metrics (queries it finished or cancelled, process
 * figures), gauges of the shared state read when scraped (database servers, live workers,
 * PostgreSQL port sessions, socket.io clients), and BullMQ's own export for each queue.
 */
import { liveWorkers } from '@pgfan/dispatch';
import { registry, scrapedGauge } from '@pgfan/runtime';
import type { Request, Response } from 'express';
import type { ApiContext } from './context';
import { serverReports } from './health';
import { Recent } from './recent';

/** Registers the scraped gauges, once per process. */
export function registerApiGauges(ctx: ApiContext, sources: { postgresSessions: () => number; socketClients: () => number }): void {
  if (registry.getSingleMetric('pgfan_workers_live')) return;
  scrapedGauge('pgfan_workers_live', 'Workers whose heartbeat is fresh', [], async () => [{ labels: {}, value: (await liveWorkers(ctx.redis)).length }]);
  scrapedGauge('pgfan_postgres_port_sessions', "PostgreSQL clients connected to this API's port", [], async () => [
    { labels: {}, value: sources.postgresSessions() },
  ]);
  scrapedGauge('pgfan_socket_clients', 'Dashboard (socket.io) clients connected to this API', [], async () => [{ labels: {}, value: sources.socketClients() }]);
  scrapedGauge(
    'pgfan_api_coordinations',
    "Fan-outs this API coordinates now, each holding its snapshot's session (COORDINATE_CONCURRENCY at most)",
    [],
    async () => [{ labels: {}, value: ctx.coordinations.size }],
  );
  scrapedGauge(
    'pgfan_api_inline_runs',
    'Queries past INLINE_MAX_MS this API runs as written now, each holding a session of its query pool (INLINE_CONCURRENCY at most)',
    [],
    async () => [{ labels: {}, value: ctx.inlineRuns.size }],
  );
  // Four gauges, one look at the servers per scrape.
  const reports = new Recent(async () => (await serverReports(ctx)) ?? [], 1_000);
  const servers = () => reports.get();
  scrapedGauge('pgfan_database_server_reachable', 'Whether each database server answers (1) or not (0)', ['server', 'role'], async () =>
    (await servers()).map((s) => ({ labels: { server: s.name, role: s.role }, value: s.reachable ? 1 : 0 })),
  );
  scrapedGauge('pgfan_database_server_lag_bytes', 'Bytes of WAL each replica has still to replay (0 for the primary)', ['server', 'role'], async () =>
    (await servers()).flatMap((s) => (s.lagBytes === null ? [] : [{ labels: { server: s.name, role: s.role }, value: s.lagBytes }])),
  );
  scrapedGauge('pgfan_database_server_active_statements', "pgfan's statements running on each database server", ['server', 'role'], async () =>
    (await servers()).map((s) => ({ labels: { server: s.name, role: s.role }, value: s.active })),
  );
  scrapedGauge(
    'pgfan_database_server_parallelism',
    'Sessions each database server runs at full speed at once, as last measured',
    ['server', 'role'],
    async () =>
      (await servers()).flatMap((s) =>
        s.parallelism === null || s.parallelism === undefined ? [] : [{ labels: { server: s.name, role: s.role }, value: s.parallelism }],
      ),
  );
}

/**
 * Several Prometheus exports as one: each family's HELP and TYPE once, its samples together, as
 * the text format requires (BullMQ exports each queue with the same families).
 */
export function mergeExpositions(texts: string[]): string {
  const families = new Map<string, { meta: string[]; samples: string[] }>();
  for (const line of texts.flatMap((t) => t.split('\n')).filter((l) => l.trim() !== '')) {
    const name = line.startsWith('#') ? (line.split(' ')[2] ?? '') : (/^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0] ?? '');
    const family = families.get(name) ?? { meta: [], samples: [] };
    families.set(name, family);
    if (!line.startsWith('#')) family.samples.push(line);
    else if (!family.meta.some((m) => m.split(' ')[1] === line.split(' ')[1])) family.meta.push(line);
  }
  return [...families.values()].flatMap((f) => [...f.meta, ...f.samples]).join('\n') + '\n';
}

export function metricsHandler(ctx: ApiContext) {
  return async (req: Request, res: Response): Promise<void> => {
    try {
      const queues = await Promise.all([ctx.queues.coordinate, ctx.queues.fragments, ctx.queues.combine].map((q) => q.exportPrometheusMetrics()));
      res.type(registry.contentType).send((await registry.metrics()) + mergeExpositions(queues));
    } catch (error) {
      req.log.warn(`metrics could not be read: ${(error as Error).message}`);
      res.status(503).type('text/plain').send('metrics are unavailable: Redis cannot be reached\n');
    }
  };
}
