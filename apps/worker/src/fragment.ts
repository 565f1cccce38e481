/**
 * A fragment job: run one fragment inside the query's snapshot and hand its partial rows to
 * the combine — inline when small, spilled to PostgreSQL when large, or, when its plan expects
 * many, stored in PostgreSQL in binary from the start (`storeFragment`).
 *
 * Failures are sorted: a problem with the query itself (division by zero, a cancel, the
 * deadline, a lost snapshot) will not go away on retry and fails the job at once; anything else
 * (a dropped connection, a restarting database) is retried with backoff.
 */
import { FragmentJob, type FragmentOutput, type JobFailure } from '@pgfan/contracts';
import { fragmentApplicationName, jobFailure, outputToCarry, reportFragment, type Signed } from '@pgfan/dispatch';
import { NoBinaryFormatError, QueryFailedError, serverLoss, SnapshotLostError, storeFragment, streamFragment, type StreamedRows } from '@pgfan/engine';
import { metrics, UnknownServerError } from '@pgfan/runtime';
import { clearPartialRows, createPartialTable, writePartialRows } from '@pgfan/store';
import type { Job } from 'bullmq';
import type { PoolClient } from 'pg';
import type { WorkerContext } from './context';

/** Codes of failures that a retry would only repeat. */
const FINAL_CODES = new Set(['SYNTAX_ERROR', 'INVALID_QUERY', 'NOT_READ_ONLY', 'QUERY_FAILED', 'TIMEOUT', 'CANCELLED', 'NO_BINARY_FORMAT']);

export async function runFragmentJob(ctx: WorkerContext, job: Job<FragmentJob>): Promise<Signed<FragmentOutput>> {
  const f = FragmentJob.parse(job.data);
  const started = Date.now();
  // Started, not failed, attempts: a run cut short by its worker's death counts too.
  const attempts = Math.max(job.attemptsStarted, job.attemptsMade + 1);
  const live = { index: f.index, attempts, worker: ctx.env.WORKER_ID, ...(f.server ? { server: f.server } : {}) };
  const progressTtl = Math.max(60_000, f.deadline - started + 60_000);
  if (f.deadline <= started) throw jobFailure({ code: 'TIMEOUT', message: 'the query passed its deadline before this fragment started' }, { final: true });
  // For the dashboard only: not waited for, and it cannot fail the fragment. Commands on one
  // connection keep their order, so the `done` below always lands after it.
  void reportFragment(ctx.redis, f.queryId, { ...live, state: 'running', rows: null, ms: null }, progressTtl, {
    type: 'fragment-started',
    id: f.queryId,
    index: f.index,
    worker: ctx.env.WORKER_ID,
    attempt: attempts,
  }).catch(() => undefined);
  /** Records and logs a failure; returns what the job throws. */
  const failed = async (error: unknown): Promise<Error> => {
    const { failure, final } = classify(error, f.server);
    await reportFragment(ctx.redis, f.queryId, { ...live, state: 'failed', rows: null, ms: Date.now() - started }, progressTtl, {
      type: 'fragment-failed',
      id: f.queryId,
      index: f.index,
      worker: ctx.env.WORKER_ID,
      attempt: attempts,
      error: failure,
    }).catch(() => undefined);
    ctx.logger.warn(
      { queryId: f.queryId, generation: f.generation, fragment: f.index, attempt: attempts, code: failure.code },
      `fragment ${f.index + 1}/${f.of} of ${f.queryId} (generation ${f.generation}, attempt ${attempts}) failed: ${failure.code}: ${failure.message}`,
    );
    metrics.fragments.inc({ outcome: 'failed' });
    return jobFailure(failure, { final });
  };
  // PostgreSQL unreachable (restarting, say): a failure like any other, retried with backoff.
  const client = await Promise.resolve()
    .then(() => ctx.servers.get(f.server).pool.connect())
    .catch(async (error: unknown) => {
      throw await failed(error);
    });
  let spilled = false;
  let reported = started;
  /** Rows read so far, at most twice a second: the dashboard shows long fragments moving. */
  const onProgress = (rows: number) => {
    if (Date.now() - reported < 500) return;
    reported = Date.now();
    const ms = reported - started;
    void reportFragment(ctx.redis, f.queryId, { ...live, state: 'running', rows, ms }, progressTtl, {
      type: 'fragment-progress',
      id: f.queryId,
      index: f.index,
      rows,
      ms,
    }).catch(() => undefined);
    void job.updateProgress({ rows }).catch(() => undefined);
  };
  // Counted so that a query this worker runs as written beside it teaches the model nothing.
  const execution = ctx.executions.begin();
  const session = {
    snapshot: f.snapshot,
    statementTimeoutMs: f.deadline - Date.now(),
    applicationName: fragmentApplicationName(f.queryId, f.generation, f.index),
  };
  const key = { queryId: f.queryId, generation: f.generation, fragment: f.index, token: f.spillToken };
  try {
    const streamed: StreamedRows = f.copySql
      ? await storeRows(
          ctx,
          client,
          { sql: f.sql, copySql: f.copySql },
          { ...session, onProgress, createTable: (store, fields) => createPartialTable(store, key, fields) },
        )
      : await streamFragment(client, f, {
          ...session,
          inlineRows: ctx.env.INLINE_PARTIAL_ROWS,
          onProgress,
          spill: async (rows) => {
            if (!spilled) await clearPartialRows(ctx.storePool, f.queryId, f.index);
            spilled = true;
            await writePartialRows(ctx.storePool, key, rows);
          },
        });
    execution.end();
    // The rows are whole; the session goes back once its transaction has ended, or is dropped if that failed.
    streamed.ended.then(
      () => client.release(),
      () => client.release(true),
    );
    const ms = Date.now() - started;
    metrics.fragments.inc({ outcome: 'done' });
    metrics.fragmentDuration.observe(ms / 1000);
    metrics.partialRows.inc(streamed.rowCount);
    if (spilled || f.copySql) metrics.spilledFragments.inc();
    const output: FragmentOutput = {
      fields: streamed.fields,
      rows: streamed.rows,
      rowCount: streamed.rowCount,
      ms,
      startedAt: started,
      worker: ctx.env.WORKER_ID,
      ...(f.server ? { server: f.server } : {}),
      attempts,
    };
    // Not waited for, as the start's: it goes out on the connection BullMQ completes the job on,
    // ahead of that, so the dashboard still hears of it before the combine can start. Small rows
    // ride along, signed, when the API coordinating the query combines them (dispatch/carried.ts).
    const carried = f.coordinatorCombines
      ? outputToCarry(ctx.queues.signer, { queryId: f.queryId, generation: f.generation, index: f.index }, output)
      : undefined;
    void reportFragment(
      ctx.redis,
      f.queryId,
      { ...live, state: 'done', rows: streamed.rowCount, ms },
      progressTtl,
      { type: 'fragment-done', id: f.queryId, index: f.index, rows: streamed.rowCount, ms, worker: ctx.env.WORKER_ID, attempt: attempts },
      carried,
    ).catch(() => undefined);
    // The combine takes only partial rows a worker of this deployment produced.
    return ctx.queues.signer.sign('fragment-output', output);
  } catch (error) {
    execution.end();
    // The session may be broken (killed backend, lost connection): never hand it to another job.
    client.release(true);
    throw await failed(error);
  }
}

/** Stores the fragment's rows in binary, on a session of the store held for it alone. */
async function storeRows(
  ctx: WorkerContext,
  source: PoolClient,
  fragment: Parameters<typeof storeFragment>[2],
  options: Parameters<typeof storeFragment>[3],
): Promise<StreamedRows> {
  const store = await ctx.storePool.connect();
  try {
    const { fields, rowCount } = await storeFragment(source, store, fragment, options);
    store.release();
    // Both sessions' transactions are over when it returns.
    return { fields, rows: null, rowCount, ended: Promise.resolve() };
  } catch (error) {
    // Rolled back, but it may have failed mid-COPY: never hand it on.
    store.release(true);
    throw error;
  }
}

/**
 * What a fragment's error means for its job: the failure it records, and whether a retry could
 * help. On a server placed among several (`server`), losing it, or a recovery conflict that
 * cancelled the fragment on a replica, fails at once: the query starts over on a fresh placement
 * rather than wait for a server that may not come back (see the combine).
 */
function classify(error: unknown, server: string | undefined): { failure: JobFailure; final: boolean } {
  if (error instanceof UnknownServerError) return { failure: { code: 'UNAVAILABLE', message: error.message }, final: true };
  if (error instanceof NoBinaryFormatError) return { failure: { code: error.code, message: error.message }, final: true };
  if (error instanceof SnapshotLostError) return { failure: { code: 'SNAPSHOT_LOST', message: error.message }, final: true };
  const lost = server ? serverLoss(error) : null;
  if (lost) {
    const sqlState = error instanceof QueryFailedError && error.sqlState ? { sqlState: error.sqlState } : {};
    return {
      failure: { code: lost, message: `lost the database server ${server}: ${error instanceof Error ? error.message : String(error)}`, ...sqlState },
      final: true,
    };
  }
  if (error instanceof QueryFailedError) {
    const failure = { code: error.code, message: error.message, ...(error.sqlState ? { sqlState: error.sqlState } : {}) };
    return { failure, final: FINAL_CODES.has(error.code) };
  }
  // Not an error PostgreSQL raised: the connection to it failed (refused, reset, timed out).
  return { failure: { code: 'UNAVAILABLE', message: `could not reach PostgreSQL (${error instanceof Error ? error.message : String(error)})` }, final: false };
}
