/**
 * The benchmark's scale-out section end to end, scaled down: a primary with two streaming
 * replicas started for this file, the system reading from them, every scale-out query in every
 * mode, PostgreSQL's answers through the spread, and the section in the report.
 */
import { startPrivateCluster, startSystem, type PrivateCluster, type System } from '@pgfan/testing';
import { benchPlan } from './bench';
import { renderMarkdown } from './bench/report';
import type { BenchResults } from './bench/results';
import { runScaleOut, scaleOutSpeedups, type DatabaseServer } from './bench/scale-out';
import { seedDemo } from './seed';

let cluster: PrivateCluster;
let system: System;
const TABLE = { table: 'bench_events_small', rows: 3000 };

beforeAll(async () => {
  cluster = await startPrivateCluster(2);
  system = await startSystem({ label: 'bench_scale_out', workers: 1, adminUrl: cluster.primary.adminUrl, replicas: cluster.replicas.map((r) => r.adminUrl) });
  await seedDemo(system.db.url, TABLE.rows, { table: TABLE.table, ifDifferentSize: true });
}, 120_000);

afterAll(async () => {
  await system?.stop();
  await cluster?.stop();
});

test('spread over two replicas against the best on one: every answer PostgreSQL’s, the cut measured, the section reported', async () => {
  const { body } = await system.request<{ servers: DatabaseServer[] }>('GET', '/api/health');
  const logged: string[] = [];
  const results = await runScaleOut(system.db.url, system.client, body.servers, TABLE, 1, (line) => logged.push(line));
  if (!results) throw new Error('no scale-out section');
  expect(results.servers.map((s) => s.name)).toEqual(body.servers.filter((s) => s.role === 'replica').map((s) => s.name));
  expect([...new Set(results.cells.map((c) => c.query))]).toEqual(['count', 'sum-filter', 'q1-groupby', 'count-distinct']);
  expect(results.cells.filter((c) => c.query === 'count-distinct').map((c) => c.mode)).toEqual([
    'one-serial',
    'one-parallel',
    'one-rewritten',
    'spread-2×2',
    'spread-2×4',
  ]);
  expect(results.cells.filter((c) => c.mismatch)).toEqual([]);
  for (const cell of results.cells.filter((c) => c.mode.startsWith('spread-'))) expect(cell).toMatchObject({ cutMs: expect.any(Number), fellBack: 0 });
  expect(scaleOutSpeedups(results).map((s) => s.query)).toEqual(['count', 'sum-filter', 'q1-groupby', 'count-distinct']);
  // Spread queries sent at once: each took a cut it made or one another made; none fell back.
  const g = results.groupCommit!;
  expect(g).toMatchObject({ queries: 8, fellBack: 0 });
  expect(g.cuts).toBeGreaterThanOrEqual(1);
  expect(g.cuts).toBeLessThanOrEqual(8);
  expect(g.perQueryMs).toBeGreaterThan(0);
  expect(logged).toHaveLength(5);
  // Measured, not judged: the report says what it found, with no threshold in the test.
  const report = renderMarkdown({ ...emptyResults(), scaleOut: results });
  expect(report).toContain('## Scale-out');
  expect(report).toMatch(/\| count-distinct \| .* \| \d+\.\d\d× \|/);
  expect(report).toMatch(/8 spread `count` queries sent at once took \d cut\(s\) .*: \*\*[\d.]+ ms of cut per query\*\*/);
}, 120_000);

test('without two replicas there is no section, and the bench says why', async () => {
  const logged: string[] = [];
  expect(await runScaleOut(system.db.url, system.client, [{ name: 'p:5432', role: 'primary' }], TABLE, 1, (line) => logged.push(line))).toBeNull();
  expect(logged).toEqual(['scale-out: not measured (the system reads from 0 streaming replica(s), not 2; REPLICAS=2 npm start has them)']);
});

/** A run with nothing measured but the scale-out section, for the report. */
function emptyResults(): BenchResults {
  const none = { n: 0, median: NaN, p95: NaN, min: NaN };
  return {
    startedAt: '',
    finishedAt: '',
    quick: true,
    commit: null,
    machine: { cpus: 2, cpuModel: 'test', memoryGiB: 1, node: process.versions.node, postgres: 'PostgreSQL', parallelWorkersDefault: 2 },
    workers: { atStart: 1, atEnd: 1 },
    rounds: benchPlan(true, 1).rounds,
    modes: [],
    cells: [],
    overhead: { table: 'tiny', direct: none, pgfan: none, partitions: 4, overheadMs: NaN },
    throughput: { sql: '', runs: [], direct: [] },
  };
}
