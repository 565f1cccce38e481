#!/usr/bin/env node
/**
 * A pgfan worker process: coordinates queries (holding their snapshots), runs fragments and
 * combines. SIGTERM stops taking jobs and lets running ones finish (up to SHUTDOWN_TIMEOUT_MS);
 * jobs still running then are left to lapse and be retried by other workers.
 */
import { QUEUE_PREFIX, QUEUES } from '@pgfan/contracts';
import { ForgedJobError, jobFailure, JobSigner, openQueues, type SignedKind } from '@pgfan/dispatch';
import {
  checkQueryRole,
  collectProcessMetrics,
  ConfigError,
  connectServices,
  createLogger,
  credentialsOf,
  Executions,
  QueryServers,
  queryServerSpecs,
  RedisCutGuard,
  registry,
  UnreachableError,
  type Logger,
} from '@pgfan/runtime';
import { TypeNames } from '@pgfan/engine';
import { createServer, type Server } from 'node:http';
import { Worker, type Job } from 'bullmq';
import { runCombineJob } from './combine';
import type { WorkerContext } from './context';
import { coordinate } from './coordinate';
import { loadWorkerEnv, queryPoolOptions, type WorkerEnv } from './env';
import { runFragmentJob } from './fragment';
import { startHeartbeat } from './heartbeat';
import { startReaper } from './reaper';

function fail(message: string): never {
  process.stderr.write(`pgfan-worker: ${message}\n`);
  process.exit(1);
}

async function connect(env: WorkerEnv, logger: Logger): Promise<WorkerContext> {
  const { storePool, redis, events } = await connectServices({
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    name: `pgfan-worker ${env.WORKER_ID}`,
    redisRole: 'worker',
    // Two for records and spills, and one for each fragment that may be storing its rows at once.
    storePoolSize: 2 + env.WORKER_CONCURRENCY,
    logger,
  }).catch((error: unknown) => fail(error instanceof UnreachableError ? error.message : String(error)));
  const queryUrl = env.QUERY_DATABASE_URL ?? env.DATABASE_URL;
  const servers = new QueryServers(queryServerSpecs(queryUrl, env.REPLICA_URLS, env.READ_FROM), env.READ_FROM, {
    pool: queryPoolOptions(env),
    // pgfan's own role pauses replay for a cut: the query role may not.
    control: credentialsOf(env.DATABASE_URL),
    // A lock outlives any cut: it is waited for, and tried, within CUT_TIMEOUT_MS.
    guard: new RedisCutGuard(redis, `pgfan-worker ${env.WORKER_ID}`, 2 * env.CUT_TIMEOUT_MS + 5_000),
  });
  const queryPool = servers.primary.pool;
  await checkQueryRole(queryPool, { url: queryUrl, allowPrivileged: env.ALLOW_PRIVILEGED_QUERY_ROLE, logger }).catch((error: unknown) =>
    fail(error instanceof Error ? error.message : String(error)),
  );
  return {
    env,
    storePool,
    queryPool,
    servers,
    redis,
    queues: openQueues(redis, new JobSigner(env.JOB_SIGNING_KEY)),
    events,
    typeNames: new TypeNames(),
    stats: { active: 0, processed: 0, failed: 0 },
    executions: new Executions(),
    logger,
  };
}

async function main(): Promise<void> {
  let env: WorkerEnv;
  try {
    env = loadWorkerEnv(process.env);
  } catch (error) {
    fail(error instanceof ConfigError ? error.message : String(error));
  }
  process.title = `pgfan-worker ${env.WORKER_ID}`;
  const logger = createLogger({ name: 'pgfan-worker', level: env.LOG_LEVEL, format: env.LOG_FORMAT, base: { worker: env.WORKER_ID } });
  const log = (message: string) => logger.info(message);
  const ctx = await connect(env, logger);

  /** Runs a job only if pgfan made it: a job added through Bull Board or written into Redis fails, and nothing of it runs. */
  const counted =
    <T, R>(kind: SignedKind, process: (ctx: WorkerContext, job: Job<T>) => Promise<R>) =>
    async (job: Job<T>) => {
      ctx.stats.active++;
      try {
        try {
          ctx.queues.signer.verify(kind, job.data);
        } catch (error) {
          if (!(error instanceof ForgedJobError)) throw error;
          logger.warn({ job: job.id, queue: job.queueName }, `refused job ${job.id ?? '?'} of ${job.queueName}: ${error.message}`);
          throw jobFailure({ code: error.code, message: error.message }, { final: true });
        }
        const result = await process(ctx, job);
        ctx.stats.processed++;
        return result;
      } catch (error) {
        ctx.stats.failed++;
        throw error;
      } finally {
        ctx.stats.active--;
      }
    };
  const options = {
    connection: ctx.redis,
    prefix: QUEUE_PREFIX,
    lockDuration: env.LOCK_DURATION_MS,
    stalledInterval: env.STALLED_INTERVAL_MS,
    maxStalledCount: env.MAX_STALLS,
  };
  const workers = [
    new Worker(QUEUES.coordinate, counted('coordinate', coordinate), { ...options, concurrency: env.COORDINATE_CONCURRENCY }),
    new Worker(QUEUES.fragments, counted('fragment', runFragmentJob), { ...options, concurrency: env.WORKER_CONCURRENCY }),
    new Worker(QUEUES.combine, counted('combine', runCombineJob), { ...options, concurrency: env.COMBINE_CONCURRENCY }),
  ];
  for (const w of workers) w.on('error', (error) => logger.warn({ err: error }, `queue error: ${error.message}`));
  const heartbeat = startHeartbeat(ctx);
  let stopping = false;
  // Liveness fails only where a restart helps: a connection to Redis that gave up. An outage is
  // ridden out by reconnecting (BullMQ resumes), and a shutdown by its own bound.
  const health = env.HEALTH_PORT > 0 ? serveHealth(env.HEALTH_PORT, () => ctx.redis.status !== 'end', ctx) : null;
  const reaper = startReaper(ctx);
  const reading = ctx.servers.placing ? `, reading ${env.READ_FROM === 'any' ? 'the primary and' : 'from'} ${ctx.servers.replicas.length} replica(s)` : '';
  log(`ready: ${env.WORKER_CONCURRENCY} fragments and ${env.COMBINE_CONCURRENCY} combines at once, snapshots ${env.SNAPSHOTS ? 'on' : 'off'}${reading}`);

  const shutdown = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    log(`${reason}: finishing ${ctx.stats.active} active job(s), up to ${env.SHUTDOWN_TIMEOUT_MS} ms`);
    // Nothing below is worth hanging for: an exiting worker loses no job, because the locks of
    // jobs it still holds lapse and another worker retries them.
    setTimeout(() => {
      logger.error('shutdown overran; exiting');
      process.exit(1);
    }, env.SHUTDOWN_TIMEOUT_MS + 5_000).unref();
    reaper.stop();
    const drained = await settlesWithin(Promise.all(workers.map((w) => w.pause())), env.SHUTDOWN_TIMEOUT_MS);
    await Promise.all(workers.map((w) => w.close(true)));
    health?.close();
    await heartbeat.stop();
    await ctx.events.close();
    await ctx.queues.close();
    if (drained) await Promise.all([ctx.servers.end(), ctx.storePool.end()]);
    else log(`${ctx.stats.active} job(s) did not finish in time: other workers retry them once their locks lapse`);
    await ctx.redis.quit().catch(() => undefined);
    log('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // Started by `npm start`'s supervisor: leave with it rather than run on unattended.
  if (process.send) process.on('disconnect', () => void shutdown('supervisor gone'));
}

/** Whether `work` settles within `ms`; it keeps running either way. */
function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([
    work.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref()),
  ]);
}

/**
 * GET /healthz for container liveness: 200 unless `healthy` says a restart would help; Redis'
 * connection state is shown either way. GET /metrics: this worker's Prometheus metrics.
 */
function serveHealth(port: number, healthy: () => boolean, ctx: WorkerContext): Server {
  collectProcessMetrics(ctx.env.WORKER_ID);
  return createServer((req, res) => {
    if (req.url === '/metrics') {
      void registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
      return;
    }
    const ok = req.url === '/healthz' && healthy();
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: ok ? 'ok' : 'unavailable', worker: ctx.env.WORKER_ID, redis: ctx.redis.status, activeJobs: ctx.stats.active }));
  }).listen(port);
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
