/**
 * Live events: what happens to a query as it runs, and the system's vital signs. Workers and the
 * API publish query events on one Redis channel; the API relays them to dashboards over
 * socket.io, with the same types on both ends.
 */
import { z } from 'zod';
import { ErrorRecord, PlanRecord } from './record';
import { DatabaseServerReport, QueryView } from './query';

/** The Redis pub/sub channel every query event is published on. */
export const QUERY_EVENTS_CHANNEL = 'pgfan:query-events';

const base = { id: z.string().uuid(), at: z.string().describe('ISO 8601') };

export const QueryEvent = z.discriminatedUnion('type', [
  z.object({
    ...base,
    type: z.literal('queued'),
    sql: z.string(),
    /** The API key that submitted it (null without keys): its holder and admins see its events. */
    client: z.string().nullable().optional(),
  }),
  z.object({ ...base, type: z.literal('planned'), plan: PlanRecord, planMs: z.number() }),
  z.object({ ...base, type: z.literal('running'), generation: z.number().int(), coordinator: z.string() }),
  z.object({ ...base, type: z.literal('fragment-started'), index: z.number().int(), worker: z.string(), attempt: z.number().int() }),
  z.object({ ...base, type: z.literal('fragment-progress'), index: z.number().int(), rows: z.number().int(), ms: z.number() }),
  z.object({
    ...base,
    type: z.literal('fragment-done'),
    index: z.number().int(),
    rows: z.number().int(),
    ms: z.number(),
    worker: z.string(),
    attempt: z.number().int(),
  }),
  z.object({ ...base, type: z.literal('fragment-failed'), index: z.number().int(), worker: z.string(), attempt: z.number().int(), error: ErrorRecord }),
  z.object({ ...base, type: z.literal('combining') }),
  z.object({ ...base, type: z.literal('completed'), rowCount: z.number().int(), totalMs: z.number() }),
  z.object({ ...base, type: z.literal('failed'), error: ErrorRecord, totalMs: z.number() }),
  z.object({ ...base, type: z.literal('cancelled') }),
]);
export type QueryEvent = z.infer<typeof QueryEvent>;
export type QueryEventType = QueryEvent['type'];

/** Events after which a query changes no more. */
export const FINAL_EVENTS: readonly QueryEventType[] = ['completed', 'failed', 'cancelled'];

export const WorkerHeartbeat = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.number().int(),
  cpuPercent: z.number().describe('CPU use since the previous beat, percent of one core'),
  rssBytes: z.number(),
  activeJobs: z.number().int(),
  processed: z.number().int(),
  failed: z.number().int(),
  concurrency: z.number().int(),
  startedAt: z.string(),
  at: z.string(),
});
export type WorkerHeartbeat = z.infer<typeof WorkerHeartbeat>;

export const QueueDepth = z.object({
  name: z.string(),
  waiting: z.number().int(),
  active: z.number().int(),
  delayed: z.number().int(),
  failed: z.number().int(),
});
export type QueueDepth = z.infer<typeof QueueDepth>;

/** The worker autoscaler's view: KEDA's HPA on Kubernetes, or `npm start`'s supervisor. */
export const WorkerScale = z.object({
  scaler: z.enum(['kubernetes', 'supervisor']),
  /** Workers running now. */
  current: z.number().int(),
  /** Workers the scaler wants, given the backlog and CPU. */
  desired: z.number().int(),
  min: z.number().int(),
  max: z.number().int(),
});
export type WorkerScale = z.infer<typeof WorkerScale>;

export const SystemStats = z.object({
  at: z.string(),
  workers: z.array(WorkerHeartbeat),
  queues: z.array(QueueDepth),
  /** Queries finished per second, over the last 10 seconds. */
  throughput: z.number(),
  /** Total time of queries completed in the last minute, in milliseconds. */
  latency: z.object({ p50: z.number().nullable(), p95: z.number().nullable(), count: z.number().int() }),
  /** The worker autoscaler's view; null when no autoscaler reports (fixed workers, or unreachable). */
  replicas: WorkerScale.nullable(),
  /** The database servers queries run on, as `GET /api/health` reports them; only with streaming replicas (REPLICA_URLS). */
  servers: z.array(DatabaseServerReport).optional(),
});
export type SystemStats = z.infer<typeof SystemStats>;

/** socket.io events the server sends. */
export interface ServerToClientEvents {
  'query:event': (event: QueryEvent) => void;
  'system:stats': (stats: SystemStats) => void;
}

/** socket.io events a client sends. */
export interface ClientToServerEvents {
  /** Follow one query; the answer is its current record (null if unknown), to resynchronise from. */
  watch: (queryId: string, answer: (record: QueryView | null) => void) => void;
  unwatch: (queryId: string) => void;
  /** Follow every query's arrivals and endings (the history view). */
  'watch:all': () => void;
}
