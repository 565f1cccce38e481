import { renderMarkdown, renderSvg } from './report';
import { judgeTargets, type BenchResults, type Cell } from './results';
import { sameRows } from './runners';

const summary = (median: number) => ({ n: 5, median, p95: median * 1.2, min: median * 0.9 });
const cell = (table: string, rows: number, query: string, mode: string, median: number, extra: Partial<Cell> = {}): Cell => ({
  table,
  rows,
  query,
  mode,
  summary: summary(median),
  ...extra,
});

const results: BenchResults = {
  startedAt: '2026-11-24T12:00:00.000Z',
  finishedAt: '2026-11-24T12:10:00.000Z',
  quick: false,
  commit: 'abc1234',
  machine: { cpus: 2, cpuModel: 'Test CPU', memoryGiB: 24, node: '20.0.0', postgres: 'PostgreSQL 15.0', parallelWorkersDefault: 2 },
  workers: { atStart: 2, atEnd: 2 },
  rounds: 5,
  modes: ['direct-serial', 'direct-parallel', 'pgfan-auto', 'pgfan-2'],
  cells: [
    cell('t10m', 10_000_000, 'count', 'direct-serial', 400),
    cell('t10m', 10_000_000, 'count', 'direct-parallel', 300),
    cell('t10m', 10_000_000, 'count', 'pgfan-auto', 200, { partitions: [2] }),
    cell('t10m', 10_000_000, 'count', 'pgfan-2', 210, { partitions: [2] }),
    cell('t10m', 10_000_000, 'count-distinct', 'direct-serial', 3000),
    cell('t10m', 10_000_000, 'count-distinct', 'direct-parallel', 3000),
    cell('t10m', 10_000_000, 'count-distinct', 'pgfan-auto', 1500),
    cell('t10m', 10_000_000, 'count-distinct', 'pgfan-2', 1600, { mismatch: true }),
  ],
  overhead: { table: 'tiny', direct: summary(0.2), pgfan: summary(4.2), partitions: 4, overheadMs: 4 },
  throughput: {
    sql: 'SELECT count(*) FROM t100k',
    runs: [
      { users: 1, seconds: 10, completed: 1000, errors: 0, perSecond: 100, p50: 8, p99: 12 },
      { users: 20, seconds: 10, completed: 3000, errors: 0, perSecond: 300, p50: 60, p99: 90 },
    ],
    direct: [{ users: 20, seconds: 10, completed: 5000, errors: 0, perSecond: 500, p50: 38, p99: 45 }],
  },
};

test('targets are judged from the measurements, and what was not measured says so', () => {
  expect(judgeTargets(results).map((t) => [t.name, t.measured, t.met])).toEqual([
    ['headline query, end to end', 'p50 8.0 ms', true],
    ['dispatch overhead, 4 forced fragments', 'p50 4.0 ms, p95 4.8 ms', true],
    ['scan-bound queries, 10M rows, auto vs direct serial', 'count 2.00×, sum-filter –, q1-groupby –', false],
    ['COUNT(DISTINCT), 10M rows, auto vs the faster direct mode', '2.00×', true],
    ['auto mode vs the faster direct mode, every query and table', 'worst: count on t10m, 1.50×', true],
    ["ClickBench's 43 queries: auto's total vs PostgreSQL's with its parallel query", '–', null],
    ["spread over 2 replicas vs PostgreSQL's best on one: scan-bound and GROUP BY", '–', null],
    ["spread over 2 replicas vs PostgreSQL's best on one (plain or rewritten): COUNT(DISTINCT)", '–', null],
    ['headline query at 20 concurrent clients, through REST', "300/s against PostgreSQL's 500/s (0.60×), 0 errors", false],
    ['headline query at 20 concurrent clients, through the PostgreSQL port', '–', null],
  ]);
});

test("throughput is judged against PostgreSQL's own in the same run, on each path; an error fails it", () => {
  const withPort = (port: { perSecond: number; errors: number }) =>
    judgeTargets({ ...results, protocol: { runs: [{ users: 20, seconds: 10, completed: 4500, p50: 40, p99: 60, ...port }] } }).find((t) =>
      t.name.endsWith('through the PostgreSQL port'),
    );
  expect(withPort({ perSecond: 450, errors: 0 })).toMatchObject({ measured: "450/s against PostgreSQL's 500/s (0.90×), 0 errors", met: true });
  expect(withPort({ perSecond: 450, errors: 1 })?.met).toBe(false);
  expect(withPort({ perSecond: 390, errors: 0 })?.met).toBe(false);
  const slowOverhead = { ...results.overhead, pgfan: { n: 5, median: 8, p95: 30, min: 7 }, overheadMs: 7.8 };
  expect(judgeTargets({ ...results, overhead: slowOverhead }).find((t) => t.name.startsWith('dispatch'))).toMatchObject({
    measured: 'p50 7.8 ms, p95 29.8 ms',
    met: false,
  });
});

test("the expert's rewrite is a direct mode: when it is the fastest, it is the bar auto is judged against", () => {
  const rewritten = {
    ...results,
    modes: [...results.modes, 'direct-rewritten'],
    cells: [...results.cells, cell('t10m', 10_000_000, 'count-distinct', 'direct-rewritten', 1000)],
  };
  expect(judgeTargets(rewritten).find((t) => t.name.startsWith('COUNT(DISTINCT)'))).toMatchObject({ measured: '0.67×', met: false });
  expect(renderMarkdown(rewritten)).toMatch(/\| count-distinct \|.*\| 0\.67× \|$/m);
});

test('the overhead after a pause is its own target, judged alike; older results without it judge only the warm one', () => {
  const afterPause = { seconds: 60, direct: { n: 3, median: 5, p95: 6, min: 4 }, pgfan: { n: 3, median: 40, p95: 50, min: 35 }, overheadMs: 35, workers: 1 };
  const paused = { ...results, overhead: { ...results.overhead, workers: 2, afterPause } };
  expect(
    judgeTargets(paused)
      .filter((t) => t.name.startsWith('dispatch'))
      .map((t) => [t.name, t.measured, t.met]),
  ).toEqual([
    ['dispatch overhead, 4 forced fragments', 'p50 4.0 ms, p95 4.8 ms', true],
    ['dispatch overhead, 4 forced fragments, after 60 s idle', 'p50 35.0 ms, p95 44.0 ms (of 3)', false],
  ]);
  const markdown = renderMarkdown(paused);
  expect(markdown).toContain('**4.00 ms** of overhead at the median, with 2 workers live.');
  expect(markdown).toContain('pgfan p50 40 ms (p95 50 ms), direct p50 5.00 ms (p95 6.00 ms): **35 ms** of overhead at the median, with 1 worker live.');
});

test('the Markdown has the targets, a row per query with medians, p95s and ratios, and flags wrong answers', () => {
  const markdown = renderMarkdown(results);
  expect(markdown).toContain('| dispatch overhead, 4 forced fragments | p50 ≤ 10 ms, p95 ≤ 25 ms | p50 4.0 ms, p95 4.8 ms | yes |');
  expect(markdown).toContain(
    "| headline query at 20 concurrent clients, through REST | ≥ 0.8× PostgreSQL's own rate in the same run, no errors | 300/s against PostgreSQL's 500/s (0.60×), 0 errors | **no** |",
  );
  expect(markdown).toContain('## 10M rows (`t10m`)');
  expect(markdown).toContain('| count | 400 ms (480 ms) | 300 ms (360 ms) 1.33× | **200 ms (240 ms) 2.00×** | 210 ms (252 ms) 1.90× | 1.50× |');
  expect(markdown).toContain('1.60 s (1.92 s) 1.88× ⚠ differs');
  expect(markdown).toContain('| 20 | 300 | 60 ms | 90 ms | 0 | 500 | 38 ms | 45 ms |');
  expect(markdown).toContain('| 1 | 100 | 8.00 ms | 12 ms | 0 | – | – | – |');
});

test("ClickBench: auto's total against PostgreSQL's, met only when no answer differs; a row per query", () => {
  const query = (number: number, direct: number, pgfan: number, extra: { partitions?: number[]; mismatch?: boolean } = {}) => ({
    number,
    direct: summary(direct),
    pgfan: summary(pgfan),
    partitions: [1],
    ...extra,
  });
  const clickbench = {
    table: 'hits',
    rows: 1_000_000,
    rounds: 5,
    cells: [query(0, 200, 150, { partitions: [2] }), query(1, 300, 310)],
    total: { direct: 500, pgfan: 460 },
  };
  const target = (c: typeof clickbench) => judgeTargets({ ...results, clickbench: c }).find((t) => t.name.startsWith('ClickBench'));
  expect(target(clickbench)).toMatchObject({ name: expect.stringContaining('1,000,000 rows'), measured: '0.92× (460.0 ms vs 500.0 ms)', met: true });
  expect(target({ ...clickbench, total: { direct: 500, pgfan: 510 } })?.met).toBe(false);
  expect(target({ ...clickbench, cells: [query(0, 200, 150, { mismatch: true })] })?.met).toBe(false);
  const markdown = renderMarkdown({ ...results, clickbench });
  expect(markdown).toContain('which fanned out 1 of them');
  expect(markdown).toContain('| Q0 | 200 ms | 150 ms | 2 | 0.75× |');
  expect(markdown).toContain('| **total** | **500 ms** | **460 ms** | | **0.92×** |');
});

test('the header says what the cost model knew of the database, or that it knew nothing', () => {
  const measured = renderMarkdown({ ...results, measured: { databaseParallelism: 1.96, parallelStartMs: 21.1 } });
  expect(measured).toContain("The cost model's measurement of the database: 2.0 sessions at full speed, parallel workers starting in 21 ms.");
  const timed = renderMarkdown({ ...results, measured: { databaseParallelism: 1.96, msPerCost: 0.00225, parallelStartMs: 21.1 } });
  expect(timed).toContain(
    "The cost model's measurement of the database: 2.0 sessions at full speed, 2.25 µs per unit of PostgreSQL's estimate, parallel workers starting in 21 ms.",
  );
  const unconfirmed = renderMarkdown({ ...results, measured: { databaseParallelism: 1.5, parallelStartMs: 5.8, confirmed: false } });
  expect(unconfirmed).toContain('1.5 sessions at full speed, parallel workers starting in 6 ms (a measurement not yet confirmed by a second one');
  expect(renderMarkdown({ ...results, measured: { databaseParallelism: 2, parallelStartMs: 3.4, confirmed: true } })).not.toMatch(/not yet confirmed/);
  const unmeasured = renderMarkdown({ ...results, measured: { databaseParallelism: null, parallelStartMs: null } });
  expect(unmeasured).toContain("The cost model had no measurement of the database: auto took PostgreSQL's plans as they came");
  // Results written before the field: no line.
  expect(renderMarkdown(results)).not.toMatch(/cost model/);
});

test('the chart is an SVG with a bar per query and mode', () => {
  const svg = renderSvg(results);
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg.trim().endsWith('</svg>')).toBe(true);
  expect(svg.match(/<rect x=[^>]*><title>/g)).toHaveLength(2 * 3);
  expect(svg).toContain('<title>count, pgfan-auto: 2.00×</title>');
});

test('answers compare cell by cell, numbers within 1e-9 relative', () => {
  expect(sameRows([['1', 'a', null]], [['1', 'a', null]])).toBe(true);
  expect(sameRows([['0.30000000000000004']], [['0.3']])).toBe(true);
  expect(sameRows([['1']], [['2']])).toBe(false);
  expect(sameRows([['1']], [['1'], ['1']])).toBe(false);
  expect(sameRows([[null]], [['0']])).toBe(false);
  expect(sameRows([['1000000000000']], [['1000000000001']])).toBe(false);
  expect(sameRows([['3']], [['3.0000000000000004']])).toBe(true);
});
