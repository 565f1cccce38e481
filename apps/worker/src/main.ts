#!/usr/bin/env node
/**
 * A pgfan worker process: coordinates queries (holding their snapshots), runs fragments and
 * combines. SIGTERM lets running jobs finish (up to SHUTDOWN_TIMEOUT_MS), then hands the rest
 * back to the queue and closes every connection.
 */
import { QUEUE_PREFIX, QUEUES } from '@pgfan/contracts';
import { ConfigError, connectServices, openQueues, UnreachableError } from '@pgfan/dispatch';
import { createQueryPool, TypeNames } from '@pgfan/engine';
import { Worker, type Job } from 'bullmq';
import { runCombineJob } from './combine';
import type { WorkerContext } from './context';
import { coordinate } from './coordinate';
import { loadWorkerEnv, type WorkerEnv } from './env';
import { runFragmentJob } from './fragment';
import { startHeartbeat } from './heartbeat';
import { startReaper } from './reaper';

function fail(message: string): never {
  process.stderr.write(`pgfan-worker: ${message}\n`);
  process.exit(1);
}

async function connect(env: WorkerEnv, log: (message: string) => void): Promise<WorkerContext> {
  const { storePool, redis, events } = await connectServices({
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    name: `pgfan-worker ${env.WORKER_ID}`,
    redisRole: 'worker',
    storePoolSize: 4,
    log,
  }).catch((error: unknown) => fail(error instanceof UnreachableError ? error.message : String(error)));
  return {
    env,
    storePool,
    // Fragments and combines, plus one connection per coordinated query for its snapshot.
    queryPool: createQueryPool({
      connectionString: env.DATABASE_URL,
      max: env.WORKER_CONCURRENCY + env.COMBINE_CONCURRENCY + env.COORDINATE_CONCURRENCY,
      applicationName: `pgfan-worker ${env.WORKER_ID}`,
    }),
    redis,
    queues: openQueues(redis),
    events,
    typeNames: new TypeNames(),
    stats: { active: 0, processed: 0, failed: 0 },
    log,
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
  const log = (message: string) => process.stdout.write(`[worker ${env.WORKER_ID}] ${message}\n`);
  const ctx = await connect(env, log);

  const counted =
    <T, R>(process: (ctx: WorkerContext, job: Job<T>) => Promise<R>) =>
    async (job: Job<T>) => {
      ctx.stats.active++;
      try {
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
    maxStalledCount: 1,
  };
  const workers = [
    new Worker(QUEUES.coordinate, counted(coordinate), { ...options, concurrency: env.COORDINATE_CONCURRENCY }),
    new Worker(QUEUES.fragments, counted(runFragmentJob), { ...options, concurrency: env.WORKER_CONCURRENCY }),
    new Worker(QUEUES.combine, counted(runCombineJob), { ...options, concurrency: env.COMBINE_CONCURRENCY }),
  ];
  for (const w of workers) w.on('error', (error) => log(`queue error: ${error.message}`));
  const heartbeat = startHeartbeat(ctx);
  const reaper = startReaper(ctx, log);
  log(`ready: ${env.WORKER_CONCURRENCY} fragments and ${env.COMBINE_CONCURRENCY} combines at once, snapshots ${env.SNAPSHOTS ? 'on' : 'off'}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: finishing ${ctx.stats.active} active job(s), up to ${env.SHUTDOWN_TIMEOUT_MS} ms`);
    reaper.stop();
    const graceful = Promise.all(workers.map((w) => w.close()));
    const timedOut = await Promise.race([graceful.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), env.SHUTDOWN_TIMEOUT_MS).unref())]);
    if (timedOut) {
      log('handing unfinished jobs back to the queue');
      await Promise.all(workers.map((w) => w.close(true)));
    }
    await heartbeat.stop();
    await ctx.events.close();
    await ctx.queues.close();
    await Promise.all([ctx.queryPool.end(), ctx.storePool.end()]);
    await ctx.redis.quit().catch(() => undefined);
    log('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
