/**
 * An exact cut across replicas: every replica paused at the same WAL position while each exports
 * the snapshot its fragments import, so all of them read the same committed state — the state the
 * primary had at that position. Replicas that replayed the same WAL up to the same record hold the
 * same data (`engine/src/standby-cut.test.ts` pins this down under a busy primary).
 *
 * Correctness comes from checking, not from coordinating: after the snapshots are exported each
 * replica must still be paused at the position compared before, so nothing was replayed while
 * they were taken, even if another cut (another process) resumed replay meanwhile. A check that
 * fails is retried until the timeout; replay is resumed after every attempt, so a replica stands
 * still for milliseconds.
 */
import { exportSnapshot, formatLsn, PAUSE_REPLAY_SQL, readReplayStop, RESUME_REPLAY_SQL, type HeldSnapshot } from '@pgfan/engine';
import type { Pool } from 'pg';
import type { CutGuard } from './cut-guard';

export interface CutMember {
  name: string;
  /** Sessions of the query role: the snapshots are theirs. */
  pool: Pool;
  /** Sessions of a role that may pause and resume replay. */
  control: Pool;
}

/** What a cut cost: `ms` in all, of it `catchUpMs` waiting for the replicas to replay up to the primary's position and `lockMs` for other processes' cuts; `attempts` tries. */
export interface CutCost {
  ms: number;
  attempts: number;
  catchUpMs: number;
  lockMs: number;
}

export type CutOutcome = ({ ok: true; lsn: bigint; snapshots: HeldSnapshot[] } & CutCost) | { ok: false; reason: string; attempts: number; ms: number };

/** SQLSTATE insufficient_privilege: the control role may not pause replay. */
const INSUFFICIENT_PRIVILEGE = '42501';

/**
 * Cuts `members` at one WAL position at or past `atLeast` (the primary's, for read-your-writes),
 * each holding its snapshot for `holdMs`; gives up after `timeoutMs` with the reason. With a
 * `guard`, it waits first for any other process's cut (see cut-guard.ts).
 */
export async function makeCut(members: readonly CutMember[], atLeast: bigint, holdMs: number, timeoutMs: number, guard?: CutGuard): Promise<CutOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
  const release = guard
    ? await guard.hold(
        members.map((m) => m.name),
        started + timeoutMs,
      )
    : async () => undefined;
  if (!release) return { ok: false, reason: `other cuts held the replicas for ${timeoutMs} ms (CUT_TIMEOUT_MS)`, attempts: 0, ms: elapsed() };
  try {
    return await cutRepeatedly(members, atLeast, holdMs, timeoutMs, started, elapsed);
  } finally {
    await release();
  }
}

async function cutRepeatedly(
  members: readonly CutMember[],
  atLeast: bigint,
  holdMs: number,
  timeoutMs: number,
  started: number,
  elapsed: () => number,
): Promise<CutOutcome> {
  let last: string;
  let catchUpMs = 0;
  for (let attempts = 1; ; attempts++) {
    try {
      // Pausing a replica still behind the primary's position would only make it later.
      const waiting = performance.now();
      await caughtUp(members, atLeast, started + timeoutMs);
      catchUpMs += performance.now() - waiting;
      const outcome = await attempt(members, atLeast, holdMs, started + timeoutMs);
      if (typeof outcome !== 'string') return { ok: true, ...outcome, attempts, ms: elapsed(), catchUpMs: Math.round(catchUpMs * 10) / 10, lockMs: 0 };
      last = outcome;
    } catch (error) {
      if ((error as { code?: string }).code === INSUFFICIENT_PRIVILEGE) {
        const reason = `pausing replay needs EXECUTE on pg_wal_replay_pause() and pg_wal_replay_resume() for DATABASE_URL's role (${(error as Error).message})`;
        return { ok: false, reason, attempts, ms: elapsed() };
      }
      last = (error as Error).message;
    }
    if (performance.now() - started >= timeoutMs) {
      return { ok: false, reason: `no exact cut within ${timeoutMs} ms (CUT_TIMEOUT_MS): ${last}`, attempts, ms: elapsed() };
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** One try: the cut, or why not (positions apart, behind, moved on). */
async function attempt(
  members: readonly CutMember[],
  atLeast: bigint,
  holdMs: number,
  until: number,
): Promise<{ lsn: bigint; snapshots: HeldSnapshot[] } | string> {
  await Promise.all(members.map((m) => m.control.query(PAUSE_REPLAY_SQL)));
  try {
    const stops = await Promise.all(members.map((m) => stoppedReplay(m, until)));
    const lsn = (stops[0] as bigint) ?? 0n;
    if (stops.some((s) => s !== lsn)) return `replicas paused at ${stops.map(formatLsn).join(', ')}`;
    if (lsn < atLeast) return `replicas paused at ${formatLsn(lsn)}, behind the primary's ${formatLsn(atLeast)}`;
    const exported = await Promise.allSettled(members.map((m) => exportSnapshot(m.pool, holdMs)));
    const snapshots = exported.flatMap((e) => (e.status === 'fulfilled' ? [e.value] : []));
    const release = () => Promise.allSettled(snapshots.map((s) => s.release()));
    const failed = exported.find((e) => e.status === 'rejected');
    if (failed) {
      await release();
      throw failed.reason;
    }
    const after = await Promise.all(members.map((m) => readReplayStop(m.control)));
    if (after.some((s) => !s.paused || s.lsn !== lsn)) {
      await release();
      return 'replay moved on while the snapshots were exported (another cut resumed it)';
    }
    return { lsn, snapshots };
  } finally {
    await Promise.allSettled(members.map((m) => m.control.query(RESUME_REPLAY_SQL)));
  }
}

/** Waits, replay running, until every member has replayed up to `atLeast`. */
async function caughtUp(members: readonly CutMember[], atLeast: bigint, until: number): Promise<void> {
  for (;;) {
    const stops = await Promise.all(members.map((m) => readReplayStop(m.control)));
    if (stops.every((s) => s.lsn >= atLeast)) return;
    if (performance.now() > until) throw new Error(`replicas at ${stops.map((s) => formatLsn(s.lsn)).join(', ')}, behind the primary's ${formatLsn(atLeast)}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Where a replica stopped, once it has: a pause takes effect between two records. */
async function stoppedReplay(member: CutMember, until: number): Promise<bigint> {
  for (;;) {
    const stop = await readReplayStop(member.control);
    if (stop.paused) return stop.lsn;
    if (performance.now() > until) throw new Error(`${member.name} did not pause replay in time`);
  }
}
