/**
 * Fails queries whose deadline passed long ago: their coordinator, workers or Redis state died
 * with them. Any worker may run it; the compare-and-set in the store makes it harmless to run
 * it everywhere.
 */
import { cancelStatements, publishQueryEvent } from '@pgfan/dispatch';
import { clearPartialRows, failOverdue } from '@pgfan/store';
import type { WorkerContext } from './context';

export async function reapOverdue(ctx: WorkerContext): Promise<string[]> {
  const failed = await failOverdue(ctx.storePool, ctx.env.REAPER_GRACE_MS);
  for (const { id, error, totalMs } of failed) {
    await cancelStatements(ctx.queryPool, id).catch(() => undefined);
    // A combine that never recorded an outcome left its spilled partial rows behind.
    await clearPartialRows(ctx.storePool, id).catch(() => undefined);
    await publishQueryEvent(ctx.redis, { type: 'failed', id, error, totalMs }).catch(() => undefined);
  }
  return failed.map((f) => f.id);
}

export function startReaper(ctx: WorkerContext, log: (message: string) => void): { stop(): void } {
  const timer = setInterval(() => {
    reapOverdue(ctx).then(
      (ids) => ids.length > 0 && log(`failed ${ids.length} overdue quer${ids.length === 1 ? 'y' : 'ies'}: ${ids.join(', ')}`),
      () => undefined,
    );
  }, ctx.env.REAPER_INTERVAL_MS);
  return { stop: () => clearInterval(timer) };
}
