/**
 * One cut at a time across the deployment, and no replica left paused by a process that died
 * mid-cut. Cuts by different processes on the same replicas would resume each other's pauses:
 * each stays exact (cuts.ts checks the pause held) but tries again and again. So a cut takes a
 * lock in Redis first — cuts take milliseconds, and queries in one process share them — and
 * records which replicas it may pause until it has resumed them. A record left behind by a
 * process that died (its lock lapsed) names replicas to resume.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Held while a cut is made; lapses by itself if its holder dies. */
export const CUT_LOCK = 'pgfan:cut:lock';
/** The replicas a cut may have paused, until it has resumed them; no expiry. */
export const CUT_PAUSES = 'pgfan:cut:pauses';

/** How often a cut waiting for another looks again. */
const WAIT_MS = 2;

export interface CutGuard {
  /**
   * Waits until no other cut is being made (up to `until`, a performance.now() time), then marks
   * `servers` as possibly paused by this one. Returns the release, or null at `until`.
   */
  hold(servers: readonly string[], until: number): Promise<(() => Promise<void>) | null>;
  /** Replicas a cut that died may have left paused: none while a cut is being made. */
  abandoned(): Promise<string[]>;
  /** Those replicas were resumed. */
  cleared(): Promise<void>;
}

export class RedisCutGuard implements CutGuard {
  /**
   * @param holder who holds the lock, for people reading Redis.
   * @param lockMs how long a lock lives if its holder dies (longer than any cut: CUT_TIMEOUT_MS and then some).
   */
  constructor(
    private readonly redis: Redis,
    private readonly holder: string,
    private readonly lockMs: number,
  ) {}

  async hold(servers: readonly string[], until: number): Promise<(() => Promise<void>) | null> {
    const token = `${this.holder} ${randomUUID()}`;
    for (;;) {
      const taken = await this.redis.set(CUT_LOCK, token, 'PX', this.lockMs, 'NX');
      if (taken === 'OK') break;
      if (performance.now() >= until) return null;
      await new Promise((resolve) => setTimeout(resolve, WAIT_MS));
    }
    await this.redis.sadd(CUT_PAUSES, ...servers);
    // Only while still ours: a lock that lapsed may be another cut's by now, and so its record.
    return async () => {
      await this.redis.eval(
        `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[2]); return redis.call('DEL', KEYS[1]) end return 0`,
        2,
        CUT_LOCK,
        CUT_PAUSES,
        token,
      );
    };
  }

  async abandoned(): Promise<string[]> {
    const [[, lock], [, paused]] = (await this.redis.multi().get(CUT_LOCK).smembers(CUT_PAUSES).exec()) as [[null, string | null], [null, string[]]];
    return lock === null ? paused : [];
  }

  async cleared(): Promise<void> {
    // Only if no cut began meanwhile: one that did has marked its own replicas.
    await this.redis.eval(`if redis.call('EXISTS', KEYS[1]) == 0 then return redis.call('DEL', KEYS[2]) end return 0`, 2, CUT_LOCK, CUT_PAUSES);
  }
}
