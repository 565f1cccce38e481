/**
 * Ending a query, and running one as written — shared by the workers and by the API, which runs
 * small queries itself rather than through the queue.
 */
import { observeFinished } from './metrics';
import { errorRecord, formatLsn, readPosition, runAsWritten, serverLoss, toStoredResult, type RawResult, type TypeNames } from '@pgfan/engine';
import { asWrittenSql, type Plan } from '@pgfan/planner';
import type { Cut, ErrorRecord, FragmentProgress, QueryView } from '@pgfan/contracts';
import { finishQuery, type Outcome } from '@pgfan/store';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { NoServerError, type Placement, type QueryServers } from './servers';
import { endProgress, fragmentApplicationName, publishQueryEvents, recordToCarry, stopQueryWork, type NewQueryEvent, type Queues } from '@pgfan/dispatch';
import { recordObservation } from './cost-model';
import type { Executions } from './executions';
import type { Logger } from './logger';

/** What ending a query touches. */
export interface ConcludeContext {
  storePool: Pool;
  /** Where users' queries run: a failed query's statements are cancelled on every one. */
  servers: QueryServers;
  redis: Redis;
  queues: Queues;
  /** Says how each query ended (with its `queryId`). */
  logger: Logger;
}

export interface ConcludeOptions {
  /** A failed outcome stops this generation's remaining work (queued jobs, running statements). */
  stopGeneration?: number;
  /** Events to publish just before the ending's, in the same write (and not at all if it is not recorded). */
  precededBy?: NewQueryEvent[];
  /**
   * Return once the outcome is recorded, its events still on their way to Redis (see
   * `WholeQueryOptions`); the ending then carries no record, the caller answering with it itself.
   */
  eventsInBackground?: boolean;
}

/**
 * Records the outcome of `generation` (null: whichever is current) and returns the finished
 * record. Returns null, and changes nothing, when the query already finished or moved on to a
 * newer generation.
 */
export async function concludeQuery(
  ctx: ConcludeContext,
  queryId: string,
  generation: number | null,
  outcome: Outcome,
  options: ConcludeOptions = {},
): Promise<QueryView | null> {
  const recorded = await finishQuery(ctx.storePool, queryId, generation, outcome);
  if (!recorded) return null;
  observeFinished(recorded);
  const { status, timings } = recorded;
  ctx.logger.info(
    { queryId, generation: recorded.generation, status, ms: timings.totalMs, rows: recorded.result?.rowCount, error: recorded.error?.code },
    `query ${queryId} ${status}${recorded.error ? ` (${recorded.error.code})` : ''} in ${Math.round(timings.totalMs ?? 0)} ms`,
  );
  if (outcome.status !== 'completed' && options.stopGeneration !== undefined) {
    await stopQueryWork(ctx.queues, ctx.servers.pools, queryId, options.stopGeneration);
  }
  const totalMs = recorded.timings.totalMs ?? 0;
  const ending: NewQueryEvent =
    outcome.status === 'completed'
      ? { type: 'completed', id: queryId, rowCount: outcome.result?.rowCount ?? 0, totalMs }
      : { type: 'failed', id: queryId, error: outcome.error ?? { code: 'QUERY_FAILED', message: 'the query failed' }, totalMs };
  // A caller answering with the record itself has no waiter to carry it to.
  const carried = options.eventsInBackground ? undefined : recordToCarry(ctx.queues.signer, recorded);
  const publish = () => endProgress(ctx.redis, queryId, [...(options.precededBy ?? []), ending], carried);
  // After the caller's answer is on its way: writing the events alone took 0.5 ms here.
  if (options.eventsInBackground) setImmediate(() => void publish().catch(() => undefined));
  else await publish();
  return recorded;
}

export interface WholeQueryContext extends ConcludeContext {
  typeNames: TypeNames;
  /** Who runs it, as the record and the dashboard name it. */
  runner: string;
  resultMaxRows: number;
  resultMaxBytes: number;
  /** This process's statements: a query that overlapped another teaches the cost model nothing. */
  executions: Executions;
}

export interface WholeQueryOptions {
  /** Events to publish first, in the same write as the query's start (the API's queued, planned and running for a query it runs itself). */
  announce?: NewQueryEvent[];
  /**
   * Return once the outcome is recorded, its events still on their way. For a caller that answers
   * its client with the returned record itself: nobody then waits for the completion notice, and
   * events on one connection still arrive in order.
   */
  eventsInBackground?: boolean;
  /**
   * Import this snapshot first: a fan-out that runs as written after all (see `mustRunAsWritten`)
   * reads the database as its fragments did.
   */
  snapshot?: string | null;
  /** Where that snapshot is, when the primary has replicas (the fan-out's placement). */
  cut?: Pick<Cut, 'lsn'> & { server: string };
  /** Past RESULT_MAX_BYTES, keep the first rows rather than fail (the request's `preview`). */
  previewOnly?: boolean;
}

/** The record's `cut` for a query that read one server's snapshot; none when only the primary serves queries. */
export function oneSnapshotCut(server: string, lsn: bigint | string | null): Cut | null {
  if (lsn === null) return null;
  return { lsn: typeof lsn === 'string' ? lsn : formatLsn(lsn), servers: [server], guarantee: 'one-snapshot' };
}

/**
 * Runs the user's query as written (an as-written plan, or a fan-out that cannot combine exactly),
 * in one read-only transaction, and records how it ended. Returns the finished record (null if it
 * was cancelled or timed out meanwhile).
 */
export async function runWholeQuery(
  ctx: WholeQueryContext,
  queryId: string,
  generation: number,
  plan: Plan,
  deadline: number,
  options: WholeQueryOptions = {},
): Promise<QueryView | null> {
  // Not waited for: events on one connection arrive in order, before the ending's.
  void publishQueryEvents(ctx.redis, [...(options.announce ?? []), startedEvent(ctx, queryId)]).catch(() => undefined);
  const run = await executeAsWritten(ctx, queryId, generation, plan, deadline, options);
  return recordAsWritten(ctx, queryId, generation, plan, run, options);
}

/** How one run of the user's text as written ended, before it is recorded. */
export type AsWrittenRun =
  | { ended: 'ran'; raw: RawResult & { rowCount: number }; ms: number; alone: boolean; progress: RunProgress; cut: Cut | null }
  | { ended: 'failed'; error: ErrorRecord; progress: RunProgress | null; ms: number }
  /** Given up before its statement was sent (`abandoned`): nothing to record. */
  | { ended: 'abandoned' };

type RunProgress = Omit<FragmentProgress, 'state' | 'rows' | 'ms'>;

/**
 * Runs the user's text as written, in one read-only transaction, placed as `options` say, and says
 * how it ended; records nothing and publishes nothing, so that it may start before the query is
 * admitted (see `recordAsWritten`). Checked once its session is taken, `abandoned` gives it up
 * before its statement is sent.
 */
export async function executeAsWritten(
  ctx: WholeQueryContext,
  queryId: string,
  generation: number,
  plan: Plan,
  deadline: number,
  options: WholeQueryOptions & { abandoned?: () => boolean } = {},
): Promise<AsWrittenRun> {
  const { snapshot = null } = options;
  for (let placements = 1; ; placements++) {
    let placement: Placement;
    try {
      placement = options.cut
        ? { server: ctx.servers.get(options.cut.server), atLeast: null }
        : snapshot !== null
          ? { server: ctx.servers.primary, atLeast: null }
          : await ctx.servers.place(deadline);
    } catch (error) {
      if (!(error instanceof NoServerError)) throw error;
      return { ended: 'failed', error: { code: error.code, message: error.message }, progress: null, ms: 0 };
    }
    const { server, atLeast } = placement;
    // Placed among several servers: one lost meanwhile is replaced by another (a fresh snapshot).
    const replaceable = atLeast !== null && placements < MAX_PLACEMENTS;
    const progress: RunProgress = { index: 0, range: null, attempts: placements, worker: ctx.runner, ...(ctx.servers.placing ? { server: server.name } : {}) };
    const client = await server.pool.connect().catch((error: unknown) => {
      if (replaceable) return null;
      throw error;
    });
    if (client === null) continue;
    if (options.abandoned?.()) {
      client.release();
      return { ended: 'abandoned' };
    }
    // From here: waiting for a pooled connection is not running the query, and counted as such it
    // taught the cost model that queries run slower whenever many arrive at once.
    const started = Date.now();
    const execution = ctx.executions.begin();
    try {
      const session = {
        snapshot,
        statementTimeoutMs: deadline - started,
        applicationName: fragmentApplicationName(queryId, generation, 0),
        serialPlan: plan.prediction?.serialPlan === true,
      };
      // A replica proves it has the submitter's writes first; then its snapshot sees them.
      const position = atLeast === null ? null : await readPosition(client, atLeast);
      // Every row, up to RESULT_MAX_BYTES of them: what is past it is counted, and fails the query or makes it a preview.
      const raw = await runAsWritten(client, session, asWrittenSql(plan), Infinity, ctx.resultMaxBytes);
      const { alone } = execution.end();
      client.release();
      const cut = options.cut ? oneSnapshotCut(options.cut.server, options.cut.lsn) : oneSnapshotCut(server.name, position);
      return { ended: 'ran', raw, ms: Date.now() - started, alone, progress, cut };
    } catch (error) {
      execution.end();
      // The session may be broken: never hand it to another query.
      client.release(true);
      if (replaceable && serverLoss(error) !== null && Date.now() < deadline) continue;
      return { ended: 'failed', error: errorRecord(error), progress, ms: Date.now() - started };
    }
  }
}

/**
 * Records how a run as written ended (`executeAsWritten`), its result converted as the record
 * keeps it, and teaches the cost model its time. Returns the finished record, or null if the
 * query was cancelled, timed out or moved on meanwhile (or the run was abandoned).
 */
export async function recordAsWritten(
  ctx: WholeQueryContext,
  queryId: string,
  generation: number,
  plan: Plan,
  run: AsWrittenRun,
  options: Pick<WholeQueryOptions, 'eventsInBackground' | 'previewOnly'> = {},
): Promise<QueryView | null> {
  const { eventsInBackground = false } = options;
  if (run.ended === 'abandoned') return null;
  if (run.ended === 'failed') {
    const fragments = run.progress ? [{ ...run.progress, state: 'failed' as const, rows: null, ms: run.ms }] : undefined;
    return concludeQuery(ctx, queryId, generation, { status: 'failed', error: run.error, ...(fragments ? { fragments } : {}) }, { eventsInBackground });
  }
  const { raw, ms, progress } = run;
  let recorded: QueryView | null;
  try {
    const { resultSet: result, pages } = await toStoredResult(ctx.servers.primary.pool, raw, ctx.typeNames, {
      maxRows: ctx.resultMaxRows,
      maxBytes: ctx.resultMaxBytes,
      previewOnly: options.previewOnly === true,
    });
    const done: NewQueryEvent = { type: 'fragment-done', id: queryId, index: 0, rows: raw.rowCount, ms, worker: ctx.runner, attempt: progress.attempts };
    const outcome: Outcome = {
      status: 'completed',
      result,
      pages,
      fragments: [{ ...progress, state: 'done', rows: raw.rowCount, ms }],
      executeMs: ms,
      combineMs: 0,
      cut: run.cut,
    };
    recorded = await concludeQuery(ctx, queryId, generation, outcome, { precededBy: [done], eventsInBackground });
  } catch (error) {
    // Past RESULT_MAX_BYTES without a preview, say: the query fails with it.
    return recordAsWritten(ctx, queryId, generation, plan, { ended: 'failed', error: errorRecord(error), progress, ms }, options);
  }
  // After the answer is on its way: the API answering a query it ran itself need not wait for
  // the model's bookkeeping. Only from a query that ran alone in this process: contention is
  // not the query's cost.
  const prediction = plan.prediction;
  if (plan.mode === 'as-written' && prediction?.automatic && run.alone) {
    const observation = {
      queryClass: prediction.queryClass,
      side: 'as-written',
      predictedMs: prediction.asWrittenMs,
      actualMs: ms,
      fixedMs: prediction.asWrittenFixedMs ?? 0,
      ...(prediction.factors ? { factorUsed: prediction.factors.costScale } : {}),
    } as const;
    setImmediate(() => void recordObservation(ctx.redis, plan.sql, observation).catch(() => undefined));
  }
  return recorded;
}

/** The dashboard's start of a run as written: its one fragment, the whole query. */
export function startedEvent(ctx: Pick<WholeQueryContext, 'runner'>, queryId: string): NewQueryEvent {
  return { type: 'fragment-started', id: queryId, index: 0, worker: ctx.runner, attempt: 1 };
}

/** Servers a query run as written is placed on before a lost server fails it. */
const MAX_PLACEMENTS = 3;
