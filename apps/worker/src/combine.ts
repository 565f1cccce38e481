/**
 * The flow's parent: runs when every fragment finished, or as soon as one failed for good.
 * On success it runs the combine query; on a lost snapshot it starts the query over on a fresh
 * one; on any other failure it fails the query, naming the fragment, and stops the rest.
 */
import { CombineJob, FINAL_STATUSES, FragmentOutput, type Cut, type FragmentProgress } from '@pgfan/contracts';
import {
  cancelStatements,
  coordinatorCombine,
  enqueueCoordinator,
  ForgedJobError,
  fragmentIndexOf,
  jobFailure,
  publishQueryEvent,
  readJobFailure,
} from '@pgfan/dispatch';
import { combineOutputs, concludeCombined, concludeQuery, doneFragments, runWholeQuery } from '@pgfan/runtime';
import { errorRecord, InexactSplitError, NUMERIC_VALUE_OUT_OF_RANGE, type KeptPartials } from '@pgfan/engine';
import { storesPartialRows, type Plan } from '@pgfan/planner';
import { clearPartialRows, getQueryWork, markCombining, PARTIAL_ROWS, STORED_PARTIAL_ROWS } from '@pgfan/store';
import type { Job } from 'bullmq';
import type { WorkerContext } from './context';

/**
 * Ends a combine job that does not combine. It fails rather than completes: BullMQ refuses to
 * complete a parent whose children are still running, and this generation's are abandoned.
 */
function abandon(queryId: string, generation: number, why: string): never {
  throw jobFailure({ code: 'NOT_COMBINED', message: `generation ${generation} of ${queryId} not combined: ${why}` }, { final: true });
}

/** Failures that end a generation, not the query: its snapshot (or the server holding it) is gone. */
const RESTARTING_CODES = new Set(['SNAPSHOT_LOST', 'SERVER_LOST', 'RECOVERY_CONFLICT']);

/**
 * How long a combine job whose coordinator combines waits for it before combining itself (the API
 * died meanwhile); it combines at once when the API leaves it the combine.
 */
const COORDINATOR_COMBINE_GRACE_MS = 5_000;

export async function runCombineJob(ctx: WorkerContext, job: Job<CombineJob>): Promise<void> {
  const { queryId, generation, spillToken, snapshot, cut, coordinatorCombines } = CombineJob.parse(job.data);
  // Nothing read before: the API combining it meanwhile has the cores to itself. Whatever it
  // heard, the job goes on as any combine does, and finds a query that ended finished.
  if (coordinatorCombines) {
    const heard = await coordinatorCombine(ctx.events, ctx.redis, { queryId, generation }, COORDINATOR_COMBINE_GRACE_MS);
    if (heard === 'unheard') {
      ctx.logger.warn(
        { queryId, generation },
        `the API coordinating ${queryId} neither combined it nor left it to its combine job within ${COORDINATOR_COMBINE_GRACE_MS} ms (it died, or Redis lost the handoff): the job combines`,
      );
    }
  }
  // Read at once: three round trips in the time of one.
  const [work, failedChildren, childrenValues] = await Promise.all([
    getQueryWork(ctx.storePool, queryId),
    job.getFailedChildrenValues(),
    job.getChildrenValues(),
  ]);
  if (!work) abandon(queryId, generation, 'the query is gone');
  if (work.generation !== generation) abandon(queryId, generation, `generation ${work.generation} replaced it`);
  const plan = work.planInternal as Plan;
  const failures = Object.entries(failedChildren)
    .map(([key, reason]) => ({ index: fragmentIndexOf(key), ...readJobFailure(String(reason)) }))
    .sort((a, b) => a.index - b.index);
  if (failures.length > 0) {
    await job.removeUnprocessedChildren();
    await cancelStatements(ctx.servers.pools, queryId, generation);
    if (failures.some((f) => RESTARTING_CODES.has(f.code))) {
      // The snapshot's holder, or its server, is gone: start the whole query again on a fresh
      // placement, never mixing snapshots.
      await enqueueCoordinator(ctx.queues, { queryId, generation: generation + 1 });
      abandon(queryId, generation, 'its snapshot, or the server holding it, was lost; the query starts over');
    }
    const unsplittable = unsplittableFailure(plan, failures);
    if (unsplittable) {
      await runAsWrittenAfterAll(
        ctx,
        { queryId, generation, snapshot, cut, deadline: work.deadline.getTime(), previewOnly: work.previewOnly },
        plan,
        unsplittable,
      );
      await clearPartialRows(ctx.storePool, queryId).catch(() => undefined);
      abandon(queryId, generation, 'its fragments could not be combined exactly; the query ran as written');
    }
    const first = failures[0] as (typeof failures)[number];
    const error = { code: first.code, message: `fragment ${first.index + 1} of ${plan.fragments.length} failed: ${first.message}` };
    const fragments = plan.fragments.map((f): FragmentProgress => {
      const failed = failures.find((x) => x.index === f.index);
      return { index: f.index, range: f.range, state: failed ? 'failed' : 'waiting', rows: null, ms: null, attempts: 0, worker: null };
    });
    await concludeQuery(ctx, queryId, generation, { status: 'failed', error, fragments }, { stopGeneration: generation });
    // What the fragments that finished kept: the query has failed, nothing will read it.
    await clearPartialRows(ctx.storePool, queryId).catch(() => undefined);
    abandon(queryId, generation, error.message);
  }

  const outputs = new Map<number, FragmentOutput>();
  try {
    for (const [key, value] of Object.entries(childrenValues)) {
      outputs.set(fragmentIndexOf(key), FragmentOutput.parse(ctx.queues.signer.verify('fragment-output', value)));
    }
  } catch (error) {
    if (!(error instanceof ForgedJobError)) throw error;
    const failure = {
      code: error.code,
      message: `partial rows that no worker of this deployment produced reached the combine, which refused them: ${error.message}`,
    };
    await concludeQuery(ctx, queryId, generation, { status: 'failed', error: failure }, { stopGeneration: generation });
    abandon(queryId, generation, failure.message);
  }
  const ordered = plan.fragments.map((f) => outputs.get(f.index) as FragmentOutput);
  const spilled = ordered.some((o) => o.rows === null);
  const kept: KeptPartials | undefined = storesPartialRows(plan)
    ? { kind: 'stored', rows: STORED_PARTIAL_ROWS, queryId, generation, token: spillToken }
    : spilled
      ? { kind: 'spilled', rows: PARTIAL_ROWS, queryId, generation, token: spillToken }
      : undefined;
  if (FINAL_STATUSES.includes(work.status)) {
    // Ended meanwhile: combined by the API coordinating it (runtime/combined.ts), cancelled, or past its deadline.
    if (kept) await clearPartialRows(ctx.storePool, queryId).catch(() => undefined);
    return;
  }
  const combineStarted = Date.now();
  const { RESULT_MAX_ROWS: resultMaxRows, RESULT_MAX_BYTES: resultMaxBytes } = ctx.env;
  // The combine runs beside the move to combining, not after it (a round trip and a commit
  // less): it only reads, and its result is dropped if the generation is no longer current.
  const marked = markCombining(ctx.storePool, queryId, generation).then((current) => {
    // For the dashboard: it lands before the ending's event, on the same connection.
    if (current) void publishQueryEvent(ctx.redis, { type: 'combining', id: queryId }).catch(() => undefined);
    return current;
  });
  const combined = combineOutputs({ ...ctx, resultMaxRows, resultMaxBytes }, plan, ordered, { ...(kept ? { kept } : {}), previewOnly: work.previewOnly });
  const [current, outcome] = await Promise.allSettled([marked, combined]);
  if (current.status === 'rejected') throw current.reason;
  if (!current.value) return;
  if (outcome.status === 'rejected' && outcome.reason instanceof InexactSplitError) {
    await runAsWrittenAfterAll(
      ctx,
      { queryId, generation, snapshot, cut, deadline: work.deadline.getTime(), previewOnly: work.previewOnly },
      plan,
      outcome.reason.message,
    );
    if (kept) await clearPartialRows(ctx.storePool, queryId);
    return;
  }
  const fragments = doneFragments(plan, ordered);
  try {
    if (outcome.status === 'rejected') throw outcome.reason;
    const run = {
      queryId,
      generation,
      startedAt: work.startedAt?.getTime() ?? null,
      combineStarted,
      combineAttempts: Math.max(job.attemptsStarted, job.attemptsMade + 1),
      // The record's cut: where every fragment read (the combine job also names the server a run as written would import from).
      cut: cut ? withoutServer(cut) : null,
      by: 'combine-job' as const,
    };
    await concludeCombined(ctx, run, plan, ordered, outcome.value);
  } catch (error) {
    const failure = errorRecord(error);
    // The database went away mid-combine (a restart): the job's retries run it again, on the
    // same partial rows, which is why they are kept until the outcome is recorded.
    if (failure.code === 'UNAVAILABLE' && job.attemptsMade + 1 < (job.opts.attempts ?? 1)) throw error;
    const executeMs = work.startedAt ? combineStarted - work.startedAt.getTime() : null;
    await concludeQuery(ctx, queryId, generation, { status: 'failed', error: failure, fragments, executeMs, combineMs: Date.now() - combineStarted });
  }
  // Only once an outcome is recorded: a combine retried after clearing them would combine without them.
  if (kept) await clearPartialRows(ctx.storePool, queryId);
}

/**
 * Runs the query as written, in its generation's snapshot, and records that outcome: for a
 * fan-out whose partial rows cannot be combined exactly (see `mustRunAsWritten`).
 */
async function runAsWrittenAfterAll(
  ctx: WorkerContext,
  run: { queryId: string; generation: number; snapshot: string | null; cut: CombineJob['cut']; deadline: number; previewOnly: boolean },
  plan: Plan,
  why: string,
): Promise<void> {
  ctx.logger.info({ queryId: run.queryId, generation: run.generation }, `${run.queryId} (generation ${run.generation}) runs as written after all: ${why}`);
  const { WORKER_ID: runner, RESULT_MAX_ROWS: resultMaxRows, RESULT_MAX_BYTES: resultMaxBytes } = ctx.env;
  await runWholeQuery({ ...ctx, runner, resultMaxRows, resultMaxBytes }, run.queryId, run.generation, plan, run.deadline, {
    snapshot: run.snapshot,
    previewOnly: run.previewOnly,
    ...(run.cut ? { cut: run.cut } : {}),
  });
}

/**
 * Why a fan-out whose fragment failed must run as written, or null: a float aggregate's partial
 * overflowed (whether PostgreSQL raises depends on the order of the rows), or the partial rows
 * are of a type PostgreSQL cannot store in binary.
 */
function unsplittableFailure(plan: Plan, failures: readonly { code: string; sqlState?: string }[]): string | null {
  if (plan.combine?.floatGuards.length && failures.some((f) => f.sqlState === NUMERIC_VALUE_OUT_OF_RANGE)) return 'a fragment overflowed a float aggregate';
  if (failures.some((f) => f.code === 'NO_BINARY_FORMAT')) return 'its partial rows are of a type PostgreSQL has no binary format for';
  return null;
}

function withoutServer({ server: _, ...cut }: NonNullable<CombineJob['cut']>): Cut {
  return cut;
}
