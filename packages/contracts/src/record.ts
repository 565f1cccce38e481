/**
 * The query record: what the CLI prints with `--json` and what the REST API returns. One
 * schema, so every producer and consumer agrees on it.
 */
import { z } from 'zod';

/**
 * A result value: SQL NULL → null; boolean → true/false; int2/int4/float4/float8 → numbers
 * (NaN, ±Infinity and -0 as strings: JSON numbers cannot be them); every other type →
 * PostgreSQL's own text output.
 */
export const JsonValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type JsonValue = z.infer<typeof JsonValue>;

export const SqlPosition = z.object({
  offset: z.number().int().describe('0-based offset into the submitted SQL'),
  line: z.number().int().describe('1-based line'),
  column: z.number().int().describe('1-based column'),
});
export type SqlPosition = z.infer<typeof SqlPosition>;

export const ErrorRecord = z.object({
  code: z.string().describe('Stable error code, e.g. SYNTAX_ERROR, NOT_READ_ONLY, QUERY_FAILED'),
  message: z.string(),
  position: SqlPosition.optional(),
});
export type ErrorRecord = z.infer<typeof ErrorRecord>;

export const PageRange = z.object({
  fromPage: z.number().int(),
  toPage: z.number().int().nullable().describe('exclusive; null for the open-ended last range'),
});

export const KeyRange = z.object({
  column: z.string(),
  type: z.string(),
  from: z.string().nullable().describe('inclusive; null for the first range, which also holds the NULLs'),
  to: z.string().nullable().describe('exclusive; null for the open-ended last range'),
});

export const FragmentRecord = z.object({
  index: z.number().int(),
  sql: z.string(),
  params: z.array(z.string().nullable()),
  range: z.union([PageRange, KeyRange]).nullable(),
});
export type FragmentRecord = z.infer<typeof FragmentRecord>;

/** Where a query read the database, when the primary has replicas. */
export const Cut = z.object({
  lsn: z
    .string()
    .describe(
      "a WAL position (as PostgreSQL prints it): the answer includes every transaction the primary committed before it, the submitter's own writes included",
    ),
  servers: z.array(z.string()).describe('the servers the fragments read, by name (host:port)'),
  guarantee: z
    .enum(['one-snapshot', 'equal-replay-position'])
    .describe(
      'one-snapshot: one server, and one snapshot every fragment imported. equal-replay-position: replicas paused at the same WAL position while each exported the snapshot its fragments imported, so every fragment read the same committed state',
    ),
  reason: z.string().optional().describe('why the query ran on fewer servers than it asked for'),
  ms: z.number().optional().describe('how long the cut across servers took, replay paused on each for part of it'),
  attempts: z
    .number()
    .int()
    .optional()
    .describe('tries the cut took: replicas paused at different positions are resumed and paused again (0 for a cut made for another query)'),
  catchUpMs: z.number().optional().describe('of `ms`: waiting for the replicas to replay up to where the primary stood (replication lag)'),
  lockMs: z.number().optional().describe("of `ms`: waiting for other workers' cuts of the same replicas"),
  shared: z.boolean().optional().describe('the cut was made for another query, and taken like a group commit: it holds everything this query must see'),
  automatic: z
    .boolean()
    .optional()
    .describe('the cost model spread it (the request did not say `servers`): it was predicted long enough, and the replicas had free capacity'),
});
export type Cut = z.infer<typeof Cut>;

export const PlanRecord = z.object({
  mode: z.enum(['fan-out', 'as-written']),
  reason: z.string().describe('why this mode: the partitioning chosen, or what prevents splitting'),
  partitions: z.number().int(),
  strategy: z.enum(['page-range', 'key-range', 'none']),
  table: z.string().nullable(),
  fragments: z.array(FragmentRecord),
  combineSql: z.string().nullable().describe('the combine query, once the fragments have reported their column types'),
  prediction: z
    .object({
      asWrittenMs: z.number().describe('predicted milliseconds to run the query as written'),
      fanOutMs: z.number().nullable().describe("predicted milliseconds in the plan's fragments; null when it runs as written"),
    })
    .nullable()
    .optional()
    .describe("the cost model's prediction, to compare with timings.totalMs; null without an estimate"),
  cut: Cut.nullable().optional().describe('where the query read the database, once it has run; absent when only the primary serves queries'),
});
export type PlanRecord = z.infer<typeof PlanRecord>;

export const ResultColumn = z.object({ name: z.string(), type: z.string().describe('format_type of the column') });
export type ResultColumn = z.infer<typeof ResultColumn>;

export const ResultSet = z.object({
  columns: z.array(ResultColumn),
  rows: z.array(z.array(JsonValue)).describe('the first rows (RESULT_MAX_ROWS at most): the record keeps a preview'),
  rowCount: z.number().int().describe('rows the query returned, even when `rows` is truncated'),
  truncated: z.boolean().describe('`rows` holds fewer rows than the query returned'),
  stored: z
    .boolean()
    .optional()
    .describe(
      'every row is kept, to read page by page from GET /api/queries/{id}/result; false for a preview asked for (`preview`) of a result past RESULT_MAX_BYTES',
    ),
});
export type ResultSet = z.infer<typeof ResultSet>;

/** A page of a completed query's whole result (GET /api/queries/{id}/result). */
export const ResultPage = z.object({
  columns: z.array(ResultColumn),
  rows: z.array(z.array(JsonValue)),
  rowCount: z.number().int().describe('rows in the whole result'),
  nextCursor: z.string().nullable().describe('pass as ?cursor= for the next page; null at the end'),
});
export type ResultPage = z.infer<typeof ResultPage>;

export const Timings = z.object({
  totalMs: z.number(),
  planMs: z.number(),
  executeMs: z.number().describe('running the fragments (or the whole query, when sequential)'),
  combineMs: z.number(),
});
export type Timings = z.infer<typeof Timings>;

export const QueryRecord = z.object({
  sql: z.string(),
  status: z.enum(['completed', 'failed']),
  plan: PlanRecord.nullable(),
  result: ResultSet.nullable(),
  error: ErrorRecord.nullable(),
  timings: Timings,
});
export type QueryRecord = z.infer<typeof QueryRecord>;
