/**
 * Cuts shared like a group commit: a cut at position L serves every query that must see what the
 * primary committed before its own target T, whenever L ≥ T — so queries placed while a cut is
 * being made, or while one is held, take it instead of pausing replay again. A busy dashboard then
 * pauses the replicas once per burst, not once per query.
 *
 * A cut's snapshots stay exported while any query holds a lease on it. A query whose deadline
 * outlives what they were exported for holds them longer (their sessions' idle timeout moves on),
 * or, if that fails, takes a cut of its own.
 */
import type { HeldSnapshot } from '@pgfan/engine';
import type { CutCost } from './cuts';

export interface CutMade extends CutCost {
  lsn: bigint;
  /** Each server's snapshot, by server name: queries sharing the cut may list its servers in another order. */
  snapshots: ReadonlyMap<string, HeldSnapshot>;
}

/**
 * A query's hold on a cut. Its cost is this query's: `ms` the time it waited for the cut (the
 * making included), and the rest 0 for a cut made for another query.
 */
export interface CutLease extends CutMade {
  /** Made for another query. */
  shared: boolean;
  /** Resolves if any of the cut's snapshots is lost (its session or server gone). */
  lost: Promise<void>;
  /** The query is done with it; the last lease out releases the snapshots. */
  release(): Promise<void>;
}

interface Shared {
  made: CutMade;
  /** Epoch ms until which the snapshots are held. */
  heldUntil: number;
  leases: number;
  lost: Promise<void>;
  /** Its snapshots are released, or one of them was lost: it serves nobody new. */
  over: boolean;
}

export class SharedCuts {
  /** Cuts held now, by the servers they span. */
  private readonly held = new Map<string, Shared[]>();
  /** Cuts being made now, by the servers they span. */
  private readonly making = new Map<string, Promise<Shared | string>>();

  /**
   * A lease on a cut across `servers` at or past `target` whose snapshots are held until at least
   * `needUntil`; `make` makes a new one (held until `heldUntil`) when none serves. A string is why
   * no cut could be made.
   */
  async lease(
    servers: readonly string[],
    target: bigint,
    needUntil: number,
    make: () => Promise<{ cut: CutMade; heldUntil: number } | string>,
  ): Promise<CutLease | string> {
    const key = [...servers].sort().join(' ');
    const started = performance.now();
    const waited = () => Math.round((performance.now() - started) * 10) / 10;
    const serves = (s: Shared) => !s.over && s.made.lsn >= target;
    // Checked and registered with no await in between, so that queries placed together wait for
    // one cut rather than each make their own.
    let awaited: Promise<Shared | string> | undefined;
    for (;;) {
      let reused = (this.held.get(key) ?? []).find(serves);
      if (!reused) {
        const inFlight = this.making.get(key);
        // Nothing being made, or only the cut already waited for (behind this query's target).
        if (!inFlight || inFlight === awaited) break;
        awaited = inFlight;
        const shared = await inFlight;
        // The cut its queries were waiting for failed: so would another made now.
        if (typeof shared === 'string') return shared;
        if (!serves(shared)) continue;
        reused = shared;
      }
      const lease = this.share(key, reused, waited);
      // Held longer for this query: the exporting sessions' idle timeout moves, or the cut is lost.
      if (reused.heldUntil >= needUntil || (await this.extend(reused, needUntil))) return lease;
      await lease.release();
    }
    const making = make().then((made): Shared | string => {
      if (typeof made === 'string') return made;
      // Its maker's lease is counted now: nobody who shares it meanwhile can release it from under it.
      const lost = Promise.race([...made.cut.snapshots.values()].map((s) => s.lost));
      const shared: Shared = { made: made.cut, heldUntil: made.heldUntil, leases: 1, lost, over: false };
      void lost.then(() => (shared.over = true));
      this.held.set(key, [...(this.held.get(key) ?? []), shared]);
      return shared;
    });
    this.making.set(key, making);
    try {
      const shared = await making;
      return typeof shared === 'string' ? shared : this.leaseOf(key, shared, false, waited());
    } finally {
      if (this.making.get(key) === making) this.making.delete(key);
    }
  }

  private share(key: string, shared: Shared, waited: () => number): CutLease {
    shared.leases++;
    return this.leaseOf(key, shared, true, waited());
  }

  private async extend(shared: Shared, until: number): Promise<boolean> {
    const extended = await Promise.all(
      [...shared.made.snapshots.values()].map((s) =>
        s.extend(until - Date.now()).then(
          () => true,
          () => false,
        ),
      ),
    );
    if (extended.every(Boolean)) shared.heldUntil = Math.max(shared.heldUntil, until);
    else shared.over = true;
    return !shared.over;
  }

  /** A lease on `shared`, already counted. */
  private leaseOf(key: string, shared: Shared, reused: boolean, ms: number): CutLease {
    let released = false;
    return {
      lsn: shared.made.lsn,
      snapshots: shared.made.snapshots,
      ms,
      attempts: reused ? 0 : shared.made.attempts,
      catchUpMs: reused ? 0 : shared.made.catchUpMs,
      lockMs: reused ? 0 : shared.made.lockMs,
      shared: reused,
      lost: shared.lost,
      release: async () => {
        if (released) return;
        released = true;
        if (--shared.leases > 0) return;
        shared.over = true;
        this.held.set(
          key,
          (this.held.get(key) ?? []).filter((s) => s !== shared),
        );
        await Promise.allSettled([...shared.made.snapshots.values()].map((s) => s.release()));
      },
    };
  }
}
