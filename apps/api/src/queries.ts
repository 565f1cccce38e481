/** The /api/queries handlers: submit, read, list, cancel. */
import { randomUUID } from 'node:crypto';
import { FINAL_STATUSES, QueryStatus, SubmitQuery, type FragmentProgress, type QueryView } from '@pgfan/contracts';
import {
  enqueueCoordinator,
  getFragmentProgress,
  publishQueryEvent,
  publishQueryEvents,
  runWholeQuery,
  stopQueryWork,
  withLiveProgress,
} from '@pgfan/dispatch';
import { LOCK_NOT_AVAILABLE, planOnDatabase, planRecord, QueryFailedError } from '@pgfan/engine';
import { DEFAULT_PARTITION_POLICY, QueryRejectedError, type CostModel, type Plan } from '@pgfan/planner';
import { cancelQuery, decodeCursor, finishQuery, getQuery, getQueryWork, insertQuery, listQueries, type Owner } from '@pgfan/store';
import { ownerScope } from './auth';
import type { ApiContext } from './context';
import { HttpError, type ApiRequest, type ApiResponse } from './http';
import { notAdmitted, rateLimited, withinRate } from './limits';
import { PlanCache } from './plan-cache';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function integerParam(query: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new HttpError('BAD_REQUEST', `?${name} must be a whole number from ${min} to ${max}`);
  }
  return Number(value);
}

/** A query's record (null unless `owner`'s, when given) with live fragment progress overlaid while it runs. */
async function view(ctx: ApiContext, id: string, owner?: Owner): Promise<QueryView | null> {
  const record = await getQuery(ctx.storePool, id, owner);
  if (!record || FINAL_STATUSES.includes(record.status)) return record;
  const live = await getFragmentProgress(ctx.redis, id).catch(() => new Map());
  return { ...record, fragments: withLiveProgress(record.fragments, live) };
}

/** Waits up to `ms` for a query to finish: its finished record, or null if it has not finished by then (or does not exist). */
async function waitFor(ctx: ApiContext, id: string, ms: number, signal: AbortSignal): Promise<QueryView | null> {
  const deadline = Date.now() + ms;
  for (;;) {
    const notice = ctx.events.wait(id, Math.min(deadline - Date.now(), 1000), signal);
    const record = await getQuery(ctx.storePool, id);
    if (!record || FINAL_STATUSES.includes(record.status)) return record;
    if (Date.now() >= deadline || signal.aborted) return null;
    await notice;
  }
}

function planningError(error: unknown, timeoutMs: number): HttpError {
  if (error instanceof QueryFailedError && error.code === 'TIMEOUT') {
    if (error.sqlState === LOCK_NOT_AVAILABLE) {
      return new HttpError(
        'TIMEOUT',
        'a table the query reads is locked (ALTER TABLE, VACUUM FULL, …), and planning waited longer than LOCK_TIMEOUT_MS for it; try again',
      );
    }
    return new HttpError(
      'TIMEOUT',
      `planning the query took longer than ${timeoutMs} ms (PLANNING_TIMEOUT_MS): a table it reads may be locked (ALTER TABLE, VACUUM FULL, …) or the database overloaded; try again`,
    );
  }
  if (error instanceof QueryRejectedError || error instanceof QueryFailedError) return new HttpError(error.code, error.message, error.position);
  throw error;
}

async function planQuery(
  ctx: ApiContext,
  sql: string,
  partitions: number | undefined,
  { slots, backlog }: { slots: number; backlog: number },
  costModel: CostModel,
): Promise<Plan> {
  const policy = { ...DEFAULT_PARTITION_POLICY, maxPartitions: ctx.env.MAX_PARTITIONS };
  const options = { partitions, workers: slots, backlog, costModel, policy };
  const planned = await planOnDatabase(ctx.queryPool, sql, options, ctx.typeNames, ctx.policy).catch((error) => {
    throw planningError(error, ctx.env.PLANNING_TIMEOUT_MS);
  });
  return planned.plan;
}

/**
 * A query the cost model predicts to be quick and that runs as written, from a client that waits
 * for the answer: the API runs it itself. Through the queue it would pay a hop to a worker and
 * back (about 7 ms here) on top of a few milliseconds of work.
 */
function runsInline(plan: Plan, wait: number | undefined, maxMs: number): boolean {
  return plan.mode === 'sequential' && wait !== undefined && wait > 0 && plan.prediction !== null && plan.prediction.sequentialMs <= maxMs;
}

/** How records and the dashboard name the API when it ran a query itself. */
const INLINE_RUNNER = 'api';

export function submitQuery(ctx: ApiContext) {
  return async (req: ApiRequest): Promise<ApiResponse> => {
    const parsed = SubmitQuery.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new HttpError('BAD_REQUEST', `invalid request body: ${issue?.path.length ? `${issue.path.join('.')}: ` : ''}${issue?.message ?? 'invalid'}`);
    }
    const wait = integerParam(req.query, 'wait', 0, ctx.env.MAX_WAIT_MS);
    const { sql, partitions } = parsed.data;
    const timeoutMs = parsed.data.timeoutMs ?? ctx.env.DEFAULT_TIMEOUT_MS;
    if (timeoutMs > ctx.env.MAX_TIMEOUT_MS) throw new HttpError('BAD_REQUEST', `timeoutMs must be at most ${ctx.env.MAX_TIMEOUT_MS}`);
    if (sql.length > ctx.env.MAX_SQL_LENGTH) {
      throw new HttpError('QUERY_TOO_LONG', `the query is ${sql.length} characters long; at most ${ctx.env.MAX_SQL_LENGTH} are accepted (MAX_SQL_LENGTH)`);
    }
    if (partitions !== undefined && partitions > ctx.env.MAX_PARTITIONS) {
      throw new HttpError('BAD_REQUEST', `partitions must be at most ${ctx.env.MAX_PARTITIONS} (MAX_PARTITIONS)`);
    }

    const submittedAt = Date.now();
    const planningStarted = performance.now();
    // Redis round trips all: taken together (the slots and the model only when last read a while ago).
    const [capacity, withinLimit, costModel] = await Promise.all([
      ctx.fragmentCapacity.get(),
      req.client === null ? true : withinRate(ctx.redis, req.client, ctx.env.RATE_LIMIT_PER_SECOND),
      ctx.costModel.get(),
    ]);
    if (!withinLimit) throw rateLimited(ctx.env.RATE_LIMIT_PER_SECOND);
    const cacheKey = PlanCache.key(sql, partitions, capacity.slots);
    let plan = ctx.plans.get(cacheKey);
    if (!plan) {
      plan = await planQuery(ctx, sql, partitions, capacity, costModel);
      // From when it was made, not last used: a query sent all day is still planned afresh every PLAN_CACHE_MS.
      ctx.plans.remember(cacheKey, plan, capacity.backlog);
    }
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
    const inline = runsInline(plan, wait, ctx.env.INLINE_MAX_MS);
    const newQuery = { id, sql, partitionsRequested: partitions ?? null, timeoutMs, plan: planRecord(plan, null), planInternal: plan, planMs, fragments };
    const limits = {
      maxActive: ctx.env.MAX_ACTIVE_QUERIES,
      // Without keys there are no clients to tell apart: only the overall cap applies.
      maxActivePerClient: req.client === null ? 0 : ctx.env.MAX_ACTIVE_QUERIES_PER_KEY,
    };
    const admission = await insertQuery(ctx.storePool, newQuery, { ...(inline ? { runner: INLINE_RUNNER } : {}), client: req.client, limits });
    if (!admission.admitted) throw notAdmitted(admission, limits);
    const announcement = [
      { type: 'queued', id, sql, client: req.client },
      { type: 'planned', id, plan: newQuery.plan, planMs },
    ] as const;
    const location = { Location: `/api/queries/${id}` };
    if (inline) {
      const { RESULT_MAX_ROWS: resultMaxRows, RESULT_MAX_BYTES: resultMaxBytes } = ctx.env;
      const recorded = await runWholeQuery({ ...ctx, runner: INLINE_RUNNER, resultMaxRows, resultMaxBytes }, id, 1, plan, submittedAt + timeoutMs, {
        announce: [...announcement, { type: 'running', id, generation: 1, coordinator: INLINE_RUNNER }],
        // This response is the answer; the events are for the dashboard.
        eventsInBackground: true,
      });
      // Null when it was cancelled meanwhile: the record then holds how it ended.
      return { status: 200, body: recorded ?? (await view(ctx, id)), headers: location };
    }
    // One write to Redis, in order, and before the job.
    const announced = publishQueryEvents(ctx.redis, [...announcement]).catch(() => undefined);
    try {
      await Promise.all([announced, enqueueCoordinator(ctx.queues, { queryId: id, generation: 1 })]);
    } catch (error) {
      // Never leave a query queued that nothing will run.
      await finishQuery(ctx.storePool, id, null, {
        status: 'failed',
        error: { code: 'UNAVAILABLE', message: `the queue is unavailable: ${(error as Error).message}` },
      });
      throw new HttpError('UNAVAILABLE', 'the query queue (Redis) is unavailable; try again shortly');
    }
    const finished = wait !== undefined && wait > 0 ? await waitFor(ctx, id, wait, req.signal) : null;
    return finished ? { status: 200, body: finished, headers: location } : { status: 202, body: await view(ctx, id), headers: location };
  };
}

export function getQueryHandler(ctx: ApiContext) {
  return async (req: ApiRequest): Promise<ApiResponse> => {
    const id = req.params.id ?? '';
    // Another key's query is not there, as far as this key can tell.
    const record = UUID.test(id) ? await view(ctx, id, ownerScope(req)) : null;
    if (!record) throw new HttpError('NOT_FOUND', `no query with id ${id}`);
    return { status: 200, body: record };
  };
}

export function listQueriesHandler(ctx: ApiContext) {
  return async (req: ApiRequest): Promise<ApiResponse> => {
    const limit = integerParam(req.query, 'limit', 1, 100) ?? 20;
    const status = req.query.status;
    if (status !== undefined && !QueryStatus.safeParse(status).success) {
      throw new HttpError('BAD_REQUEST', `?status must be one of ${QueryStatus.options.join(', ')}`);
    }
    const cursor = req.query.cursor;
    if (cursor !== undefined) {
      if (typeof cursor !== 'string') throw new HttpError('BAD_REQUEST', '?cursor must be a single value');
      try {
        decodeCursor(cursor);
      } catch (error) {
        throw new HttpError('BAD_REQUEST', (error as Error).message);
      }
    }
    const page = await listQueries(ctx.storePool, {
      limit,
      owner: ownerScope(req),
      ...(status ? { status: status as QueryStatus } : {}),
      ...(cursor ? { cursor: cursor as string } : {}),
    });
    return { status: 200, body: page };
  };
}

export function cancelQueryHandler(ctx: ApiContext) {
  return async (req: ApiRequest): Promise<ApiResponse> => {
    const id = req.params.id ?? '';
    const owner = ownerScope(req);
    const outcome = UUID.test(id) ? await cancelQuery(ctx.storePool, id, owner) : 'missing';
    if (outcome === 'missing') throw new HttpError('NOT_FOUND', `no query with id ${id}`);
    const record = await getQuery(ctx.storePool, id, owner);
    if (outcome === 'finished') throw new HttpError('QUERY_FINISHED', `the query already ${record?.status ?? 'finished'}; there is nothing to cancel`);
    const generation = (await getQueryWork(ctx.storePool, id))?.generation ?? 0;
    await stopQueryWork(ctx.queues, ctx.queryPool, id, generation).catch(() => undefined);
    await publishQueryEvent(ctx.redis, { type: 'cancelled', id }).catch(() => undefined);
    return { status: 200, body: record };
  };
}
