/**
 * One generation of a fanned-out query, once it is placed: its flow (a fragment job per fragment,
 * each told where to read and which snapshot to import, under the combine), then the snapshots
 * held until the query ends. Shared by the workers' coordinator job and by the API, which
 * coordinates generation 1 itself when its client waits for the answer: a queue hop and a write
 * fewer on every such query's path.
 */
import { randomBytes } from 'node:crypto';
import { FINAL_STATUSES, type CombineJob, type FragmentJob } from '@pgfan/contracts';
import { addQueryFlow, type QueryEventBus, type Queues } from '@pgfan/dispatch';
import type { Plan } from '@pgfan/planner';
import { queryStatus } from '@pgfan/store';
import { concludeQuery, type ConcludeContext } from './conclude';

/** What holding a generation until its end touches. */
export interface GenerationContext extends ConcludeContext {
  events: QueryEventBus;
}

/** What keeps a generation's snapshots importable; released once the query has ended. */
export interface HeldSnapshots {
  /** Resolves if a snapshot's session is gone: fragments that have yet to import it cannot. */
  lost: Promise<void>;
  release(): Promise<void>;
}

/**
 * Where a generation's fragments read: each server (unnamed without replicas) with the snapshot
 * its fragments import there, the record's cut, and what holds the snapshots (none without them).
 */
export interface Readers {
  members: { server: string | undefined; snapshot: string | null }[];
  cut: CombineJob['cut'];
  held: HeldSnapshots | null;
}

export interface GenerationOf {
  queryId: string;
  generation: number;
  /** Epoch milliseconds. */
  deadline: number;
}

/** How long a coordinator may hold a generation's snapshots: to the deadline, and the reaper's grace after it. */
export function snapshotHoldMs(deadline: number, reaperGraceMs: number): number {
  return deadline - Date.now() + reaperGraceMs;
}

/** Readers of a deployment without replicas: the primary, importing `snapshot` (none with snapshots off). */
export function primaryAlone(snapshot: (HeldSnapshots & { id: string }) | null): Readers {
  return { members: [{ server: undefined, snapshot: snapshot?.id ?? null }], cut: undefined, held: snapshot };
}

/** How often a holder re-reads the record, in case a completion notice was lost. */
const RECHECK_MS = 2000;

/**
 * Adds the generation's flow: its fragments spread over `readers`' members in turn, the combine
 * their parent. With `coordinatorCombines` the fragments carry their rows to the coordinator and the
 * combine waits for it first (dispatch/handoff.ts).
 */
export async function addGenerationFlow(
  queues: Queues,
  plan: Plan,
  { queryId, generation, deadline }: GenerationOf,
  readers: Readers,
  { coordinatorCombines = false }: { coordinatorCombines?: boolean } = {},
): Promise<void> {
  const { members, cut } = readers;
  const spillToken = randomBytes(18).toString('base64url');
  const fragments: FragmentJob[] = plan.fragments.map((f, i) => {
    const { server, snapshot } = members[i % members.length] as (typeof members)[number];
    return {
      queryId,
      generation,
      index: f.index,
      of: plan.fragments.length,
      sql: f.sql,
      params: f.params,
      ...(f.copySql ? { copySql: f.copySql } : {}),
      snapshot,
      deadline,
      spillToken,
      ...(server ? { server } : {}),
      ...(coordinatorCombines ? { coordinatorCombines } : {}),
    };
  });
  const combine = {
    queryId,
    generation,
    spillToken,
    snapshot: members[0]?.snapshot ?? null,
    ...(cut ? { cut } : {}),
    ...(coordinatorCombines ? { coordinatorCombines } : {}),
  };
  await addQueryFlow(queues, combine, fragments);
}

/**
 * Waits until the query has ended, failing it with TIMEOUT if its deadline comes first, then
 * releases its snapshots. With a snapshot lost it stops waiting at once: fragments that still
 * have to import it fail with SNAPSHOT_LOST, and the combine starts the query over, whose next
 * coordinator needs the place this one would go on holding.
 */
export async function holdUntilEnd(ctx: GenerationContext, of: GenerationOf & { timeoutMs: number }, held: HeldSnapshots | null): Promise<void> {
  const { queryId, generation, deadline, timeoutMs } = of;
  try {
    const ending = await waitForEnd(ctx, queryId, deadline, held?.lost);
    if (ending === 'deadline') {
      const error = { code: 'TIMEOUT', message: `the query did not finish within its ${timeoutMs} ms deadline` };
      await concludeQuery(ctx, queryId, null, { status: 'failed', error }, { stopGeneration: generation });
    }
    if (ending === 'snapshot lost') ctx.logger.warn({ queryId, generation }, `the snapshot of ${queryId} (generation ${generation}) was lost with its session`);
  } finally {
    await held?.release();
  }
}

/** False while the store cannot be read (a database restart): the waiting goes on until the deadline. */
async function isFinished(ctx: GenerationContext, queryId: string): Promise<boolean> {
  const standing = await queryStatus(ctx.storePool, queryId).catch(() => undefined);
  return standing === null || (standing !== undefined && FINAL_STATUSES.includes(standing.status));
}

/** Waits until the query has finished, its deadline passes, or its snapshot is lost, whichever is first. */
async function waitForEnd(
  ctx: GenerationContext,
  queryId: string,
  deadline: number,
  snapshotLost?: Promise<void>,
): Promise<'finished' | 'deadline' | 'snapshot lost'> {
  let lost = false;
  void snapshotLost?.then(() => (lost = true));
  for (;;) {
    const remaining = deadline - Date.now();
    const notice = ctx.events.wait(queryId, Math.min(remaining, RECHECK_MS));
    if (await isFinished(ctx, queryId)) return 'finished';
    if (remaining <= 0) return 'deadline';
    if (lost) return 'snapshot lost';
    await (snapshotLost ? Promise.race([notice, snapshotLost]) : notice);
  }
}
