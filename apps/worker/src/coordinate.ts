/**
 * The coordinator of one query generation: it exports the snapshot every fragment imports,
 * adds the flow, and keeps the snapshot's transaction open until the query has finished, so a
 * fragment retried on another worker imports the same snapshot. A sequential plan it runs
 * itself.
 *
 * If a coordinator dies, its job is delivered again; the redelivery finds the generation taken
 * and leaves it alone when its flow exists (fragments that can no longer import the snapshot
 * then start the query over), or starts the query over when it does not.
 *
 * Generation 1 of a fan-out whose client waits, on a primary without replicas, the API
 * coordinates itself (apps/api/src/coordinations.ts); what follows a lost snapshot comes here.
 */
import { CoordinateJob, FINAL_STATUSES } from '@pgfan/contracts';
import { enqueueCoordinator, jobIds, publishQueryEvent } from '@pgfan/dispatch';
import {
  addGenerationFlow,
  concludeQuery,
  holdUntilEnd,
  NoServerError,
  oneSnapshotCut,
  primaryAlone,
  readServerParallelism,
  runWholeQuery,
  snapshotHoldMs,
  type Placement,
  type PlacedSnapshot,
  type Readers,
} from '@pgfan/runtime';
import { formatLsn } from '@pgfan/engine';
import type { Plan } from '@pgfan/planner';
import { beginGeneration, getQueryWork } from '@pgfan/store';
import type { Job } from 'bullmq';
import type { WorkerContext } from './context';

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
  const of = { queryId, generation, deadline };
  try {
    await addGenerationFlow(ctx.queues, plan, of, readers);
  } catch (error) {
    await readers.held?.release();
    throw error;
  }
  await holdUntilEnd(ctx, { ...of, timeoutMs: work.timeoutMs }, readers.held);
}

/**
 * Places a generation: over several replicas at one exact cut when the plan asks for servers,
 * otherwise (or when no cut can be had) on the least busy server that has the submitter's writes
 * — the primary alone, without replicas. Snapshots are held until the deadline, and the reaper's
 * grace after it, at most.
 */
async function placeGeneration(ctx: WorkerContext, plan: Plan, deadline: number): Promise<Readers> {
  const holdMs = snapshotHoldMs(deadline, ctx.env.REAPER_GRACE_MS);
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
  if (!ctx.servers.placing) return primaryAlone(snapshot);
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
