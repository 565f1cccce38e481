/**
 * Recent plans, by the query's exact text: dashboards send the same queries again and again, and
 * planning one (EXPLAIN, the catalog, a probe) costs more PostgreSQL time than a small query
 * itself, and a few milliseconds of a fan-out's. Two kinds are kept:
 * - plans that run the query as written: they run the user's SQL unchanged, so a stale entry can
 *   cost speed (a table that grew meanwhile), never correctness. They are reused as they are for
 *   the cache's life; one the cost model made (`statement`) is reused for longer, up to its
 *   horizon, while what the statement's runs taught it stands (`sameLessons`, one read of Redis
 *   rather than planning again; found standing, it is reused unchecked for the cache's life
 *   again): a dashboard's panel refreshed every 30 s was planned afresh every time (the headline
 *   query's planning: 10–21 ms after a 15 s pause, 2–8 ms reused);
 * - split plans, which carry fragment SQL and a combine derived from PostgreSQL's reading of the
 *   query and the probe's types, and fragments cut for the table's size: reused, up to the same
 *   horizon, only once `planStillStands` has checked all three again (one EXPLAIN and the probe),
 *   and never for a query that reads the transaction time. One the cost model chose is also
 *   reused only while the statement's own lessons stand. A dashboard's fanned-out panel after a
 *   15 s pause spent 17–28 ms of its 62–72 planning afresh.
 * Any plan the cost model made, of either kind, is reused only while the database's measurement
 * it was made with stands (`sameMeasurement`, in memory).
 * A run as written that the model plans to learn a statement's time (`explores`) is not kept.
 */
import type { PlanRecheck } from '@pgfan/engine';
import type { DatabaseMeasurement, Plan, StatementFactors } from '@pgfan/planner';

export interface RecentPlan {
  plan: Plan;
  /** A split plan's: what to check before reusing it. */
  recheck?: PlanRecheck;
  /** A plan the model made: what the statement's runs had taught it then, to check too. */
  statement?: StatementFactors;
  /** A plan the model made: the database's measurement it planned with, to check too (a new one replans). */
  measurement?: DatabaseMeasurement;
}

/** A recent plan, and whether it is past the cache's life (then a decision to run as written is reused only while its lessons stand). */
export type CachedPlan = RecentPlan & { aged: boolean };

export interface PlanCacheOptions {
  /** How long a plan is reused as `RecentPlan` describes. */
  ttlMs: number;
  /** How long, from when it was made, a plan that can be checked again (a split one, or one to run as written that the model made) is reused while it stands; at most `ttlMs` when lower. @defaultValue ttlMs */
  checkedReuseMs?: number;
  /** @defaultValue 1000 */
  maxEntries?: number;
  now?: () => number;
}

export class PlanCache {
  /** `made`: when planned; `checked`: then, or when its lessons were last found to stand (`confirm`). */
  private readonly entries = new Map<string, { recent: RecentPlan; made: number; checked: number }>();
  private readonly ttlMs: number;
  private readonly checkedReuseMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor({ ttlMs, checkedReuseMs = ttlMs, maxEntries = 1000, now = Date.now }: PlanCacheOptions) {
    this.ttlMs = ttlMs;
    this.checkedReuseMs = Math.max(ttlMs, checkedReuseMs);
    this.maxEntries = maxEntries;
    this.now = now;
  }

  static key(sql: string, partitions: number | undefined, workers: number): string {
    return JSON.stringify([sql, partitions ?? null, workers]);
  }

  /** The recent plan for `key`; a split one only with no fragments queued or running, where it was made (`remember`). */
  get(key: string, backlog = 0): CachedPlan | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const now = this.now();
    const aged = now - entry.checked >= this.ttlMs;
    if (now - entry.made >= this.horizonOf(entry.recent)) {
      this.entries.delete(key);
      return undefined;
    }
    if (entry.recent.plan.mode === 'fan-out' && backlog > 0) return undefined;
    return { ...entry.recent, aged };
  }

  /**
   * Keeps a plan that runs the query as written, or a split one that can be rechecked, if it was
   * made with no fragments queued or running; the oldest entry makes room when full. A backlog
   * only makes fanning out dearer, so a decision to run as written made without one still holds
   * behind one (made behind one, it may not once the workers are free), and a decision to fan out
   * made without one is reused only without one.
   */
  remember(key: string, { plan, recheck, statement, measurement }: RecentPlan, backlog = 0): void {
    if (this.ttlMs <= 0 || (plan.mode !== 'as-written' && recheck === undefined) || backlog > 0) return;
    // A run as written to learn the statement's time is tried once, not for the cache's life.
    if (plan.prediction?.explores) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    // Only what a reuse needs: not the parse a planned query comes with.
    const now = this.now();
    const recent = { plan, ...(recheck ? { recheck } : {}), ...(statement ? { statement } : {}), ...(measurement ? { measurement } : {}) };
    this.entries.set(key, { recent, made: now, checked: now });
  }

  /** An aged plan's lessons stand: it is reused unchecked for the cache's life again, up to its horizon. */
  confirm(key: string): void {
    const entry = this.entries.get(key);
    if (entry) entry.checked = this.now();
  }

  /**
   * Past the cache's life, a plan is kept only if it can be checked again: a split one always is
   * (`recheck`), a decision to run as written only if the model made it (by its lessons).
   */
  private horizonOf(recent: RecentPlan): number {
    return recent.recheck !== undefined || recent.statement !== undefined ? this.checkedReuseMs : this.ttlMs;
  }
}
