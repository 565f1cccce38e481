/**
 * Recent decisions to run a query as written, by its exact text: dashboards send the same
 * queries again and again, and planning one (EXPLAIN and the catalog) costs more PostgreSQL time
 * than a small query itself. Only such plans are kept — they run the user's SQL unchanged, so a
 * stale entry can cost speed (a table that grew meanwhile), never correctness; split plans carry
 * fragment SQL and types derived from the catalog, and are always made afresh.
 */
import type { Plan } from '@pgfan/planner';

export class PlanCache {
  private readonly entries = new Map<string, { plan: Plan; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  static key(sql: string, partitions: number | undefined, workers: number): string {
    return JSON.stringify([sql, partitions ?? null, workers]);
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

  /**
   * Keeps `plan` if it runs the query as written and was made with no fragments queued or running;
   * the oldest entry makes room when full. A backlog only makes fanning out dearer, so a decision
   * to run as written made without one still holds behind one; made behind one, it may not once
   * the workers are free.
   */
  remember(key: string, plan: Plan, backlog = 0): void {
    if (this.ttlMs <= 0 || plan.mode !== 'as-written' || backlog > 0) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { plan, expires: this.now() + this.ttlMs });
  }
}
