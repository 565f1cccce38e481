/**
 * Recent decisions to run a query as written, by its exact text: dashboards send the same
 * queries again and again, and planning one (EXPLAIN and the catalog) costs more PostgreSQL time
 * than a small query itself. Only such plans are kept — they run the user's SQL unchanged, so a
 * stale entry can cost speed (a table that grew meanwhile), never correctness; split plans carry
 * fragment SQL and types derived from the catalog, and are always made afresh.
 */
import { freeSlots, type Plan } from '@pgfan/planner';

export class PlanCache {
  private readonly entries = new Map<string, { plan: Plan; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The slots free now are part of the key: a query run as written because the workers were
   * busy may fan out once they are not.
   */
  static key(sql: string, partitions: number | undefined, capacity: { slots: number; backlog: number }): string {
    return JSON.stringify([sql, partitions ?? null, capacity.slots, freeSlots(capacity.slots, capacity.backlog)]);
  }

  get(key: string): Plan | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.plan;
  }

  /** Keeps `plan` if it runs the query as written; the oldest entry makes room when full. */
  remember(key: string, plan: Plan): void {
    if (this.ttlMs <= 0 || plan.mode !== 'sequential') return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { plan, expires: this.now() + this.ttlMs });
  }
}
