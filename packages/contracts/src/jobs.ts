/**
 * The one catalog of queues and jobs, shared by the API (which enqueues) and the workers (which
 * process). Queue names are also what the KEDA manifests scale on.
 */
import { z } from 'zod';
import { Cut } from './record';

/** BullMQ queue names. */
export const QUEUES = {
  /** One job per query: holds the query's snapshot and adds its flow (or runs it, if sequential). */
  coordinate: 'pgfan-coordinate',
  /** One job per fragment: the children of a flow. */
  fragments: 'pgfan-fragments',
  /** One job per flow: the parent that combines the fragments' partial rows. */
  combine: 'pgfan-combine',
} as const;

/** BullMQ's key prefix, shared by everything that touches the queues. */
export const QUEUE_PREFIX = 'bull';

/**
 * The Redis keys holding a queue's backlog, which autoscalers measure (KEDA's redis triggers, the
 * local supervisor): the list of waiting jobs — BullMQ 6 keeps a paused queue's jobs there too —
 * and the sorted set of delayed ones (retries waiting out their backoff). The code adds no
 * prioritized jobs, which BullMQ would keep in a third key.
 */
export function backlogKeys(queue: string): { waiting: string; delayed: string } {
  return { waiting: `${QUEUE_PREFIX}:${queue}:wait`, delayed: `${QUEUE_PREFIX}:${queue}:delayed` };
}

export const CoordinateJob = z.object({
  queryId: z.string().uuid(),
  /** Which attempt at the whole query this is; bumps when it starts over on a fresh snapshot. */
  generation: z.number().int().positive(),
});
export type CoordinateJob = z.infer<typeof CoordinateJob>;

export const FragmentJob = z.object({
  queryId: z.string().uuid(),
  generation: z.number().int().positive(),
  index: z.number().int().nonnegative(),
  of: z.number().int().positive(),
  sql: z.string(),
  params: z.array(z.string().nullable()),
  /**
   * The fragment as `COPY … TO STDOUT (FORMAT binary)`, when its plan stores partial rows: its
   * rows go, unread, into a table of the store that only the combine reads (with `spillToken`).
   */
  copySql: z.string().optional(),
  /** Exported snapshot to import, or null when snapshots are switched off. */
  snapshot: z.string().nullable(),
  /** Epoch milliseconds after which the query has failed. */
  deadline: z.number(),
  /** Marks the rows this generation spills to PostgreSQL; the combine reads them back with it, and nobody without it can. */
  spillToken: z.string().min(16),
  /** The database server holding the snapshot (host:port); absent: the primary. */
  server: z.string().optional(),
  /**
   * The API coordinating this generation combines the fragments' rows itself (see CombineJob):
   * the fragment's end event carries its rows when they are few (dispatch/carried.ts). Unset, no
   * one collects them, and they are neither signed for it nor published.
   */
  coordinatorCombines: z.boolean().optional(),
});
export type FragmentJob = z.infer<typeof FragmentJob>;

export const CombineJob = z.object({
  queryId: z.string().uuid(),
  generation: z.number().int().positive(),
  /** The generation's spill token (see FragmentJob). */
  spillToken: z.string().min(16),
  /** The generation's snapshot: a combine that must run the query as written after all runs it there. */
  snapshot: z.string().nullable(),
  /**
   * Where the generation read the database, as its record will show it, and the server whose
   * snapshot (`snapshot`) a run as written imports; absent: the primary alone.
   */
  cut: Cut.extend({ server: z.string() }).optional(),
  /**
   * The API coordinating this generation combines its fragments itself when each carries its rows
   * (dispatch/handoff.ts): the job waits for the query's end, or for the API to leave it the
   * combine, before it reads anything.
   */
  coordinatorCombines: z.boolean().optional(),
});
export type CombineJob = z.infer<typeof CombineJob>;

/** What a fragment hands to the combine: its column types, and its rows inline or spilled to PostgreSQL. */
export const FragmentOutput = z.object({
  fields: z.array(z.object({ name: z.string(), dataTypeID: z.number().int(), dataTypeModifier: z.number().int() })),
  rows: z.array(z.array(z.string().nullable())).nullable().describe('null when spilled'),
  rowCount: z.number().int(),
  ms: z.number(),
  /** When the fragment's last attempt started on its worker (ms since the epoch); older workers leave it out. */
  startedAt: z.number().optional(),
  worker: z.string(),
  /** The database server it ran on; absent: the primary. */
  server: z.string().optional(),
  attempts: z.number().int(),
});
export type FragmentOutput = z.infer<typeof FragmentOutput>;

/**
 * Why a job failed. BullMQ keeps a failed job's reason as text: pgfan's jobs fail with this, as
 * JSON, and whoever reads a reason back (the combine, from its fragments) parses it with the same
 * schema rather than picking a string apart.
 */
export const JobFailure = z.object({
  /** A stable code, as in the query record's error (QUERY_FAILED, SNAPSHOT_LOST, FORGED_JOB, …). */
  code: z.string().regex(/^[A-Z][A-Z_]*$/),
  message: z.string(),
  /** PostgreSQL's SQLSTATE, when PostgreSQL raised it. */
  sqlState: z.string().optional(),
});
export type JobFailure = z.infer<typeof JobFailure>;

/**
 * Retry policy, with exponential backoff. Failures of the query itself are never retried (see
 * the workers' UnrecoverableError); what is retried is a lost connection or an unreachable
 * PostgreSQL or Redis, and the retries span a few seconds so a database restart is ridden out.
 * Coordinating and combining are idempotent per generation, so a retry cannot double them.
 */
export const JOB_POLICY = {
  // 250 ms, 0.5, 1, 2 s: 3.75 s in all.
  fragment: { attempts: 5, backoff: { type: 'exponential' as const, delay: 250 } },
  // 0.5, 1, 2 s.
  coordinate: { attempts: 4, backoff: { type: 'exponential' as const, delay: 500 } },
  combine: { attempts: 4, backoff: { type: 'exponential' as const, delay: 500 } },
  /** Finished jobs leave Redis by age and count, so Redis memory stays bounded. */
  removeOnComplete: { age: 600, count: 500 },
  removeOnFail: { age: 3600, count: 500 },
};
