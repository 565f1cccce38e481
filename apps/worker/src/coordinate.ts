/**
 * The coordinator of one query generation: it exports the snapshot every fragment imports,
 * adds the flow, and keeps the snapshot's transaction open until the query has finished, so a
 * fragment retried on another worker imports the same snapshot. A sequential plan it runs
 * itself.
 *
 * If a coordinator dies, its job is delivered again; the redelivery finds the generation taken
 * and leaves it alone when its flow exists (fragments that can no longer import the snapshot
 * then start the query over), or starts the query over when it does not.
 */
import { randomBytes } from 'node:crypto';
import { CoordinateJob, FINAL_STATUSES, type CombineJob, type FragmentJob } from '@pgfan/contracts';
import { addQueryFlow, enqueueCoordinator, jobIds, publishQueryEvent } from '@pgfan/dispatch';
import { concludeQuery, NoServerError, oneSnapshotCut, readServerParallelism, runWholeQuery, type Placement, type PlacedSnapshot } from '@pgfan/runtime';
import { formatLsn } from '@pgfan/engine';
import type { Plan } from '@pgfan/planner';
import { beginGeneration, getQueryWork } from '@pgfan/store';
import type { Job } from 'bullmq';
import type { WorkerContext } from './context';

/** How often a waiting coordinator re-reads the record, in case a completion notice was lost. */
const RECHECK_MS = 2000;

export async function coordinate(ctx: WorkerContext, job: Job<CoordinateJob>): Promise<void> {
  const { queryId, generation } = CoordinateJob.parse(job.data);
  const work = await beginGeneration(ctx.storePool, queryId, generation - 1, ctx.env.WORKER_ID);
  if (work === null) {
    await recoverGeneration(ctx, queryId, generation);
    return;
  }
  // Sent while the snapshot is exported: events on one connection keep their order. For the
  // dashboard only, so it cannot fail the job: a rejection here would leave the exported
  // snapshot's session held, with nobody to release it.
  const announced = publishQueryEvent(ctx.redis, { type: 'running', id: queryId, generation, coordinator: ctx.env.WORKER_ID }).catch(() => undefined);
  const plan = work.planInternal as Plan;
  const deadline = work.deadline.getTime();
  if (plan.combine === null) {
    await announced;
    const { WORKER_ID: runner, RESULT_MAX_ROWS: resultMaxRows, RESULT_MAX_BYTES: resultMaxBytes } = ctx.env;
    await runWholeQuery({ ...ctx, runner, resultMaxRows, resultMaxBytes }, queryId, generation, plan, deadline, { previewOnly: work.previewOnly });
    return;
  }
  let readers: Readers;
  try {
    [readers] = await Promise.all([placeGeneration(ctx, plan, deadline), announced]);
  } catch (error) {
    if (!(error instanceof NoServerError)) throw error;
    await concludeQuery(ctx, queryId, generation, { status: 'failed', error: { code: error.code, message: error.message } });
    return;
  }
  const { members, cut, held } = readers;
  try {
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
      };
    });
    await addQueryFlow(ctx.queues, { queryId, generation, spillToken, snapshot: members[0]?.snapshot ?? null, ...(cut ? { cut } : {}) }, fragments);
    const ending = await waitForEnd(ctx, queryId, deadline, held?.lost);
    if (ending === 'deadline') await timeOut(ctx, queryId, generation, work.timeoutMs);
    // With the snapshot lost, waiting would only hold a coordinator slot that the next
    // generation's coordinator needs: fragments that still have to import it fail with
    // SNAPSHOT_LOST, and the combine starts the query over.
    if (ending === 'snapshot lost') ctx.logger.warn({ queryId, generation }, `the snapshot of ${queryId} (generation ${generation}) was lost with its session`);
  } finally {
    await held?.release();
  }
}

/**
 * Where a generation's fragments read: each server (unnamed without replicas) with the snapshot
 * its fragments import there, the record's cut, and what holds the snapshots (none without them).
 */
interface Readers {
  members: { server: string | undefined; snapshot: string | null }[];
  cut: CombineJob['cut'];
  held: { lost: Promise<void>; release(): Promise<void> } | null;
}

/**
 * Places a generation: over several replicas at one exact cut when the plan asks for servers,
 * otherwise (or when no cut can be had) on the least busy server that has the submitter's writes
 * — the primary alone, without replicas. Snapshots are held until the deadline, and the reaper's
 * grace after it, at most.
 */
async function placeGeneration(ctx: WorkerContext, plan: Plan, deadline: number): Promise<Readers> {
  const holdMs = deadline - Date.now() + ctx.env.REAPER_GRACE_MS;
  const { servers } = ctx;
  if (!ctx.env.SNAPSHOTS) return onOne(ctx, await servers.place(deadline));
  const count = plan.servers ?? (await chosenSpread(ctx, plan));
  if (count < 2 || !servers.placing) return onOne(ctx, await servers.placeSnapshot(holdMs, deadline));
  const placed = await servers.placeCut(count, holdMs, deadline, ctx.env.CUT_TIMEOUT_MS);
  if (!('members' in placed)) return onOne(ctx, placed);
  const names = placed.members.map((m) => m.server.name);
  return {
    members: placed.members.map((m) => ({ server: m.server.name, snapshot: m.snapshot })),
    cut: {
      lsn: formatLsn(placed.lsn),
      servers: names,
      guarantee: 'equal-replay-position',
      ms: placed.ms,
      attempts: placed.attempts,
      catchUpMs: placed.catchUpMs,
      lockMs: placed.lockMs,
      shared: placed.shared,
      ...(plan.servers === undefined ? { automatic: true } : {}),
      server: names[0] as string,
    },
    held: placed,
  };
}

/** How many replicas the cost model spreads a fan-out over that did not ask (AUTO_SPREAD, SPREAD_MIN_MS). */
async function chosenSpread(ctx: WorkerContext, plan: Plan): Promise<number> {
  const predictedMs = plan.prediction?.fanOutMs ?? null;
  if (!ctx.env.AUTO_SPREAD || plan.mode !== 'fan-out' || !ctx.servers.placing || predictedMs === null || predictedMs < ctx.env.SPREAD_MIN_MS) return 1;
  const parallelism = await readServerParallelism(ctx.redis).catch(() => new Map<string, number>());
  return ctx.servers.automaticSpread(plan.fragments.length, predictedMs, parallelism, ctx.env.SPREAD_MIN_MS);
}

function onOne(ctx: WorkerContext, placed: Placement | PlacedSnapshot): Readers {
  const { snapshot = null, reason } = placed as Partial<PlacedSnapshot>;
  // Named only where there is a choice: records of a primary-only deployment stay as they were.
  const id = snapshot?.id ?? null;
  if (!ctx.servers.placing) return { members: [{ server: undefined, snapshot: id }], cut: undefined, held: snapshot };
  const server = placed.server.name;
  const cut = oneSnapshotCut(server, snapshot?.position ?? placed.atLeast);
  return { members: [{ server, snapshot: id }], cut: cut ? { ...cut, server, ...(reason ? { reason } : {}) } : undefined, held: snapshot };
}

/** A redelivered (or duplicate) coordinator job for a generation that already started. */
async function recoverGeneration(ctx: WorkerContext, queryId: string, generation: number): Promise<void> {
  const work = await getQueryWork(ctx.storePool, queryId);
  if (!work || FINAL_STATUSES.includes(work.status) || work.generation !== generation) return;
  const flow = await ctx.queues.combine.getJob(jobIds.combine(queryId, generation));
  const plan = work.planInternal as Plan;
  if (plan.combine !== null && flow) return;
  // The coordinator died before it added the flow (or while running a sequential plan): start over.
  await enqueueCoordinator(ctx.queues, { queryId, generation: generation + 1 });
}

/** False while the store cannot be read (a database restart): the waiting goes on until the deadline. */
async function isFinished(ctx: WorkerContext, queryId: string): Promise<boolean> {
  const work = await getQueryWork(ctx.storePool, queryId).catch(() => undefined);
  return work === null || (work !== undefined && FINAL_STATUSES.includes(work.status));
}

/** Waits until the query has finished, its deadline passes, or its snapshot is lost, whichever is first. */
async function waitForEnd(
  ctx: WorkerContext,
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

async function timeOut(ctx: WorkerContext, queryId: string, generation: number, timeoutMs: number): Promise<void> {
  const error = { code: 'TIMEOUT', message: `the query did not finish within its ${timeoutMs} ms deadline` };
  await concludeQuery(ctx, queryId, null, { status: 'failed', error }, { stopGeneration: generation });
}
