/**
 * Recent plans, by the query's exact text: dashboards send the same queries again and again, and
 * planning one (EXPLAIN, the catalog, a probe) costs more PostgreSQL time than a small query
 * itself, and a few milliseconds of a fan-out's. Two kinds are kept:
 * - plans that run the query as written: they run the user's SQL unchanged, so a stale entry can
 *   cost speed (a table that grew meanwhile), never correctness, and they are reused as they are;
 * - split plans, which carry fragment SQL and a combine derived from PostgreSQL's reading of the
 *   query and the probe's types: reused only once `planStillStands` has checked both again (one
 *   EXPLAIN and the probe), and never for a query that reads the transaction time. One the cost
 *   model chose is also reused only while the statement's own lessons stand (`sameLessons`).
 * A run as written that the model plans to learn a statement's time (`explores`) is not kept.
 */
import type { PlanRecheck } from '@pgfan/engine';
import type { Plan, StatementFactors } from '@pgfan/planner';

export interface RecentPlan {
  plan: Plan;
  /** A split plan's: what to check before reusing it. */
  recheck?: PlanRecheck;
  /** A split the model chose: what the statement's runs had taught it then, to check too. */
  statement?: StatementFactors;
}

export class PlanCache {
  private readonly entries = new Map<string, { recent: RecentPlan; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  static key(sql: string, partitions: number | undefined, workers: number): string {
    return JSON.stringify([sql, partitions ?? null, workers]);
  }

  /** The recent plan for `key`; a split one only with no fragments queued or running, where it was made (`remember`). */
  get(key: string, backlog = 0): RecentPlan | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    if (entry.recent.plan.mode === 'fan-out' && backlog > 0) return undefined;
    return entry.recent;
  }

  /**
   * Keeps a plan that runs the query as written, or a split one that can be rechecked, if it was
   * made with no fragments queued or running; the oldest entry makes room when full. A backlog
   * only makes fanning out dearer, so a decision to run as written made without one still holds
   * behind one (made behind one, it may not once the workers are free), and a decision to fan out
   * made without one is reused only without one.
   */
  remember(key: string, { plan, recheck, statement }: RecentPlan, backlog = 0): void {
    if (this.ttlMs <= 0 || (plan.mode !== 'as-written' && recheck === undefined) || backlog > 0) return;
    // A run as written to learn the statement's time is tried once, not for the cache's life.
    if (plan.prediction?.explores) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    // Only what a reuse needs: not the parse a planned query comes with.
    this.entries.set(key, { recent: { plan, ...(recheck ? { recheck } : {}), ...(statement ? { statement } : {}) }, expires: this.now() + this.ttlMs });
  }
}
