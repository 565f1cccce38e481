/** Everything a processor needs, created once per worker process and passed in. */
import type { QueryEventBus, Queues } from '@pgfan/dispatch';
import type { Executions, Logger, QueryServers } from '@pgfan/runtime';
import type { TypeNames } from '@pgfan/engine';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import type { WorkerEnv } from './env';

export interface WorkerContext {
  env: WorkerEnv;
  /** Read-only sessions on the primary for users' queries (combines; fragments and snapshots without replicas). */
  queryPool: Pool;
  /** The primary and its replicas, where coordinators place queries and fragments run. */
  servers: QueryServers;
  /** Read-write sessions for the query history and spilled rows. */
  storePool: Pool;
  /** Commands (progress, completion notices, heartbeats). */
  redis: Redis;
  queues: Queues;
  events: QueryEventBus;
  typeNames: TypeNames;
  stats: { active: number; processed: number; failed: number };
  /** Statements this worker runs (fragments, queries as written); only those that ran alone teach the cost model. */
  executions: Executions;
  /** The worker's root logger (every line carries `worker`); lines about a query add its `queryId`. */
  logger: Logger;
}
