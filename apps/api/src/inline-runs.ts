/**
 * Queries the API runs as written for a waiting client though they are not predicted to be quick
 * (past INLINE_MAX_MS). Through the queue each would pay a hop to a worker's coordinator and back
 * (about 6 ms here, on queries of 80–130 ms); run here, each holds a session of the API's query
 * pool for as long as it runs, so at most INLINE_CONCURRENCY run at once, and the rest go to the
 * workers.
 *
 * A client that stops waiting leaves its query running here. A shutdown lets these finish while
 * the requests in flight do, then hands whatever still runs to the workers: the record moves to a
 * new generation (so this run's ending is no longer recorded), a coordinator job runs it afresh,
 * and this run's statement is cancelled.
 */
import { cancelStatements, enqueueCoordinator, type Queues } from '@pgfan/dispatch';
import type { QueryServers } from '@pgfan/runtime';
import { beginGeneration } from '@pgfan/store';
import type { Pool } from 'pg';
import { Places } from './places';

/** What handing a run over touches. */
export interface HandOverContext {
  storePool: Pool;
  servers: QueryServers;
  queues: Queues;
}

export class InlineRuns extends Places {
  private readonly running = new Map<string, { generation: number; settled: Promise<void> }>();

  /** Keeps the place until `run` (generation `generation` of query `id`) settles. */
  keep(id: string, generation: number, run: Promise<unknown>): void {
    this.running.set(id, { generation, settled: this.leaveWhenSettled(run, () => this.running.delete(id)) });
  }

  /**
   * At shutdown, once the requests in flight are answered: hands every run still going to the
   * workers, and waits for its statement to end. Returns the ids handed over.
   * @param runner the name the API's generations are recorded under.
   */
  async handOverAll(ctx: HandOverContext, runner: string): Promise<string[]> {
    const runs = [...this.running.entries()];
    const handedOver = await Promise.all(runs.map(([id, { generation }]) => handOver(ctx, id, generation, runner)));
    await Promise.all(runs.map(([, run]) => run.settled));
    return runs.filter((_, i) => handedOver[i]).map(([id]) => id);
  }
}

/**
 * Moves query `id` past `generation` (false if it already finished or moved on), queues the next
 * generation for a coordinator, and cancels this generation's statement. In that order: its
 * cancelled run must find its ending no longer recorded.
 */
async function handOver(ctx: HandOverContext, id: string, generation: number, runner: string): Promise<boolean> {
  const moved = await beginGeneration(ctx.storePool, id, generation, runner).catch(() => null);
  if (moved) await enqueueCoordinator(ctx.queues, { queryId: id, generation: moved.generation + 1 }).catch(() => undefined);
  await cancelStatements(ctx.servers.pools, id, generation);
  return moved !== null;
}
