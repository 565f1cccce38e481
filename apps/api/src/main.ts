#!/usr/bin/env node
/** The pgfan API process. */
import { CompletionWaiter, ConfigError, createRedis, openQueues, redactUrl, redisReady } from '@pgfan/dispatch';
import { createQueryPool, survivingConnectionErrors, TypeNames } from '@pgfan/engine';
import { migrate } from '@pgfan/store';
import { Pool } from 'pg';
import { createApp } from './app';
import type { ApiContext } from './context';
import { loadApiEnv, type ApiEnv } from './env';

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
  const log = (message: string) => process.stdout.write(`[api] ${message}\n`);
  const storePool = survivingConnectionErrors(new Pool({ connectionString: env.DATABASE_URL, max: 10, application_name: 'pgfan-api-store' }));
  try {
    await storePool.query('SELECT 1');
  } catch (error) {
    fail(`cannot reach PostgreSQL at ${redactUrl(env.DATABASE_URL)}: ${(error as Error).message}`);
  }
  const redis = createRedis(env.REDIS_URL, 'producer', 'pgfan-api', log);
  const subscriber = createRedis(env.REDIS_URL, 'subscriber', 'pgfan-api-events', log);
  try {
    await Promise.all([redisReady(redis, 5000), redisReady(subscriber, 5000)]);
  } catch (error) {
    fail(`cannot reach Redis at ${redactUrl(env.REDIS_URL)}: ${(error as Error).message}`);
  }
  await migrate(storePool);
  const completion = new CompletionWaiter(subscriber);
  await completion.ready();
  const ctx: ApiContext = {
    env,
    storePool,
    queryPool: createQueryPool({ connectionString: env.DATABASE_URL, max: 10, applicationName: 'pgfan-api' }),
    redis,
    queues: openQueues(redis),
    completion,
    typeNames: new TypeNames(),
  };
  const server = createApp(ctx, log).listen(env.PORT, env.HOST, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : env.PORT;
    log(`listening on http://${env.HOST}:${port}`);
  });
  server.on('error', (error) => fail(`cannot listen on ${env.HOST}:${env.PORT}: ${error.message}`));
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    log('shutting down');
    server.close();
    server.closeAllConnections();
    void Promise.allSettled([ctx.completion.close(), ctx.queues.close(), ctx.queryPool.end(), ctx.storePool.end()]).then(() => {
      void ctx.redis.quit().catch(() => undefined);
      process.exit(0);
    });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
