/**
 * The submit service: what every front end (REST today, the PostgreSQL protocol next) does with a
 * query. It checks the request against the limits, plans the query (or reuses a recent decision
 * to run it as written), records it if admitted, then, when the client waits, runs it here as
 * written (always when it is quick, its statement starting beside the admission; while a place is
 * free when not: inline-runs.ts) or coordinates its fan-out here (coordinations.ts); otherwise it
 * queues it for the workers. It waits for its end if asked. It knows no protocol: it takes a
 * request and returns a record, and refuses with ServiceErrors.
 */
import { randomUUID } from 'node:crypto';
import { FINAL_STATUSES, type CoordinateJob, type FragmentProgress, type QueryView } from '@pgfan/contracts';
import {
  cancelStatements,
  carriedRecord,
  enqueueCoordinator,
  getFragmentProgress,
  leaveCombineToJob,
  publishQueryEvent,
  publishQueryEvents,
  stopQueryWork,
  withLiveProgress,
  type Ending,
  type NewQueryEvent,
} from '@pgfan/dispatch';
import {
  addGenerationFlow,
  executeAsWritten,
  holdUntilEnd,
  metrics,
  observeFinished,
  primaryAlone,
  readStatementFactors,
  recordAsWritten,
  recordExplored,
  runWholeQuery,
  snapshotHoldMs,
  startedEvent,
  type AsWrittenRun,
  type GenerationOf,
  type Logger,
  type Readers,
  type WholeQueryContext,
} from '@pgfan/runtime';
import { LOCK_NOT_AVAILABLE, planOnDatabase, planRecord, planStillStands, QueryFailedError, type PlannedQuery } from '@pgfan/engine';
import {
  DEFAULT_PARTITION_POLICY,
  measurementOf,
  QueryRejectedError,
  sameLessons,
  sameMeasurement,
  type CostModel,
  type Plan,
  type StatementFactors,
} from '@pgfan/planner';
import { cancelQuery, finishQuery, getQuery, insertQuery, queryStatus, type Owner } from '@pgfan/store';
import type { Caller } from './auth';
import { collectOutputs, combineHere } from './combine-here';
import type { ApiContext } from './context';
import { ServiceError } from './errors';
import { notAdmitted, rateLimited, withinRate } from './limits';
import { PlanCache, type CachedPlan, type RecentPlan } from './plan-cache';
import { settledWithin } from './settled';

export interface Submission {
  sql: string;
  /** Exactly this many fragments; the cost model chooses when omitted. */
  partitions?: number;
  /** Spread a fan-out over this many replicas at one exact cut; one server when omitted. */
  servers?: number;
  /** The query's deadline from now; DEFAULT_TIMEOUT_MS when omitted. */
  timeoutMs?: number;
  /** Past RESULT_MAX_BYTES, keep only the first rows rather than fail with RESULT_TOO_LARGE. */
  preview?: boolean;
  /** Wait up to this long for the query to finish; 0 or omitted returns once it is queued. */
  waitMs?: number;
  caller: Pick<Caller, 'client' | 'admin'>;
  /** The front end's logger for this request (its `requestId`, or the protocol session): the query's lines add its `queryId`. */
  log: Logger;
  /** Aborts the wait when the client goes away (the query goes on). */
  signal: AbortSignal;
  /**
   * Admit the query only if pgfan runs something other than the user's text (fans it out, or runs
   * an expert's rewrite of it), or runs it as written once to learn its time: a front end that has
   * a session of its own to run the text as written (the PostgreSQL protocol's) gets
   * `{ declined }` instead, and nothing is recorded.
   */
  declineAsWritten?: boolean;
  /** Told the query's id once it is admitted, before it runs (to cancel it while waiting). */
  onAdmitted?: (id: string) => void;
}

export interface Submitted {
  /** The query's record: finished, or as it stands when queued (or the wait ended). */
  record: QueryView;
  finished: boolean;
}

/** A `declineAsWritten` submission the plan runs as the user wrote it. */
export interface Declined {
  declined: 'as-written';
}

/** How records and the dashboard name the API when it ran or coordinated a query itself. */
export const API_RUNNER = 'api';

/**
 * Submits a query on behalf of `submission.caller`.
 * @throws ServiceError for a request past a limit, SQL that is refused or fails to plan, or a queue that cannot be reached.
 */
export async function submit(ctx: ApiContext, submission: Submission & { declineAsWritten: true }): Promise<Submitted | Declined>;
export async function submit(ctx: ApiContext, submission: Submission): Promise<Submitted>;
export async function submit(ctx: ApiContext, submission: Submission): Promise<Submitted | Declined> {
  const { sql, partitions, servers, caller } = submission;
  const timeoutMs = submission.timeoutMs ?? ctx.env.DEFAULT_TIMEOUT_MS;
  checkLimits(ctx, sql, partitions, timeoutMs);
  checkServers(ctx, servers);
  const submittedAt = Date.now();
  const planningStarted = performance.now();
  // Redis round trips all: taken together (the slots and the model read ahead in the background, the backlog at most once a second).
  const [slots, backlog, withinLimit, costModel] = await Promise.all([
    ctx.workerSlots.get(),
    ctx.fragmentBacklog.get(),
    caller.client === null ? true : withinRate(ctx.redis, caller.client, ctx.env.RATE_LIMIT_PER_SECOND),
    ctx.costModel.get(),
  ]);
  if (!withinLimit) throw rateLimited(ctx.env.RATE_LIMIT_PER_SECOND);
  const cacheKey = PlanCache.key(sql, partitions, slots);
  const recent = ctx.plans.get(cacheKey, backlog);
  const stands = recent !== undefined && (await stillStands(ctx, sql, cacheKey, recent));
  let plan: Plan;
  if (stands) {
    plan = recent.plan;
  } else {
    const planned = await planQuery(ctx, sql, partitions, { slots, backlog }, costModel);
    plan = planned.plan;
    // Tried once per statement: noted before it runs, so the next plan knows.
    if (plan.prediction?.explores) void recordExplored(ctx.redis, sql).catch(() => undefined);
    // From when it was made, not last used: a query sent all day is still planned afresh, at the latest every PLAN_CHECKED_REUSE_MS.
    ctx.plans.remember(cacheKey, planned, backlog);
  }
  metrics.plans.inc({ mode: plan.mode, source: stands ? 'reused' : recent ? 'replanned' : 'planned' });
  if (submission.declineAsWritten && runsUsersText(plan)) return { declined: 'as-written' };
  // The coordinator makes the cut: only a fan-out has fragments to spread.
  if (servers !== undefined && servers > 1 && plan.mode === 'fan-out') plan = { ...plan, servers };
  const id = randomUUID();
  const fragments = plan.fragments.map((f): FragmentProgress => ({
    index: f.index,
    range: f.range,
    state: 'waiting',
    rows: null,
    ms: null,
    attempts: 0,
    worker: null,
  }));
  const planMs = performance.now() - planningStarted;
  const waitMs = submission.waitMs ?? 0;
  const quick = runsQuickly(plan, waitMs, ctx.env.INLINE_MAX_MS);
  // A longer one runs here too while a place is free (inline-runs.ts).
  const placedInline = !quick && runsAsWrittenFor(plan, waitMs) && ctx.inlineRuns.tryEnter();
  const inline = quick || placedInline;
  const deadline = submittedAt + timeoutMs;
  const previewOnly = submission.preview === true;
  const { RESULT_MAX_ROWS: resultMaxRows, RESULT_MAX_BYTES: resultMaxBytes } = ctx.env;
  // Only for a query run here. The request's logger: every line of the query's own names it (a
  // child with its id repeated the key).
  const runHere = inline ? { ...ctx, logger: submission.log, runner: API_RUNNER, resultMaxRows, resultMaxBytes } : null;
  // Beside the record's insert: the snapshot the fragments import, or a quick query's statement,
  // let go of if the query is not admitted.
  const placing = coordinatesHere(ctx, plan, waitMs) ? placeOnPrimary(ctx, deadline) : null;
  const early = runHere && quick && !ctx.servers.placing ? runBeforeAdmission(runHere, id, plan, deadline) : null;
  const newQuery = {
    id,
    sql,
    partitionsRequested: partitions ?? null,
    timeoutMs,
    plan: planRecord(plan, null),
    planInternal: plan,
    planMs,
    fragments,
    previewOnly,
  };
  const limits = {
    maxActive: ctx.env.MAX_ACTIVE_QUERIES,
    // Without keys there are no clients to tell apart: only the overall cap applies.
    maxActivePerClient: caller.client === null ? 0 : ctx.env.MAX_ACTIVE_QUERIES_PER_KEY,
  };
  const notRunHere = () => {
    if (placing) letGo(ctx, placing);
    early?.abandon();
    if (placedInline) ctx.inlineRuns.leave();
  };
  const admittedFrom = Date.now();
  const admission = await insertQuery(ctx.storePool, newQuery, { ...(inline || placing ? { runner: API_RUNNER } : {}), client: caller.client, limits }).catch(
    (error: unknown) => {
      notRunHere();
      throw error;
    },
  );
  if (!admission.admitted) {
    notRunHere();
    throw notAdmitted(admission, limits);
  }
  submission.onAdmitted?.(id);
  const log = submission.log.child({ queryId: id });
  const runs = inline ? ' here, in the API' : placing ? ', coordinated here' : ' by the workers';
  log.info(
    { mode: plan.mode, fragments: plan.fragments.length, client: caller.client, planMs: Math.round(planMs), inline, coordinated: placing !== null },
    `query ${id} admitted: ${plan.mode === 'fan-out' ? `fanned out in ${plan.fragments.length} fragments` : 'run as written'}${runs}`,
  );
  const announcement: NewQueryEvent[] = [
    { type: 'queued', id, sql, client: caller.client },
    { type: 'planned', id, plan: newQuery.plan, planMs },
  ];
  if (runHere) {
    const announce: NewQueryEvent[] = [...announcement, { type: 'running', id, generation: 1, coordinator: API_RUNNER }];
    // The caller's answer is the record; the events are for the dashboard.
    const options = { eventsInBackground: true, previewOnly };
    const running = early
      ? recordEarlyRun(runHere, id, plan, early, announce, options)
      : runWholeQuery(runHere, id, 1, plan, deadline, { ...options, announce });
    if (placedInline) ctx.inlineRuns.keep(id, 1, running);
    // A quick one is waited for whatever the wait; a longer one as long as the client waits.
    const ended = placedInline ? await settledWithin(running, waitMs, submission.signal) : { value: await running };
    if (ended?.value) return { record: ended.value, finished: true };
    // Ended with null: cancelled meanwhile, or started over by a worker (a reaper took it for lost),
    // whose end the rest of the wait is for. Not ended: the wait is over.
    const rest = ended ? await waitFor(ctx, id, Math.max(0, submittedAt + waitMs - Date.now()), submission.signal) : null;
    return rest ? { record: rest, finished: true } : { record: (await queryView(ctx, id)) as QueryView, finished: false };
  }
  // Listening before the work is handed on, the end cannot pass unheard: the record is read once, when it is over.
  const heard = waitMs > 0 ? ctx.events.wait(id, Math.min(waitMs, WAIT_SLICE_MS), submission.signal) : null;
  if (placing) {
    const combined = await coordinateAndCombineHere({ ...ctx, logger: submission.log }, { queryId: id, generation: 1, deadline, timeoutMs }, plan, placing, {
      announcement,
      startedAt: admittedFrom,
      previewOnly,
      waitMs,
    });
    if (combined) return { record: combined, finished: true };
  } else await queueCoordinator(ctx, { queryId: id, generation: 1 }, announcement);
  const finished = heard ? await waitFor(ctx, id, Math.max(0, submittedAt + waitMs - Date.now()), submission.signal, heard) : null;
  return finished ? { record: finished, finished: true } : { record: (await queryView(ctx, id)) as QueryView, finished: false };
}

/** A quick query's statement, started before its admission (`runBeforeAdmission`). */
interface EarlyRun {
  run: Promise<AsWrittenRun>;
  /** Not admitted: gives the statement up before it is sent, or cancels it. */
  abandon(): void;
}

/**
 * Starts a quick query's statement beside its record's insert (the admission), not after it: the
 * answer comes a round trip to the store sooner. Nothing of it is published or recorded until the
 * query is admitted (`recordEarlyRun`); refused, it is given up before its statement is sent or
 * cancelled, so a refused query costs a quick statement at most.
 */
function runBeforeAdmission(ctx: WholeQueryContext, id: string, plan: Plan, deadline: number): EarlyRun {
  let abandoned = false;
  const run = executeAsWritten(ctx, id, 1, plan, deadline, { abandoned: () => abandoned });
  // Handled from the start: it may fail while the insert is still under way.
  run.catch(() => undefined);
  return {
    run,
    abandon: () => {
      abandoned = true;
      void cancelStatements(ctx.servers.pools, id, 1).catch(() => undefined);
    },
  };
}

/** Records an admitted query's early run, its events first, as `runWholeQuery` does for a run it starts itself. */
async function recordEarlyRun(
  ctx: WholeQueryContext,
  id: string,
  plan: Plan,
  early: EarlyRun,
  announce: NewQueryEvent[],
  options: { eventsInBackground: boolean; previewOnly: boolean },
): Promise<QueryView | null> {
  void publishQueryEvents(ctx.redis, [...announce, startedEvent(ctx, id)]).catch(() => undefined);
  return recordAsWritten(ctx, id, 1, plan, await early.run, options);
}

/**
 * Hands a generation to the workers' coordinators, with the events announcing it in one write to
 * Redis, in order, and before the job.
 * @throws ServiceError UNAVAILABLE, the query failed, when Redis cannot take the job.
 */
async function queueCoordinator(ctx: ApiContext, job: CoordinateJob, announcement: NewQueryEvent[]): Promise<void> {
  const announced = publishQueryEvents(ctx.redis, announcement).catch(() => undefined);
  try {
    await Promise.all([announced, enqueueCoordinator(ctx.queues, job)]);
  } catch (error) {
    await failUnqueued(ctx, job.queryId, error);
  }
}

/** Never leaves a query queued that nothing will run. */
async function failUnqueued(ctx: ApiContext, queryId: string, error: unknown): Promise<never> {
  await finishQuery(ctx.storePool, queryId, null, {
    status: 'failed',
    error: { code: 'UNAVAILABLE', message: `the queue is unavailable: ${(error as Error).message}` },
  });
  throw new ServiceError('UNAVAILABLE', 'the query queue (Redis) is unavailable; try again shortly');
}

/**
 * A fan-out the API coordinates itself (see coordinations.ts): one whose client waits, on a
 * primary without replicas (where to place one is the workers' coordinators' to choose), while a
 * place is free. Takes the place. (A query the API runs itself runs as written: never one of these.)
 */
function coordinatesHere(ctx: ApiContext, plan: Plan, waitMs: number): boolean {
  return plan.mode === 'fan-out' && waitMs > 0 && !ctx.servers.placing && ctx.coordinations.tryEnter();
}

/** The primary, with the snapshot every fragment imports. */
async function placeOnPrimary(ctx: ApiContext, deadline: number): Promise<Readers> {
  if (!ctx.env.SNAPSHOTS) return primaryAlone(null);
  const { snapshot } = await ctx.servers.placeSnapshot(snapshotHoldMs(deadline, ctx.env.REAPER_GRACE_MS), deadline);
  return primaryAlone(snapshot);
}

/** A query that will not run here after all: its snapshot released, its place given back. */
function letGo(ctx: ApiContext, placing: Promise<Readers>): void {
  void placing.then((readers) => readers.held?.release()).catch(() => undefined);
  ctx.coordinations.leave();
}

/**
 * Runs generation 1 here: the flow added once the snapshot is exported, then the snapshot held in
 * the background until the query ends. Without one (the export failed), a worker's coordinator
 * takes the query over as generation 2. Returns whether generation 1's flow was added.
 */
async function coordinateHere(
  ctx: ApiContext,
  run: GenerationOf & { timeoutMs: number },
  plan: Plan,
  placing: Promise<Readers>,
  announcement: NewQueryEvent[],
): Promise<boolean> {
  const readers = await placing.catch(() => null);
  if (!readers) {
    ctx.coordinations.leave();
    await queueCoordinator(ctx, { queryId: run.queryId, generation: run.generation + 1 }, announcement);
    return false;
  }
  const running: NewQueryEvent = { type: 'running', id: run.queryId, generation: run.generation, coordinator: API_RUNNER };
  // The events first, on the connection the flow is added on: the dashboard hears of the query before its fragments.
  const announced = publishQueryEvents(ctx.redis, [...announcement, running]).catch(() => undefined);
  try {
    await Promise.all([announced, addGenerationFlow(ctx.queues, plan, run, readers, { coordinatorCombines: true })]);
  } catch (error) {
    letGo(ctx, placing);
    await failUnqueued(ctx, run.queryId, error);
  }
  ctx.coordinations.keep(readers.held, holdUntilEnd(ctx, run, readers.held));
  return true;
}

/**
 * Coordinates generation 1 here (`coordinateHere`) and, when every fragment's end carries its rows,
 * combines them here too (combine-here.ts). Returns the finished record, or null when the combine
 * job combines (or the query ended otherwise): the caller then waits for its end.
 */
async function coordinateAndCombineHere(
  ctx: ApiContext,
  run: GenerationOf & { timeoutMs: number },
  plan: Plan,
  placing: Promise<Readers>,
  { announcement, startedAt, previewOnly, waitMs }: { announcement: NewQueryEvent[]; startedAt: number; previewOnly: boolean; waitMs: number },
): Promise<QueryView | null> {
  // Before the flow is added: no fragment's end passes unheard.
  const collecting = collectOutputs(ctx.events, ctx.queues.signer, run, plan, waitMs);
  const added = await coordinateHere(ctx, run, plan, placing, announcement).catch((error: unknown) => {
    collecting.stop();
    throw error;
  });
  if (!added) {
    collecting.stop();
    return null;
  }
  const { RESULT_MAX_ROWS: resultMaxRows, RESULT_MAX_BYTES: resultMaxBytes } = ctx.env;
  const combined = await combineHere(
    { ...ctx, resultMaxRows, resultMaxBytes },
    { queryId: run.queryId, generation: run.generation, startedAt, previewOnly },
    plan,
    collecting,
  );
  // Not combined here: the combine job, which waits for this, is to (its wait ends by itself if Redis is away).
  if (!combined) await leaveCombineToJob(ctx.redis, run, snapshotHoldMs(run.deadline, ctx.env.REAPER_GRACE_MS)).catch(() => undefined);
  return combined;
}

/**
 * Whether a recent plan of `sql` (for these partitions) runs the user's text as written: a front
 * end with a session of its own runs it there without asking the submit service, which would
 * decline it. Plans nothing, and makes no round trip but, for a plan past the cache's life, the
 * statement's lessons: the worker slots and the cost model are kept fresh in the background, and
 * the fragment backlog does not bear on a run as written.
 */
export async function declinedByRecentPlan(ctx: ApiContext, sql: string, partitions: number | undefined): Promise<boolean> {
  const key = PlanCache.key(sql, partitions, await ctx.workerSlots.get());
  const recent = ctx.plans.get(key);
  return !!recent && runsUsersText(recent.plan) && (await stillStands(ctx, sql, key, recent));
}

/**
 * Whether a recent plan may run again. A split one is checked before every reuse, within the
 * cache's life or past it: PostgreSQL reads the query as it did and estimates it about as it did,
 * the probe's types are the same (`planStillStands`), and, when the model chose it, its lessons
 * stand too, read beside that check. Else a choice its first run proved wrong held for the cache's
 * whole life: ClickBench's COUNT(DISTINCT UserID) fanned out in all 8 rounds, each twice its
 * prediction. One that runs as written is not checked within the cache's life (it runs at
 * PostgreSQL's own speed, and checking it would cost every small query a round trip); past it,
 * only while what the statement's runs taught the model stands (`sameLessons`), and then it is
 * unchecked again for another cache's life. Any choice the model made stands only while the
 * database's measurement it was made with does (`sameMeasurement`, no round trip): a new one, such
 * as the confirmation of a measurement taken under load, is made again at once, not after minutes.
 */
async function stillStands(ctx: ApiContext, sql: string, key: string, recent: CachedPlan): Promise<boolean> {
  const { recheck } = recent;
  // The model as the API last read it (kept fresh in the background): no round trip.
  if (recent.measurement !== undefined && !sameMeasurement(recent.measurement, await ctx.costModel.get())) return false;
  if (recheck !== undefined) {
    const checks = await Promise.all([planStillStands(ctx.queryPool, sql, recheck, ctx.typeNames, ctx.policy), lessonsStand(ctx, sql, recent.statement)]);
    return checks.every(Boolean);
  }
  if (!recent.aged) return true;
  const stands = await lessonsStand(ctx, sql, recent.statement);
  if (stands) ctx.plans.confirm(key);
  return stands;
}

/** What the statement's runs have taught the model is where it was when a plan was made (`planned`); without Redis, unknown: no. */
async function lessonsStand(ctx: ApiContext, sql: string, planned: StatementFactors | undefined): Promise<boolean> {
  if (planned === undefined) return true;
  const lessons = await readStatementFactors(ctx.redis, sql).catch(() => null);
  return lessons !== null && sameLessons(planned, lessons);
}

/**
 * A plan that runs the user's text unchanged and nothing more: neither a fan-out, an expert's
 * rewrite, nor a try as written to learn its time (`explores`), which teaches only where pgfan
 * runs it. Run in a front end's own session, a Grafana panel's statement spent its one try
 * there and stayed fanned out.
 */
function runsUsersText(plan: Plan): boolean {
  return plan.mode !== 'fan-out' && !plan.rewrite && !plan.prediction?.explores;
}

/** The limits on what one request may ask for, whatever its protocol. */
function checkLimits(ctx: ApiContext, sql: string, partitions: number | undefined, timeoutMs: number): void {
  if (timeoutMs > ctx.env.MAX_TIMEOUT_MS) throw new ServiceError('BAD_REQUEST', `timeoutMs must be at most ${ctx.env.MAX_TIMEOUT_MS}`);
  // PostgreSQL reads statement text up to a NUL and stores no NUL in text: the query it planned
  // would not be the one sent, and its record could not be written.
  if (sql.includes('\u0000')) throw new ServiceError('SYNTAX_ERROR', 'the query contains a NUL character (U+0000), which PostgreSQL does not accept in SQL');
  if (sql.length > ctx.env.MAX_SQL_LENGTH) {
    throw new ServiceError('QUERY_TOO_LONG', `the query is ${sql.length} characters long; at most ${ctx.env.MAX_SQL_LENGTH} are accepted (MAX_SQL_LENGTH)`);
  }
  if (partitions !== undefined && partitions > ctx.env.MAX_PARTITIONS) {
    throw new ServiceError('BAD_REQUEST', `partitions must be at most ${ctx.env.MAX_PARTITIONS} (MAX_PARTITIONS)`);
  }
}

/** A spread is over replicas, and over no more of them than there are. */
function checkServers(ctx: ApiContext, servers: number | undefined): void {
  if (servers === undefined || servers === 1) return;
  const replicas = ctx.servers.readFrom === 'primary' ? 0 : ctx.servers.replicas.length;
  if (replicas === 0) {
    throw new ServiceError('BAD_REQUEST', 'servers: spreading a query over several servers needs streaming replicas to read from (REPLICA_URLS, READ_FROM)');
  }
  if (servers > replicas) throw new ServiceError('BAD_REQUEST', `servers must be at most ${replicas}, the replicas in REPLICA_URLS`);
}

/**
 * Cancels a query of `owner`'s (anyone's, when undefined): marks it cancelled, stops its jobs and
 * sessions, and tells the dashboard.
 * @returns its record, or 'missing' / 'finished' when there is nothing to cancel.
 */
export async function cancel(
  ctx: ApiContext,
  id: string,
  owner: string | undefined,
): Promise<{ record: QueryView | null; outcome: 'cancelled' | 'missing' | 'finished' }> {
  const outcome = await cancelQuery(ctx.storePool, id, owner);
  if (outcome === 'missing') return { record: null, outcome };
  const record = await getQuery(ctx.storePool, id, owner);
  if (outcome === 'finished') return { record, outcome };
  if (record) observeFinished(record);
  const generation = (await queryStatus(ctx.storePool, id))?.generation ?? 0;
  await stopQueryWork(ctx.queues, ctx.servers.pools, id, generation).catch(() => undefined);
  await publishQueryEvent(ctx.redis, { type: 'cancelled', id }).catch(() => undefined);
  return { record, outcome: 'cancelled' };
}

/** A query's record (null unless `owner`'s, when given) with live fragment progress overlaid while it runs. */
export async function queryView(ctx: ApiContext, id: string, owner?: Owner): Promise<QueryView | null> {
  const record = await getQuery(ctx.storePool, id, owner);
  if (!record || FINAL_STATUSES.includes(record.status)) return record;
  const live = await getFragmentProgress(ctx.redis, id).catch(() => new Map());
  return { ...record, fragments: withLiveProgress(record.fragments, live) };
}

/** How long a wait goes without reading the record: an end whose event was lost (Redis reconnecting) is found by then. */
const WAIT_SLICE_MS = 1000;

/**
 * Waits up to `ms` for a query to finish: its finished record, or null if it has not finished by
 * then (or does not exist). With `heard`, a wait begun before the query could end, the record is
 * first read once that is over. An ending that carried the record spares the read.
 */
async function waitFor(ctx: ApiContext, id: string, ms: number, signal: AbortSignal, heard?: Promise<Ending | null>): Promise<QueryView | null> {
  const deadline = Date.now() + ms;
  let ending = (await heard) ?? null;
  for (;;) {
    const carried = carriedRecord(ctx.queues.signer, ending, id);
    if (carried) return carried;
    const notice = ctx.events.wait(id, Math.min(deadline - Date.now(), WAIT_SLICE_MS), signal);
    const record = await getQuery(ctx.storePool, id);
    if (!record || FINAL_STATUSES.includes(record.status)) return record;
    if (Date.now() >= deadline || signal.aborted) return null;
    ending = await notice;
  }
}

function planningError(error: unknown, timeoutMs: number): ServiceError {
  if (error instanceof QueryFailedError && error.code === 'TIMEOUT') {
    if (error.sqlState === LOCK_NOT_AVAILABLE) {
      return new ServiceError(
        'TIMEOUT',
        'a table the query reads is locked (ALTER TABLE, VACUUM FULL, …), and planning waited longer than LOCK_TIMEOUT_MS for it; try again',
      );
    }
    return new ServiceError(
      'TIMEOUT',
      `planning the query took longer than ${timeoutMs} ms (PLANNING_TIMEOUT_MS): a table it reads may be locked (ALTER TABLE, VACUUM FULL, …) or the database overloaded; try again`,
    );
  }
  if (error instanceof QueryRejectedError || error instanceof QueryFailedError) return new ServiceError(error.code, error.message, error.position);
  throw error;
}

/** The query planned, and, for a plan the model made, what the statement's runs had taught when it did. */
async function planQuery(
  ctx: ApiContext,
  sql: string,
  partitions: number | undefined,
  { slots, backlog }: { slots: number; backlog: number },
  costModel: CostModel,
): Promise<PlannedQuery & Pick<RecentPlan, 'statement' | 'measurement'>> {
  const policy = { ...DEFAULT_PARTITION_POLICY, maxPartitions: ctx.env.MAX_PARTITIONS };
  // What this statement's own runs taught, if it ran before: without Redis, its class's factors serve.
  const statement = await readStatementFactors(ctx.redis, sql).catch(() => ({}));
  const options = { partitions, workers: slots, backlog, costModel: { ...costModel, statement }, policy, storedPartialRows: ctx.env.STORED_PARTIAL_ROWS };
  const planned = await planOnDatabase(ctx.queryPool, sql, options, ctx.typeNames, ctx.policy).catch((error) => {
    throw planningError(error, ctx.env.PLANNING_TIMEOUT_MS);
  });
  return planned.plan.prediction?.automatic ? { ...planned, statement, measurement: measurementOf(costModel) } : planned;
}

/**
 * A query the cost model predicts to be quick and that runs as written, from a client that waits
 * for the answer: the API runs it itself. Through the queue it would pay a hop to a worker and
 * back (about 7 ms here) on top of a few milliseconds of work.
 */
function runsQuickly(plan: Plan, waitMs: number, maxMs: number): boolean {
  return runsAsWrittenFor(plan, waitMs) && plan.prediction !== null && plan.prediction.asWrittenMs <= maxMs;
}

/** A query that runs as written, from a client that waits for the answer. */
function runsAsWrittenFor(plan: Plan, waitMs: number): boolean {
  return plan.mode === 'as-written' && waitMs > 0;
}
