/** What the API's handlers need, created once per process and passed in. */
import type { QueryEventBus, Queues } from '@pgfan/dispatch';
import type { Executions, Logger, QueryServers } from '@pgfan/runtime';
import type { QueryPolicy, TypeNames } from '@pgfan/engine';
import type { CostModel } from '@pgfan/planner';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import type { ApiKeys } from './auth';
import type { Coordinations } from './coordinations';
import type { ApiEnv } from './env';
import type { InlineRuns } from './inline-runs';
import type { PlanCache } from './plan-cache';
import type { Recent } from './recent';
import type { KubernetesAccess } from './replicas';

export interface ApiContext {
  env: ApiEnv;
  /** The process's root logger; a request's lines go through `req.log`, which adds its `requestId`. */
  logger: Logger;
  keys: ApiKeys;
  /** What queries may call and read, judged on PostgreSQL's plan before they run. */
  policy: QueryPolicy;
  /** Read-only sessions on the primary for planning users' queries (EXPLAIN, catalog facts, probes). */
  queryPool: Pool;
  /** The primary and its replicas: where the queries the API runs itself are placed, and health reports on. */
  servers: QueryServers;
  /** Read-write sessions for the query history. */
  storePool: Pool;
  redis: Redis;
  queues: Queues;
  events: QueryEventBus;
  typeNames: TypeNames;
  /** Recent decisions to run a query as written (PLAN_CACHE_MS). */
  plans: PlanCache;
  /** What automatic partitioning plans for: every fragment slot of every live worker (at least 1); kept fresh in the background. */
  workerSlots: Recent<number>;
  /**
   * The fragment jobs queued or running, which a new fan-out waits for; read when a query asks,
   * never ahead: read ahead, it caught a fan-out's own fragments and held them for the next query.
   */
  fragmentBacklog: Recent<number>;
  /** What finished queries taught and the API measured (Redis), or the defaults when Redis fails. */
  costModel: Recent<CostModel>;
  /** Queries the API runs itself; only those that ran alone teach the cost model. */
  executions: Executions;
  /** Fan-outs whose generation 1 the API coordinates itself, each holding its snapshot (COORDINATE_CONCURRENCY at most). */
  coordinations: Coordinations;
  /** Queries past INLINE_MAX_MS the API runs as written for waiting clients (INLINE_CONCURRENCY at most). */
  inlineRuns: InlineRuns;
  /** The pod's access to the Kubernetes API, when running in a cluster (for the worker HPA's figures). */
  kubernetes?: KubernetesAccess | null;
  /** Set on SIGTERM: new requests are refused (readiness fails) while those in flight finish. */
  lifecycle?: { stopping: boolean };
}
