/** GET /api/health: can we reach PostgreSQL and Redis, how many workers are alive, and where each database server stands. */
import type { HealthReport } from '@pgfan/contracts';
import { liveWorkers } from '@pgfan/dispatch';
import { measurementPending, readCostModel, readServerParallelism, type ServerReport } from '@pgfan/runtime';
import { VERSION } from './version';
import type { ApiContext } from './context';
import type { ApiRequest, ApiResponse } from './http';

async function probe(check: () => Promise<unknown>): Promise<{ ok: boolean; latencyMs: number; error?: string }> {
  const started = performance.now();
  try {
    await check();
    return { ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  } catch (error) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: (error as Error).message };
  }
}

/** Every database server's state and measured capacity, when there are replicas; undefined without. */
export async function serverReports(ctx: ApiContext): Promise<ServerReport[] | undefined> {
  if (ctx.servers.replicas.length === 0) return undefined;
  return ctx.servers.report(await readServerParallelism(ctx.redis).catch(() => new Map<string, number>()));
}

export function healthHandler(ctx: ApiContext) {
  return async (req: ApiRequest): Promise<ApiResponse> => {
    const [postgres, redis] = await Promise.all([probe(() => ctx.storePool.query('SELECT 1')), probe(() => ctx.redis.ping())]);
    const [[workers, costModel, pending], servers] = await Promise.all([
      redis.ok
        ? Promise.all([liveWorkers(ctx.redis).catch(() => []), readCostModel(ctx.redis).catch(() => null), measurementPending(ctx.redis).catch(() => null)])
        : Promise.resolve([[], null, null] as const),
      req.authenticated ? serverReports(ctx) : Promise.resolve(undefined),
    ]);
    const ok = postgres.ok && redis.ok;
    const body: HealthReport = {
      status: ok ? (workers.length > 0 ? 'ok' : 'no-workers') : 'unavailable',
      version: VERSION,
      postgres,
      redis,
      workers: { live: workers.length, fragmentSlots: workers.reduce((n, w) => n + w.concurrency, 0), ids: workers.map((w) => w.id) },
      costModel: costModel && {
        costScales: costModel.costScales,
        fanOutScales: costModel.fanOutScales,
        fanOutMs: costModel.fanOutMs,
        fragmentMs: costModel.fragmentMs,
        databaseParallelism: costModel.databaseParallelism,
        msPerCost: costModel.msPerCost,
        parallelStartMs: costModel.parallelStartMs,
        parallelWorkerStartMs: costModel.parallelWorkerStartMs,
        ...(costModel.databaseParallelism !== null && pending !== null ? { measurementConfirmed: !pending } : {}),
      },
      ...(servers ? { servers } : {}),
    };
    // Probes come without a key: they get the verdict, not the details (addresses, worker names).
    return { status: ok ? 200 : 503, body: req.authenticated ? body : { status: body.status } };
  };
}
