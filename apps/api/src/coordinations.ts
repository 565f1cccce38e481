/**
 * Generations the API coordinates itself. A fan-out whose client waits for its answer, on a
 * primary without replicas, would otherwise take a queue hop to a worker's coordinator and a
 * write to claim its generation, only for that coordinator to export a snapshot and add the flow:
 * the API does both, beside the record's insert, and holds the snapshot until the query ends (as
 * the coordinator would have). Should the API go away meanwhile, the snapshot's session goes with
 * it: fragments yet to import it fail with SNAPSHOT_LOST, and the combine starts the query over
 * through a coordinator job, as it does when a coordinator dies.
 */
import type { HeldSnapshots } from '@pgfan/runtime';
import { Places } from './places';

/** How many generations the API holds at once (each a session of its query pool), and their snapshots for shutdown. */
export class Coordinations extends Places {
  private readonly held = new Set<HeldSnapshots>();

  /** Keeps a place until `holding` (the generation held until the query ends) settles; its snapshots are let go at shutdown. */
  keep(held: HeldSnapshots | null, holding: Promise<void>): void {
    if (held) this.held.add(held);
    void this.leaveWhenSettled(holding, () => {
      if (held) this.held.delete(held);
    });
  }

  /**
   * At shutdown, once the requests in flight are answered: lets go of the snapshots still held, so
   * the pools can close. Their queries go on; a fragment that has yet to start starts them over.
   */
  async releaseAll(): Promise<void> {
    await Promise.allSettled([...this.held].map((held) => held.release()));
  }
}
