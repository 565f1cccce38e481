#!/usr/bin/env node
/** The pgfan API process. */
import { fragmentBacklog, JobSigner, liveWorkers, openQueues } from '@pgfan/dispatch';
import {
  checkQueryRole,
  collectProcessMetrics,
  ConfigError,
  connectServices,
  createLogger,
  Executions,
  QueryServers,
  queryServerSpecs,
  readCostModel,
  startDatabaseMeasurement,
  UnreachableError,
} from '@pgfan/runtime';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { createSecureContext, type SecureContext } from 'node:tls';
import { TypeNames } from '@pgfan/engine';
import { DEFAULT_COST_MODEL } from '@pgfan/planner';
import { createApp } from './app';
import { ApiKeys } from './auth';
import { Coordinations } from './coordinations';
import { InlineRuns } from './inline-runs';
import type { ApiContext } from './context';
import { loadApiEnv, queryPoolOptions, type ApiEnv } from './env';
import { attachRealtime } from './realtime';
import { PlanCache } from './plan-cache';
import { Recent } from './recent';
import { registerApiGauges } from './metrics';
import { inClusterAccess } from './replicas';
import { startGateway } from './pg/gateway';
import { API_RUNNER } from './submit';
import { VERSION } from './version';

/** How stale the worker slots and the cost model a query is planned with may be: both change over seconds. */
const PLANNING_INPUTS_MAX_AGE_MS = 1_000;

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function fail(message: string): never {
  process.stderr.write(`pgfan-api: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let env: ApiEnv;
  try {
    env = loadApiEnv(process.env);
  } catch (error) {
    fail(error instanceof ConfigError || error instanceof Error ? error.message : String(error));
  }
  process.title = 'pgfan-api';
  const logger = createLogger({ name: 'pgfan-api', level: env.LOG_LEVEL, format: env.LOG_FORMAT });
  const { storePool, redis, events } = await connectServices({
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    name: 'pgfan-api',
    redisRole: 'producer',
    storePoolSize: 10,
    logger,
  }).catch((error: unknown) => fail(error instanceof UnreachableError ? error.message : String(error)));
  // Planning runs on the primary; queries the API runs itself, on whichever server is placed.
  const servers = new QueryServers(queryServerSpecs(env.queryDatabaseUrl, env.REPLICA_URLS, env.READ_FROM), env.READ_FROM, {
    pool: queryPoolOptions(env),
  });
  const queryPool = servers.primary.pool;
  await checkQueryRole(queryPool, { url: env.queryDatabaseUrl, allowPrivileged: env.ALLOW_PRIVILEGED_QUERY_ROLE, logger }).catch((error: unknown) =>
    fail(error instanceof Error ? error.message : String(error)),
  );
  const keys = new ApiKeys(env.API_KEYS, env.ADMIN_KEYS, storePool, logger, env.API_KEYS_REFRESH_MS);
  await keys.start();
  if (!keys.enabled && env.hostIsExplicit && !isLoopback(env.HOST)) {
    logger.warn(`no API keys are configured (API_KEYS, ADMIN_KEYS or pgfan.api_keys), and HOST=${env.HOST}: anyone who can reach this port can run queries`);
  } else if (!keys.enabled) {
    logger.info(
      'no API keys are configured (API_KEYS, ADMIN_KEYS or pgfan.api_keys): authentication is off, so only this machine can connect (set HOST to listen elsewhere)',
    );
  }
  const queues = openQueues(redis, new JobSigner(env.JOB_SIGNING_KEY));
  const ctx: ApiContext = {
    env,
    logger,
    keys,
    policy: { allowedRelations: env.ALLOWED_RELATIONS },
    storePool,
    queryPool,
    servers,
    redis,
    queues,
    events,
    typeNames: new TypeNames(),
    plans: new PlanCache({ ttlMs: env.PLAN_CACHE_MS, checkedReuseMs: env.PLAN_CHECKED_REUSE_MS }),
    // A worker list or a backlog that cannot be read plans as if idle, on one slot at least.
    workerSlots: new Recent(
      async () =>
        Math.max(
          1,
          (await liveWorkers(redis).catch(() => [])).reduce((sum, w) => sum + w.concurrency, 0),
        ),
      PLANNING_INPUTS_MAX_AGE_MS,
    ),
    fragmentBacklog: new Recent(() => fragmentBacklog(queues.fragments).catch(() => 0), PLANNING_INPUTS_MAX_AGE_MS),
    costModel: new Recent(() => readCostModel(redis).catch(() => DEFAULT_COST_MODEL), PLANNING_INPUTS_MAX_AGE_MS),
    executions: new Executions(),
    coordinations: new Coordinations(env.COORDINATE_CONCURRENCY),
    inlineRuns: new InlineRuns(env.INLINE_CONCURRENCY),
    kubernetes: inClusterAccess(process.env),
  };
  // Read ahead, so that a query after a pause does not wait on them: they change over seconds.
  const planningInputs = [ctx.workerSlots.keepFresh(), ctx.costModel.keepFresh()];
  const postgres = await startPostgresPort(ctx);
  const server = createApp(ctx).listen(env.PORT, env.HOST, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : env.PORT;
    const http = `http://${env.HOST}:${port}`;
    const postgresql = postgres ? `postgresql://${env.HOST}:${postgres.port}` : undefined;
    logger.info({ http, postgresql, version: VERSION }, `listening on ${http}${postgresql ? ` and ${postgresql}` : ''}`);
  });
  server.on('error', (error) => fail(`cannot listen on ${env.HOST}:${env.PORT}: ${error.message}`));
  const realtime = attachRealtime(server, ctx);
  collectProcessMetrics('api');
  registerApiGauges(ctx, { postgresSessions: () => postgres?.sessions() ?? 0, socketClients: () => realtime.io.engine.clientsCount });
  // Once per database, whichever API replica takes the lock (DATABASE_MEASUREMENT_INTERVAL_MS).
  const measurement = startDatabaseMeasurement({
    connectionString: env.queryDatabaseUrl,
    // With replicas, each one's capacity too: health shows it, and workers spread queries by it.
    primaryName: servers.primary.name,
    replicas: servers.replicas.map(({ name, url }) => ({ name, url })),
    redis,
    everyMs: env.DATABASE_MEASUREMENT_INTERVAL_MS,
    holder: `pgfan-api ${hostname()}:${process.pid}`,
    logger,
  });
  // Requests in flight, which a shutdown lets finish.
  const inFlight = new Set<ServerResponse>();
  server.on('request', (_req, res: ServerResponse) => {
    inFlight.add(res);
    res.on('close', () => inFlight.delete(res));
  });
  const lifecycle: { stopping: boolean } = (ctx.lifecycle = { stopping: false });
  const shutdown = async () => {
    if (lifecycle.stopping) return;
    lifecycle.stopping = true;
    const deadline = Date.now() + env.SHUTDOWN_TIMEOUT_MS;
    logger.info(`shutting down: no new connections; ${inFlight.size} requests in flight get up to ${env.SHUTDOWN_TIMEOUT_MS} ms to finish`);
    keys.stop();
    measurement.stop();
    for (const stop of planningInputs) stop();
    server.close();
    server.closeIdleConnections();
    await Promise.all([postgres?.close(deadline), untilFinished(inFlight, deadline)]);
    server.closeAllConnections();
    const handedOver = await ctx.inlineRuns.handOverAll(ctx, API_RUNNER);
    if (handedOver.length > 0) logger.info({ queryIds: handedOver }, `handed ${handedOver.length} query(ies) still running here to the workers`);
    // Fan-outs still running whose clients have their answers or left: their snapshots' sessions must end for the pools to.
    await ctx.coordinations.releaseAll();
    await Promise.allSettled([realtime.close(), ctx.events.close(), ctx.queues.close(), ctx.servers.end(), ctx.storePool.end()]);
    await ctx.redis.quit().catch(() => undefined);
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
}

/** Resolves once every response in `inFlight` has closed, or at `deadline`. */
async function untilFinished(inFlight: Set<ServerResponse>, deadline: number): Promise<void> {
  while (inFlight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

/**
 * The PostgreSQL port (PG_PORT), or null when off. It forwards what it does not fan out to a
 * session of the client's own, where ALLOWED_RELATIONS could not be applied: with that setting it
 * stays off, and says so.
 */
async function startPostgresPort(ctx: ApiContext): Promise<{ port: number; close(deadline: number): Promise<void>; sessions(): number } | null> {
  const { env } = ctx;
  if (env.PG_PORT === null) return null;
  if (env.ALLOWED_RELATIONS !== null) {
    if (env.pgPortIsExplicit)
      fail(
        'PG_PORT cannot be used with ALLOWED_RELATIONS: the PostgreSQL port runs what it does not fan out as written, where the allow-list cannot apply; grant the query role only those tables instead',
      );
    ctx.logger.info('the PostgreSQL port is off: ALLOWED_RELATIONS is set (see docs/postgres-protocol.md)');
    return null;
  }
  let tls: SecureContext | null = null;
  if (env.PG_TLS_CERT && env.PG_TLS_KEY) {
    try {
      tls = createSecureContext({ cert: readFileSync(env.PG_TLS_CERT), key: readFileSync(env.PG_TLS_KEY) });
    } catch (error) {
      fail(`cannot use PG_TLS_CERT and PG_TLS_KEY: ${(error as Error).message}`);
    }
  }
  try {
    const { server, gateway, close } = await startGateway(ctx, { port: env.PG_PORT, host: env.HOST, maxClients: env.PG_MAX_CLIENTS, tls });
    const address = server.address();
    return { port: typeof address === 'object' && address ? address.port : env.PG_PORT, close, sessions: () => gateway.size };
  } catch (error) {
    fail(`cannot listen for PostgreSQL clients on ${env.HOST}:${env.PG_PORT} (PG_PORT; off to turn it off): ${(error as Error).message}`);
  }
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
