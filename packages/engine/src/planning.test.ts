/**
 * Planning against PostgreSQL's own plan: when it would run a query in parallel, the prediction
 * of running as written is of that plan, and fragments divide the serial plan's cost.
 */
import { DEFAULT_COST_MODEL } from '@pgfan/planner';
import type { Pool } from 'pg';
import { useQueryPool } from './__tests__/harness';
import { createQueryPool } from './connection';
import { dividedCostOf, estimateOf, planOnDatabase } from './planning';
import { transactionStatements } from './snapshots';

const t = useQueryPool('planning');
let parallelPool: Pool;

beforeAll(async () => {
  // New sessions on this database plan even the fixture's small tables in parallel.
  const name = new URL(t.db.url).pathname.slice(1);
  await t.db.exec(`
    ALTER DATABASE "${name}" SET parallel_setup_cost = 0;
    ALTER DATABASE "${name}" SET parallel_tuple_cost = 0;
    ALTER DATABASE "${name}" SET min_parallel_table_scan_size = 0;
    ALTER DATABASE "${name}" SET max_parallel_workers_per_gather = 2;
  `);
  parallelPool = createQueryPool({ connectionString: t.db.url, max: 2 });
});

afterAll(async () => {
  await parallelPool.end();
});

/** PostgreSQL's plan of `sql` without parallel workers. */
async function serialPlan(sql: string): Promise<Parameters<typeof estimateOf>[0]> {
  const client = await t.pool.connect();
  try {
    await client.query('BEGIN; SET LOCAL max_parallel_workers_per_gather = 0');
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (FORMAT JSON) ${sql}`);
    // The query pool reads every value as text.
    return (JSON.parse(rows[0]!['QUERY PLAN']) as { Plan: Parameters<typeof estimateOf>[0] }[])[0]!.Plan;
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

const model = { ...DEFAULT_COST_MODEL, databaseParallelism: 2 };

test("a query PostgreSQL plans in parallel is predicted as that plan, and the plan's setting does not outlive planning", async () => {
  const { plan } = await planOnDatabase(parallelPool, 'SELECT count(*) FROM events', { workers: 2, costModel: model }, t.typeNames);
  expect(plan.reason).toContain("as written (PostgreSQL's parallel plan, 2 workers)");
  // Two fragments on two full-speed sessions: each scans half of what the serial plan costs.
  const forced = await planOnDatabase(parallelPool, 'SELECT count(*) FROM events', { workers: 2, partitions: 2, costModel: model }, t.typeNames);
  const { fanOutMs, fanOutFixedMs } = forced.plan.prediction!;
  const serialCost = estimateOf(await serialPlan('SELECT count(*) FROM events')).totalCost;
  expect(fanOutMs! - fanOutFixedMs!).toBeCloseTo((model.msPerCost * serialCost * model.fragmentScanFactor) / 2, 6);
  // Both sessions, the one that planned serially among them, still plan in parallel.
  const [a, b] = await Promise.all(
    [0, 1].map(async () => {
      const client = await parallelPool.connect();
      try {
        return (await client.query<{ max_parallel_workers_per_gather: string }>('SHOW max_parallel_workers_per_gather')).rows[0]!
          .max_parallel_workers_per_gather;
      } finally {
        client.release();
      }
    }),
  );
  expect([a, b]).toEqual(['2', '2']);
});

test('a serial plan needs no second EXPLAIN: no parallel workers, no serial cost', async () => {
  const estimate = estimateOf(await serialPlan('SELECT count(*) FROM events'));
  expect(estimate.parallelWorkers).toBeUndefined();
  expect(estimate.serialCost).toBeUndefined();
  expect(estimate.totalCost).toBeGreaterThan(0);
  // The scan's own cost, which a fragment split by a column's values reads whole.
  expect(estimate.scanCost).toBeGreaterThan(0);
  expect(estimate.scanCost).toBeLessThan(estimate.totalCost);
});

test("the first Gather gives the workers, the first table scan the rows (per participant in a parallel plan, which planning replaces with the serial plan's)", () => {
  const estimate = estimateOf({
    'Node Type': 'Finalize Aggregate',
    'Total Cost': 157_619,
    'Plan Rows': 1,
    Plans: [
      {
        'Node Type': 'Gather',
        'Workers Planned': 2,
        'Plan Rows': 2,
        Plans: [
          {
            'Node Type': 'Partial Aggregate',
            'Plan Rows': 1,
            Plans: [{ 'Node Type': 'Parallel Seq Scan', 'Relation Name': 'events', 'Plan Rows': 4_166_667 }],
          },
        ],
      },
    ],
  });
  expect(estimate).toEqual({ totalCost: 157_619, scannedRows: 4_166_667, parallelWorkers: 2 });
});

test("the work a parallel plan divides: what is under its Gather, less its scans' page reads, which each participant is charged whole", () => {
  // EXPLAIN (FORMAT JSON) of a high-cardinality GROUP BY on 1M rows, in parallel and serially (costs as PostgreSQL gave them).
  const scan = (cost: number, parallel: boolean) => ({
    'Node Type': 'Seq Scan',
    'Parallel Aware': parallel,
    'Relation Name': 'bench_events_1m',
    Alias: 'bench_events_1m',
    'Total Cost': cost,
  });
  const parallel = {
    'Node Type': 'Limit',
    'Total Cost': 78_314.39,
    Plans: [
      {
        'Node Type': 'Gather Merge',
        'Workers Planned': 2,
        'Total Cost': 74_242.11,
        Plans: [
          { 'Node Type': 'Sort', 'Total Cost': 50_649.29, Plans: [{ 'Node Type': 'Aggregate', 'Total Cost': 42_292.08, Plans: [scan(14_620.67, true)] }] },
        ],
      },
    ],
  };
  const serial = { 'Node Type': 'Limit', 'Total Cost': 87_610.1, Plans: [{ 'Node Type': 'Aggregate', 'Total Cost': 85_495.18, Plans: [scan(20_454, false)] }] };
  // The scan's CPU, 10,000, is what the two scans differ by × 2.4 ÷ 1.4; its page reads the other 10,454.
  expect(dividedCostOf(parallel, serial)).toBeCloseTo(50_649.29 - 10_454, 0);
  // Read another way serially (an index), the scan has no twin: the cost model infers the divided work instead.
  const indexed = { ...serial, Plans: [{ ...serial.Plans[0]!, Plans: [{ ...scan(30_000, false), 'Node Type': 'Index Scan' }] }] };
  expect(dividedCostOf(parallel, indexed)).toBeUndefined();
});

test('a query the model runs serially gets no parallel workers, where PostgreSQL would plan some', async () => {
  const { plan } = await planOnDatabase(
    parallelPool,
    'SELECT count(*) FROM events',
    { workers: 2, costModel: { ...model, parallelStartMs: 1_000 } },
    t.typeNames,
  );
  expect(plan.prediction?.serialPlan).toBe(true);
  expect(plan.reason).toContain('as written without parallel workers (they take 1000 ms to start)');
  const client = await parallelPool.connect();
  try {
    await client.query(transactionStatements({ snapshot: null, statementTimeoutMs: 10_000, applicationName: 'planning-test', serialPlan: true }).join('; '));
    const { rows } = await client.query<{ 'QUERY PLAN': string }>('EXPLAIN SELECT count(*) FROM events');
    expect(rows.map((r) => r['QUERY PLAN']).join('\n')).not.toContain('Gather');
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
});
