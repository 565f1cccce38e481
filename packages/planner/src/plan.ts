/**
 * The planner's public pipeline. Planning needs two round trips to the database, which the
 * caller (the engine) makes between these pure steps:
 *
 *   parseQuery(sql)                       → ParsedQuery          (no I/O)
 *   catalogRequest(parsed.query)          → what to read from the catalog
 *   prepareSplit(parsed, facts, options)  → Preparation: sequential, or a probe to run
 *   buildPlan(parsed, preparation, probe) → Plan: fragments and the combine template
 *   renderCombine(plan.combine, types)    → the combine SQL, once fragments report their types
 */
import { NotSplittable } from './convert';
import { decompose, type CombineTemplate } from './decompose';
import type { CatalogFacts, ProbeColumn } from './facts';
import type { ParsedQuery } from './parse';
import { choosePartitions, pageRanges, type PageRange, type PartitionPolicy } from './partition';
import { printSelect } from './print';
import { renderFragment } from './render';
import { shapeQuery, type Shape } from './shape';

export interface PlanOptions {
  /** Exact number of fragments (1–64). Omit to choose from table size and workers. */
  partitions?: number;
  /** Fragments that can run at once; used only when `partitions` is omitted. @defaultValue 1 */
  workers?: number;
  policy?: PartitionPolicy;
}

export interface FragmentPlan {
  index: number;
  sql: string;
  params: (string | null)[];
  /** Pages this fragment reads; null when it reads the whole table (or runs the query as written). */
  range: PageRange | null;
}

export interface Plan {
  mode: 'parallel' | 'sequential';
  /** Why this mode, for people: the partitioning chosen, or what prevents splitting. */
  reason: string;
  partitions: number;
  strategy: 'page-range' | 'none';
  /** `schema.table` split, when there is one. */
  table: string | null;
  fragments: FragmentPlan[];
  /** How to combine partial rows; null in sequential mode. */
  combine: CombineTemplate | null;
}

export type Preparation =
  | { kind: 'sequential'; reason: string }
  | {
      kind: 'split';
      shape: Shape;
      partitions: number;
      reason: string;
      /** The parsed query printed back, for checking it means what the user wrote. */
      verifySql: string;
      probeSql: string;
    };

/**
 * Decides whether to split, before any probe runs.
 * @example prepareSplit(parseQuery('SELECT count(*) FROM t'), facts, { partitions: 4 })
 */
export function prepareSplit(parsed: ParsedQuery, facts: CatalogFacts, options: PlanOptions = {}): Preparation {
  if (!parsed.query) return { kind: 'sequential', reason: parsed.notSplittable ?? 'not split' };
  const choice = choosePartitions(facts.table.pages, options.partitions, options.workers ?? 1, options.policy);
  if (choice.count === null) return { kind: 'sequential', reason: choice.reason };
  try {
    const shape = shapeQuery(parsed.query, facts);
    return { kind: 'split', shape, partitions: choice.count, reason: choice.reason, verifySql: printSelect(parsed.query), probeSql: shape.probeSql };
  } catch (error) {
    if (error instanceof NotSplittable) return { kind: 'sequential', reason: error.message };
    throw error;
  }
}

/** A plan that runs the query as written, in one piece. */
export function sequentialPlan(parsed: Pick<ParsedQuery, 'sql'>, reason: string): Plan {
  return {
    mode: 'sequential',
    reason,
    partitions: 1,
    strategy: 'none',
    table: null,
    fragments: [{ index: 0, sql: parsed.sql, params: [], range: null }],
    combine: null,
  };
}

/**
 * Builds the parallel plan from a split preparation and its probe result; falls back to a
 * sequential plan if the probe shows the split cannot be exact.
 */
export function buildPlan(parsed: ParsedQuery, preparation: Preparation, probe: ProbeColumn[]): Plan {
  if (preparation.kind === 'sequential') return sequentialPlan(parsed, preparation.reason);
  const { shape, partitions } = preparation;
  let decomposition;
  try {
    decomposition = decompose(shape, probe);
  } catch (error) {
    if (error instanceof NotSplittable) return sequentialPlan(parsed, error.message);
    throw error;
  }
  const { table: facts } = shape.facts;
  const table = { schema: facts.schema, name: facts.name, alias: shape.query.from.alias };
  // One fragment reads the table with a plain sequential scan; ranges only when there are several.
  const ranges: (PageRange | null)[] = partitions === 1 ? [null] : pageRanges(facts.pages, partitions);
  const fragments = ranges.map((range, index) => ({ index, range, ...renderFragment(decomposition.fragment, table, shape.query.where, range) }));
  return {
    mode: 'parallel',
    reason: preparation.reason,
    partitions,
    strategy: partitions === 1 ? 'none' : 'page-range',
    table: `${facts.schema}.${facts.name}`,
    fragments,
    combine: decomposition.combine,
  };
}
