/**
 * Plans a query against a live database: the planner's pure steps, with the round trips they
 * need in between (catalog facts, then a probe). PostgreSQL is the judge of the SQL:
 * - `EXPLAIN` of the user's text validates it and reports errors with positions;
 * - `EXPLAIN` of the planner's re-printed parse must equal it, which catches any query that
 *   node-sql-parser read differently from PostgreSQL; such a query runs as written.
 */
import {
  buildPlan,
  catalogRequest,
  parseQuery,
  prepareSplit,
  planAsWritten,
  type ParsedQuery,
  type Plan,
  type PlanOptions,
  type ProbeColumn,
  asWritten,
  parallelDivisor,
  type QueryEstimate,
  readsTransactionTime,
  expertRewrite,
  withRewrite,
  stillNear,
  type ExpertRewrite,
} from '@pgfan/planner';
import { isDeepStrictEqual } from 'node:util';
import type { Pool, PoolClient } from 'pg';
import { loadCatalogFacts } from './catalog';
import { queryUserSql } from './connection';
import { fromDatabaseError } from './errors';
import { enforcePolicy, OPEN_POLICY, type PolicyPlanNode, type QueryPolicy } from './policy';
import type { TypeNames } from './type-names';

export interface PlannedQuery {
  parsed: ParsedQuery;
  plan: Plan;
  /** For a split plan that a later run of the same text may reuse: how to check it still stands (`planStillStands`). */
  recheck?: PlanRecheck;
}

/**
 * What a split plan was made from, beyond the parse: PostgreSQL's reading of the query, its
 * estimate and the probe's columns. While the reading and the probe are as they were, the split
 * is the one planning afresh would make, and exact (every range is, whatever its bounds); while
 * the estimate is within a tenth of where it was, its fragments are still about even and as many
 * as the table's size called for.
 */
export interface PlanRecheck {
  /** EXPLAIN's plan of the user's text, estimates left out. */
  reading: string;
  /** EXPLAIN's total cost of the user's text: it grows with the table, statistics or not. */
  totalCost: number;
  probeSql: string;
  hiddenCount: number;
  probe: ProbeColumn[];
}

/** With costs, for the cost model; they are left out when two readings are compared. */
const EXPLAIN = 'EXPLAIN (VERBOSE, FORMAT JSON) ';

/**
 * Estimates move with concurrent writes (the planner scales row counts by the table's current
 * size); only the reading of the query matters when two plans are compared.
 */
const ESTIMATE_FIELDS = new Set(['Startup Cost', 'Total Cost', 'Plan Rows', 'Plan Width']);

interface PlanNode extends PolicyPlanNode {
  'Total Cost'?: number;
  'Plan Rows'?: number;
  'Workers Planned'?: number;
  Plans?: PlanNode[];
}

interface Explained {
  /** The plan without estimates, to compare readings. */
  reading: string;
  estimate: QueryEstimate;
  top: PlanNode;
}

/**
 * Nothing of the user's query runs before PostgreSQL's plan of it has passed `policy`.
 * @throws QueryRejectedError for SQL that is not one read-only SELECT, or that the policy refuses.
 * @throws QueryFailedError when PostgreSQL rejects the query (syntax, unknown names, …).
 */
export async function planOnDatabase(
  pool: Pool,
  sql: string,
  options: PlanOptions,
  typeNames: TypeNames,
  policy: QueryPolicy = OPEN_POLICY,
): Promise<PlannedQuery> {
  const parsed = parseQuery(sql);
  // The serial EXPLAIN runs beside the policy's check (EXPLAIN plans the query, it runs none of
  // it); a refusal is what the user hears, whatever else failed.
  const original = explain(pool, parsed.sql, true).then(async (explained) => {
    const [withSerial, allowed] = await Promise.allSettled([withSerialCost(pool, parsed.sql, explained), enforcePolicy(pool, explained.top, policy)]);
    if (allowed.status === 'rejected') throw allowed.reason;
    if (withSerial.status === 'rejected') throw withSerial.reason;
    return withSerial.value;
  });
  if (!parsed.query) {
    const preparation = asWritten(parsed.notSplittable ?? 'not split', { ...options, estimate: (await original).estimate });
    return { parsed, plan: planAsWritten(parsed, preparation.reason, preparation.prediction) };
  }
  const [explained, facts, startedAt] = await Promise.allSettled([
    original,
    loadCatalogFacts(pool, catalogRequest(parsed.query)),
    readsTransactionTime(parsed.query) ? transactionTime(pool) : Promise.resolve(undefined),
  ]);
  if (explained.status === 'rejected') throw explained.reason;
  if (facts.status === 'rejected') throw fromDatabaseError(facts.reason);
  if (startedAt.status === 'rejected') throw fromDatabaseError(startedAt.reason);

  const findRewrite = () => cheaperRewrite(pool, expertRewrite(parsed, facts.value), explained.value);
  // When the model chooses, before it does: run as written, the query runs as the rewrite, and
  // fragments must beat that. A requested count is the user's: the rewrite matters only if the
  // query then runs as written after all.
  const weighed = options.partitions === undefined ? await findRewrite() : null;
  const preparation = prepareSplit(parsed, facts.value, {
    ...options,
    estimate: explained.value.estimate,
    ...(weighed ? { rewrite: weighed.estimate } : {}),
    ...(startedAt.value === undefined ? {} : { transactionTime: startedAt.value }),
  });
  const rewrite = weighed ?? (preparation.kind === 'as-written' && options.partitions !== undefined ? await findRewrite() : null);
  /** The query in one piece: the rewrite, if there is one, else the user's text. */
  const whole = (reason: string) => {
    const plan = planAsWritten(parsed, reason, preparation.prediction);
    return { parsed, plan: rewrite ? withRewrite(plan, rewrite) : plan };
  };
  if (preparation.kind === 'as-written') return whole(preparation.reason);
  const { keyBounds } = preparation;
  const [reprinted, probe, bounds] = await Promise.allSettled([
    explain(pool, preparation.verifySql, false),
    runProbe(pool, preparation.probeSql, preparation.shape.hidden.length, typeNames),
    keyBounds
      ? pool.query({ text: keyBounds.sql, values: keyBounds.params, rowMode: 'array' }).then((r) => r.rows.map((row) => String(row[0])))
      : Promise.resolve([]),
  ]);
  if (
    reprinted.status === 'rejected' ||
    !(reprinted.value.reading === explained.value.reading || (await sameReading(pool, parsed.sql, preparation.verifySql)))
  ) {
    return whole('the planner reads this query differently from PostgreSQL, so it runs as written');
  }
  if (probe.status === 'rejected') {
    return whole(`PostgreSQL refused the planner's probe (${String((probe.reason as Error).message)}), so the query runs as written`);
  }
  if (bounds.status === 'rejected') throw fromDatabaseError(bounds.reason);
  const plan = buildPlan(parsed, preparation, probe.value, bounds.value);
  // A plan that reads the transaction's time pins it to this planning's: never reused.
  if (startedAt.value !== undefined || plan.mode !== 'fan-out') return { parsed, plan };
  const recheck = {
    reading: explained.value.reading,
    totalCost: explained.value.estimate.totalCost,
    probeSql: preparation.probeSql,
    hiddenCount: preparation.shape.hidden.length,
    probe: probe.value,
  };
  return { parsed, plan, recheck };
}

/**
 * Whether a split plan made earlier for the same text still stands: PostgreSQL reads the query
 * as it did (the same plan, estimates aside: the same tables, the same functions inlined the same
 * way, the same aggregates) and estimates it within a tenth of what it did (the table has not
 * grown or shrunk past that), the policy still allows that plan, and the probe's columns are what
 * they were (names, types, collations). One EXPLAIN and the probe, where planning takes the
 * catalog and two stages of EXPLAINs. False on any failure: planning afresh says what is wrong.
 */
export async function planStillStands(
  pool: Pool,
  sql: string,
  recheck: PlanRecheck,
  typeNames: TypeNames,
  policy: QueryPolicy = OPEN_POLICY,
): Promise<boolean> {
  try {
    const explained = await explain(pool, sql, true);
    if (explained.reading !== recheck.reading || !stillNear(recheck.totalCost, explained.estimate.totalCost)) return false;
    // Nothing of the query runs before its plan has passed the policy: the probe runs it.
    await enforcePolicy(pool, explained.top, policy);
    return isDeepStrictEqual(await runProbe(pool, recheck.probeSql, recheck.hiddenCount, typeNames), recheck.probe);
  } catch {
    return false;
  }
}

/**
 * The expert's rewrite with its estimate, when there is one, PostgreSQL reads the user's query as
 * the planner does (the rewrite is printed from that reading), and PostgreSQL estimates the
 * rewrite cheaper than the user's query — with, for text, the sort that estimate leaves out
 * (`ExpertRewrite.sortSql`). Otherwise null.
 */
async function cheaperRewrite(pool: Pool, rewrite: ExpertRewrite | null, original: Explained): Promise<(ExpertRewrite & { estimate: QueryEstimate }) | null> {
  if (!rewrite) return null;
  const [reprinted, rewritten, sorted] = await Promise.allSettled([
    explain(pool, rewrite.verifySql, false),
    explain(pool, rewrite.sql, false),
    rewrite.sortSql === null ? Promise.resolve(original) : explain(pool, rewrite.sortSql, false),
  ]);
  if (reprinted.status === 'rejected' || rewritten.status === 'rejected' || sorted.status === 'rejected') return null;
  if (reprinted.value.reading !== original.reading) return null;
  const bar = Math.max(original.estimate.totalCost, sorted.value.estimate.totalCost);
  return rewritten.value.estimate.totalCost < bar ? { ...rewrite, estimate: rewritten.value.estimate } : null;
}

/**
 * The database's own clock, as the start of the query's transaction: every fragment reads this one
 * instant for `now()` and its kin. Taken before the query's snapshot, as a transaction's start is.
 */
async function transactionTime(pool: Pool): Promise<string> {
  const result = await pool.query<{ t: string }>(`SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' AS t`);
  return (result.rows[0] as { t: string }).t;
}

/**
 * Second opinion after a mismatch: both EXPLAINs again, back to back on one connection, so a
 * plan that changed between the first two (a table growing past a threshold) is not mistaken
 * for a different reading.
 */
async function sameReading(pool: Pool, userSql: string, reprintedSql: string): Promise<boolean> {
  const client = await pool.connect();
  try {
    const original = await explain(client, userSql, true);
    return (await explain(client, reprintedSql, false)).reading === original.reading;
  } catch {
    return false;
  } finally {
    client.release();
  }
}

/** EXPLAIN's JSON plan of `sql`, which PostgreSQL plans but does not run. */
export async function explain(db: Pool | PoolClient, sql: string, isUserText: boolean, settings: Record<string, string> = {}): Promise<Explained> {
  let text: string;
  try {
    const result = await queryUserSql(db, EXPLAIN + sql, [], settings);
    text = String(result.rows[0]?.[0]);
  } catch (error) {
    throw fromDatabaseError(error, isUserText ? { sql, prefixLength: EXPLAIN.length } : undefined);
  }
  const top = (JSON.parse(text) as { Plan: PlanNode }[])[0]!.Plan;
  return {
    reading: JSON.stringify(JSON.parse(text, (key, value: unknown) => (ESTIMATE_FIELDS.has(key) ? undefined : value))),
    estimate: estimateOf(top),
    top,
  };
}

/**
 * The top node's cost, the rows its first table scan yields (what grouping and sorting consume)
 * and that scan's cost, and the parallel workers of its first Gather, if any.
 */
export function estimateOf(top: PlanNode): QueryEstimate {
  const first = <T>(node: PlanNode, pick: (n: PlanNode) => T | undefined): T | undefined =>
    pick(node) ?? (node.Plans ?? []).map((child) => first(child, pick)).find((found) => found !== undefined);
  const scan = first(top, (n) => (n['Relation Name'] !== undefined ? n : undefined));
  const parallelWorkers = first(top, (n) => n['Workers Planned']) ?? 0;
  return {
    totalCost: top['Total Cost'] ?? 0,
    scannedRows: scan?.['Plan Rows'] ?? top['Plan Rows'] ?? 0,
    ...(scan?.['Total Cost'] !== undefined ? { scanCost: scan['Total Cost'] } : {}),
    ...(parallelWorkers > 0 ? { parallelWorkers } : {}),
  };
}

/**
 * For a parallel plan, adds the cost of the query planned without parallel workers, which is
 * what fragments divide, and that plan's scanned rows. Serial plans (every small table's) skip it.
 */
async function withSerialCost(pool: Pool, sql: string, explained: Explained): Promise<Explained> {
  if (!explained.estimate.parallelWorkers) return explained;
  const serial = await explain(pool, sql, true, { max_parallel_workers_per_gather: '0' });
  const dividedCost = dividedCostOf(explained.top, serial.top);
  // A parallel scan's rows and cost are per participant; the serial plan's are the table's.
  const { scanCost } = serial.estimate;
  const estimate = {
    ...explained.estimate,
    serialCost: serial.estimate.totalCost,
    scannedRows: serial.estimate.scannedRows,
    ...(scanCost !== undefined ? { scanCost } : {}),
  };
  return { ...explained, estimate: dividedCost === undefined ? estimate : { ...estimate, dividedCost } };
}

/**
 * Per participant, the cost of the work a parallel plan's workers and leader divide: under each
 * Gather, less the page reads of its parallel scans, which PostgreSQL charges every participant
 * whole (`cost_seqscan` divides only the CPU). A scan's CPU is what it and its twin in the serial
 * plan differ by, × d ÷ (d − 1); its page reads are the rest of the twin's cost. Undefined when a
 * parallel scan has no twin (the serial plan reads that table another way).
 */
export function dividedCostOf(parallel: PlanNode, serial: PlanNode): number | undefined {
  const nodes = (top: PlanNode): PlanNode[] => [top, ...(top.Plans ?? []).flatMap(nodes)];
  const serialScans = nodes(serial).filter((n) => n['Relation Name'] !== undefined);
  const gathers = (node: PlanNode): PlanNode[] =>
    node['Node Type'] === 'Gather' || node['Node Type'] === 'Gather Merge' ? [node] : (node.Plans ?? []).flatMap(gathers);
  let divided = 0;
  for (const gather of gathers(parallel)) {
    const below = gather.Plans?.[0];
    const d = parallelDivisor(gather['Workers Planned'] ?? 0);
    if (!below || d <= 1) continue;
    let pageReads = 0;
    for (const scan of nodes(below).filter((n) => n['Parallel Aware'] === true && n['Relation Name'] !== undefined)) {
      const twin = serialScans.find((n) => n['Node Type'] === scan['Node Type'] && n['Relation Name'] === scan['Relation Name'] && n.Alias === scan.Alias);
      if (!twin) return undefined;
      const [whole, shared] = [twin['Total Cost'] ?? 0, scan['Total Cost'] ?? 0];
      pageReads += Math.max(0, whole - ((whole - shared) * d) / (d - 1));
    }
    divided += Math.max(0, (below['Total Cost'] ?? 0) - pageReads);
  }
  return divided;
}

/**
 * Runs the probe: its fields give the names and types of the outputs and hidden columns; its
 * one row ends with the hidden columns' collations.
 */
async function runProbe(pool: Pool, probeSql: string, hiddenCount: number, typeNames: TypeNames): Promise<ProbeColumn[]> {
  const result = await queryUserSql(pool, probeSql);
  const described = result.fields.slice(0, result.fields.length - hiddenCount);
  const hiddenStart = described.length - hiddenCount;
  const collations = result.rows[0]?.slice(described.length) ?? [];
  const types = await typeNames.of(pool, described);
  return described.map((field, i) => ({
    name: field.name,
    type: types[i] as string,
    collation: i >= hiddenStart ? parseCollation(collations[i - hiddenStart]) : null,
  }));
}

/** `"C"` → `C`; `"default"` (or no collation) → null. */
function parseCollation(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const unqualified = value.replace(/^pg_catalog\./, '');
  const name = /^"(.*)"$/.test(unqualified) ? unqualified.slice(1, -1).replace(/""/g, '"') : unqualified;
  return name === 'default' ? null : name;
}
