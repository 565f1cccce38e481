/**
 * What a query may touch, judged on PostgreSQL's own plan of it (EXPLAIN VERBOSE) before any of
 * it runs: the plan shows the tables really read (through views, as partitions) and the calls
 * views and inlined SQL functions make, which the query's text does not show.
 */
import { forbiddenCallInExpression, isForbiddenFunction, QueryRejectedError } from '@pgfan/planner';
import type { Queryable } from './connection';

/** `schema.table`, or `schema.*` for every table in a schema; names as PostgreSQL stores them. */
export interface RelationPattern {
  schema: string;
  table: string | '*';
}

export interface QueryPolicy {
  /** Tables queries may read; null allows every table the database role can read. */
  allowedRelations: RelationPattern[] | null;
}

export const OPEN_POLICY: QueryPolicy = { allowedRelations: null };

/**
 * Parses an allow-list such as `public.*, sales.orders`. Unquoted names fold to lower case, as
 * in SQL; `"Sales".orders` keeps its case.
 * @throws Error naming the entry it cannot read.
 */
export function parseAllowList(text: string): RelationPattern[] {
  const part = String.raw`(?:"((?:[^"]|"")+)"|([A-Za-z_][\w$]*)|(\*))`;
  const entry = new RegExp(String.raw`^${part}\.${part}$`);
  const name = (quoted: string | undefined, bare: string | undefined) => (quoted !== undefined ? quoted.replace(/""/g, '"') : (bare ?? '').toLowerCase());
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const m = entry.exec(s);
      if (!m || m[3] !== undefined) throw new Error(`"${s}" is not schema.table or schema.*`);
      return { schema: name(m[1], m[2]), table: m[6] !== undefined ? '*' : name(m[4], m[5]) };
    });
}

function allows(patterns: readonly RelationPattern[], schema: string, table: string): boolean {
  return patterns.some((p) => p.schema === schema && (p.table === '*' || p.table === table));
}

/** A node of EXPLAIN (FORMAT JSON)'s plan, as far as the policy reads it. */
export interface PolicyPlanNode {
  'Relation Name'?: string;
  'Function Name'?: string;
  Schema?: string;
  Plans?: PolicyPlanNode[];
  [field: string]: unknown;
}

export interface PlanReads {
  relations: { schema: string; table: string }[];
  /** The first forbidden function the plan calls, if any. */
  forbiddenCall: string | null;
}

/** Tables a plan scans, and whether any of its expressions calls a forbidden function. */
export function readsOf(top: PolicyPlanNode): PlanReads {
  const relations = new Map<string, { schema: string; table: string }>();
  let forbiddenCall: string | null = null;
  const visitValue = (value: unknown): void => {
    if (forbiddenCall !== null) return;
    if (typeof value === 'string') forbiddenCall = forbiddenCallInExpression(value);
    else if (Array.isArray(value)) value.forEach(visitValue);
  };
  const visit = (node: PolicyPlanNode): void => {
    const table = node['Relation Name'];
    if (table !== undefined && node.Schema !== undefined) relations.set(JSON.stringify([node.Schema, table]), { schema: node.Schema, table });
    const fn = node['Function Name'];
    if (fn !== undefined && forbiddenCall === null && isForbiddenFunction(fn)) forbiddenCall = fn;
    for (const [key, value] of Object.entries(node)) if (key !== 'Plans') visitValue(value);
    node.Plans?.forEach(visit);
  };
  visit(top);
  return { relations: [...relations.values()], forbiddenCall };
}

/** A partition counts as its partitioned table: the allow-list names what users query. */
async function partitionRoots(db: Queryable, relations: { schema: string; table: string }[]): Promise<{ schema: string; table: string }[]> {
  const result = await db.query({
    text: `SELECT n.nspname, c.relname
             FROM unnest($1::text[], $2::text[]) AS r(schema, name)
             CROSS JOIN LATERAL (SELECT coalesce(pg_partition_root(format('%I.%I', r.schema, r.name)::regclass), format('%I.%I', r.schema, r.name)::regclass) AS root) p
             JOIN pg_class c ON c.oid = p.root
             JOIN pg_namespace n ON n.oid = c.relnamespace`,
    values: [relations.map((r) => r.schema), relations.map((r) => r.table)],
    rowMode: 'array',
  });
  return result.rows.map(([schema, table]) => ({ schema: String(schema), table: String(table) }));
}

/**
 * @throws QueryRejectedError `FORBIDDEN_FUNCTION` when the plan calls a forbidden function, or
 *   `FORBIDDEN_RELATION` when it reads a table outside the allow-list.
 */
export async function enforcePolicy(db: Queryable, top: PolicyPlanNode, policy: QueryPolicy): Promise<void> {
  const reads = readsOf(top);
  if (reads.forbiddenCall !== null) {
    throw new QueryRejectedError(
      'FORBIDDEN_FUNCTION',
      `${reads.forbiddenCall}() is not accepted, and a view or function this query uses calls it: functions that sleep, signal or lock, read the server's files, change settings or sequences, or run SQL given as text cannot be called through pgfan`,
    );
  }
  const allowed = policy.allowedRelations;
  if (allowed === null) return;
  const outside = reads.relations.filter((r) => !allows(allowed, r.schema, r.table));
  if (outside.length === 0) return;
  const stillOutside = (await partitionRoots(db, outside)).filter((r) => !allows(allowed, r.schema, r.table));
  const first = stillOutside[0];
  if (first === undefined) return;
  throw new QueryRejectedError(
    'FORBIDDEN_RELATION',
    `the query reads ${first.schema}.${first.table}, which is not among the tables queries may read here (ALLOWED_RELATIONS)`,
  );
}
