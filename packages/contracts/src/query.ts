/**
 * A query as the service tracks it: the CLI's query record plus its id, lifecycle status,
 * per-fragment progress and timings. Also the body of `POST /api/queries`.
 */
import { z } from 'zod';
import { ErrorRecord, FragmentRecord, PlanRecord, QueryRecord, ResultSet } from './record';

/** Largest `servers` a request may ask for. */
export const MAX_REQUEST_SERVERS = 16;

/** Largest `partitions` a request may ask for. */
export const MAX_REQUEST_PARTITIONS = 64;

export const QueryStatus = z.enum(['queued', 'running', 'combining', 'completed', 'failed', 'cancelled']);
export type QueryStatus = z.infer<typeof QueryStatus>;

/** Statuses a query never leaves. */
export const FINAL_STATUSES: readonly QueryStatus[] = ['completed', 'failed', 'cancelled'];

export const FragmentState = z.enum(['waiting', 'running', 'done', 'failed']);
export type FragmentState = z.infer<typeof FragmentState>;

export const FragmentProgress = z.object({
  index: z.number().int(),
  range: FragmentRecord.shape.range,
  state: FragmentState,
  rows: z.number().int().nullable().describe('partial rows the fragment returned'),
  ms: z.number().nullable().describe('time the fragment ran, in milliseconds'),
  attempts: z.number().int(),
  worker: z.string().nullable().describe('the worker that ran (or is running) it'),
  server: z.string().nullable().optional().describe('the database server it ran on (host:port), when the primary has replicas'),
});
export type FragmentProgress = z.infer<typeof FragmentProgress>;

export const QueryTimings = z.object({
  submittedAt: z.string().describe('ISO 8601'),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  queueMs: z.number().nullable().describe('submitted → first fragment running'),
  planMs: z.number(),
  executeMs: z.number().nullable().describe('fragments (or the whole query, when sequential)'),
  combineMs: z.number().nullable(),
  totalMs: z.number().nullable().describe('submitted → finished'),
});
export type QueryTimings = z.infer<typeof QueryTimings>;

export const QueryView = z.object({
  id: z.string().uuid(),
  sql: z.string(),
  status: QueryStatus,
  plan: PlanRecord.nullable(),
  fragments: z.array(FragmentProgress),
  result: ResultSet.nullable().describe('null until completed; omitted rows in lists'),
  error: ErrorRecord.nullable(),
  timings: QueryTimings,
  partitionsRequested: z.number().int().nullable(),
  timeoutMs: z.number().int(),
  generation: z.number().int().describe('times the query has started (again) on a fresh snapshot; 0 while queued'),
  coordinator: z
    .string()
    .nullable()
    .describe(
      'who coordinates the current generation and holds its snapshot: a worker, or `api` when the API ran the query itself or coordinated its fan-out for a client that waits',
    ),
});
export type QueryView = z.infer<typeof QueryView>;

/** A query in a list: everything but the result rows. */
export const QuerySummary = QueryView.omit({ result: true }).extend({
  rowCount: z.number().int().nullable(),
});
export type QuerySummary = z.infer<typeof QuerySummary>;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const SubmitQuery = z.strictObject({
  sql: z
    .string()
    .min(1, 'sql must not be empty')
    // JSON can carry half a UTF-16 surrogate pair ("\ud800"), which no database encoding can hold.
    .refine((sql) => !LONE_SURROGATE.test(sql), 'sql must be valid Unicode: it holds half a surrogate pair (\\ud800–\\udfff)')
    .describe('one read-only SELECT'),
  partitions: z.number().int().min(1).max(MAX_REQUEST_PARTITIONS).optional().describe('exact fragment count; automatic when omitted'),
  servers: z
    .number()
    .int()
    .min(1)
    .max(MAX_REQUEST_SERVERS)
    .optional()
    .describe(
      "spread a fan-out's fragments over this many database servers (streaming replicas, at one exact cut); needs REPLICA_URLS. One server when omitted",
    ),
  timeoutMs: z.number().int().positive().optional().describe('deadline for the whole query; the server caps it'),
  preview: z
    .boolean()
    .optional()
    .describe('keep only the first rows of a result past RESULT_MAX_BYTES (`result.stored` false) rather than fail with RESULT_TOO_LARGE'),
});
export type SubmitQuery = z.infer<typeof SubmitQuery>;

export const QueryPage = z.object({
  queries: z.array(QuerySummary),
  nextCursor: z.string().nullable().describe('pass as ?cursor= for the next page; null at the end'),
});
export type QueryPage = z.infer<typeof QueryPage>;

export const ApiError = z.object({ error: ErrorRecord });
export type ApiError = z.infer<typeof ApiError>;

/** The CLI record of a query view (for `npm run query -- --json` through the API). */
export function toQueryRecord(view: QueryView): QueryRecord {
  const { totalMs, planMs, executeMs, combineMs } = view.timings;
  return {
    sql: view.sql,
    status: view.status === 'completed' ? 'completed' : 'failed',
    plan: view.plan,
    result: view.result,
    error: view.error,
    timings: { totalMs: totalMs ?? 0, planMs, executeMs: executeMs ?? 0, combineMs: combineMs ?? 0 },
  };
}

const Reachability = z.object({ ok: z.boolean(), latencyMs: z.number(), error: z.string().optional() });

export const DatabaseServerReport = z.object({
  name: z.string().describe('host:port, as records and jobs name it'),
  role: z.enum(['primary', 'replica']),
  reachable: z.boolean(),
  lsn: z.string().nullable().describe("its WAL position: the primary's write position, a replica's last replayed"),
  lagBytes: z.number().nullable().describe('bytes of WAL a replica has still to replay (0 for the primary); null when unknown'),
  replayPaused: z.boolean(),
  hotStandbyFeedback: z
    .boolean()
    .nullable()
    .optional()
    .describe(
      "a replica's hot_standby_feedback (null for the primary, or when unreachable): without it replay waits for the snapshots of queries reading it, and a query spread over replicas may then read one server",
    ),
  active: z.number().int().describe("pgfan's statements running on it now"),
  parallelism: z
    .number()
    .nullable()
    .optional()
    .describe(
      'its capacity: how many sessions it runs at full speed at once, as last measured (DATABASE_MEASUREMENT_INTERVAL_MS); null before the first measurement',
    ),
  latencyMs: z.number(),
  error: z.string().optional(),
});
export type DatabaseServerReport = z.infer<typeof DatabaseServerReport>;

export const HealthReport = z.object({
  status: z.enum(['ok', 'no-workers', 'unavailable']),
  version: z.string().optional().describe("the API's version (CHANGELOG.md)"),
  postgres: Reachability,
  redis: Reachability,
  workers: z.object({ live: z.number().int(), fragmentSlots: z.number().int(), ids: z.array(z.string()) }),
  costModel: z
    .object({
      costScales: z
        .record(z.string(), z.number())
        .describe(
          "per class of query (scan, grouped, distinct, rows, other): how much slower it runs than PostgreSQL's cost estimate predicts, as learned from queries run as written (1: as on simple scans)",
        ),
      fanOutScales: z
        .record(z.string(), z.number())
        .optional()
        .describe(
          'per class of query: how much slower fragments scan than the model predicts for a fan-out, as learned from fanned-out queries (1: as predicted)',
        ),
      fanOutMs: z
        .number()
        .optional()
        .describe(
          'milliseconds a fan-out costs outside its fragments (snapshot, flow, queue hops, combine), as learned from finished fan-outs; the model adds it to every fan-out it predicts',
        ),
      fragmentMs: z
        .number()
        .nullable()
        .optional()
        .describe(
          'milliseconds a fragment takes on a worker, on average, as learned from finished fan-outs: a new fan-out is predicted to wait this long per fragment queued or running, spread over the slots. Null until learned (no wait is predicted)',
        ),
      databaseParallelism: z
        .number()
        .nullable()
        .optional()
        .describe(
          'how many sessions the database runs at full speed at once, as the API measured it; null until measured (every worker slot then counts as one)',
        ),
      msPerCost: z
        .number()
        .optional()
        .describe(
          "milliseconds a simple scan takes per unit of PostgreSQL's cost estimate, as the API measured it on the database (the model's default until then); the learned scales are relative to it",
        ),
      parallelStartMs: z
        .number()
        .nullable()
        .optional()
        .describe(
          "milliseconds PostgreSQL takes to start a parallel plan's first worker, as the API measured it; a query whose serial plan is then predicted faster runs without them. Null until measured (queries run in the plan PostgreSQL picks)",
        ),
      parallelWorkerStartMs: z
        .number()
        .nullable()
        .optional()
        .describe("milliseconds each further worker adds to a parallel plan's start-up, as the API measured it; null until measured"),
      measurementConfirmed: z
        .boolean()
        .optional()
        .describe(
          "false while the database's latest measurement waits for a second one, two to three minutes later, to confirm it (the first measurement, in force meanwhile, or one clearly worse than the figures in force, which stand meanwhile): load on the server only ever makes a measurement look worse, and the better of each figure is kept. Absent until measured",
        ),
    })
    .nullable()
    .optional()
    .describe("the cost model's learned correction; null when Redis is unreachable"),
  servers: z
    .array(DatabaseServerReport)
    .optional()
    .describe("the database servers users' queries run on, the primary first; only when REPLICA_URLS lists replicas"),
});
export type HealthReport = z.infer<typeof HealthReport>;
