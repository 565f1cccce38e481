import { QueryRejectedError } from '../errors';
/** Pure planning with made-up catalog facts and probe types, for readable unit tests. */
import type { CatalogFacts, ProbeColumn } from '../facts';
import { parseQuery } from '../parse';
import { buildPlan, prepareSplit, type Plan, type PlanOptions } from '../plan';
import { renderCombine } from '../render';

export const EVENTS: CatalogFacts = {
  table: {
    schema: 'public',
    name: 'events',
    kind: 'table',
    pages: 3000,
    estimatedRows: 300_000,
    columns: Object.entries({
      id: 'bigint',
      country: 'text',
      device: 'text',
      user_id: 'integer',
      amount: 'numeric(12,2)',
      price: 'real',
      duration: 'double precision',
      is_bot: 'boolean',
      ts: 'timestamp with time zone',
    }).map(([name, type]) => ({ name, type })),
    primaryKey: ['id'],
  },
  functions: {
    random: { aggregate: false, window: false, volatile: true, returnsSet: false },
    percentile_cont: { aggregate: true, window: false, volatile: false, returnsSet: false },
  },
};

/**
 * Plans `sql` against EVENTS. `types` gives the probe's answer for each hidden column in order
 * (keys, DISTINCT arguments, aggregates); anything unlisted is `bigint`.
 */
export function planFor(
  sql: string,
  options: PlanOptions & { types?: string[]; collations?: (string | null)[]; facts?: CatalogFacts; keyBounds?: string[] } = {},
): Plan {
  const parsed = parseQuery(sql);
  const preparation = prepareSplit(parsed, options.facts ?? EVENTS, { partitions: 2, ...options });
  if (preparation.kind === 'as-written') return buildPlan(parsed, preparation, []);
  const { items, hidden } = preparation.shape;
  const probe: ProbeColumn[] = [
    ...items.map((_, i) => ({ name: `out${i}`, type: 'unknown', collation: null })),
    ...hidden.map((_, i) => ({ name: `__probe_${i}`, type: options.types?.[i] ?? 'bigint', collation: options.collations?.[i] ?? null })),
  ];
  return buildPlan(parsed, preparation, probe, options.keyBounds);
}

/** The combine SQL, with every partial column typed `T`. */
export function combineOf(plan: Plan): string {
  if (!plan.combine) throw new Error(`not split: ${plan.reason}`);
  return renderCombine(
    plan.combine,
    plan.combine.columns.map(() => 'T'),
  );
}

/** The QueryRejectedError `run` throws; fails the test if it throws nothing, or something else. */
export function rejectionBy(run: () => unknown, what: string): QueryRejectedError {
  try {
    run();
  } catch (error) {
    if (error instanceof QueryRejectedError) return error;
    throw error;
  }
  throw new Error(`accepted: ${what}`);
}
