/** `npm run bench` end to end, scaled down: against the real running system, every mode, every query. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgfanClient } from '@pgfan/client';
import { startSystem, type System } from '@pgfan/testing';
import { benchPlan, runBench, writeResults } from './bench';
import { clickBenchQueries, HITS, sameAnswer } from './bench/clickbench';
import { BENCH_QUERIES } from './bench/queries';
import { directRunner, pgfanRunner, restLoad } from './bench/runners';
import { seedTable } from './seed';

let system: System;

beforeAll(async () => {
  system = await startSystem({ label: 'bench', workers: 1 });
}, 90_000);
afterAll(() => system?.stop());

test('the quick and full plans: tables, rounds and clients the issue asks for', () => {
  expect(benchPlan(true).tables.map((t) => t.rows)).toEqual([100_000, 1_000_000]);
  expect(benchPlan(false).tables.map((t) => t.rows)).toEqual([100_000, 1_000_000, 10_000_000]);
  expect(benchPlan(false).throughputUsers).toEqual([1, 20, 100]);
  expect(benchPlan(true, 5).rounds).toBe(5);
  expect(benchPlan(true).clickbench).toEqual({ table: 'bench_hits_1m', rows: 1_000_000 });
  // What users meet first: the system idle a minute (the words), a sample or three a side.
  expect([benchPlan(true).afterPause, benchPlan(false).afterPause]).toEqual([
    { seconds: 60, rounds: 1 },
    { seconds: 60, rounds: 3 },
  ]);
});

test("measures every query in every mode, gets PostgreSQL's answers through pgfan, and writes JSON, Markdown and SVG", async () => {
  const plan = {
    ...benchPlan(true, 1),
    tables: [{ table: 'bench_events_small', rows: 3000 }],
    overheadRounds: 2,
    afterPause: { seconds: 1, rounds: 1 },
    throughputUsers: [1, 2],
    throughputSeconds: 1,
    clickbench: { table: 'bench_hits_small', rows: 3000 },
    // The system's API measured the database seconds ago: its confirmation comes minutes later.
    confirmationWaitMs: 0,
  };
  const [pgHost, pgPort] = (system.pgAddress ?? '').split(':');
  const results = await runBench(system.db.url, system.client, plan, { pgUrl: `postgresql://bench@${pgHost}:${pgPort}/${system.db.name}` });
  expect(results.modes).toEqual(
    expect.arrayContaining(['direct-serial', 'direct-parallel', 'direct-rewritten', 'pgfan-auto', 'pgfan-2', 'pgfan-4', 'pgfan-8']),
  );
  // Every query in every mode, and the expert's rewrite for the one query that has one.
  expect(results.cells).toHaveLength(BENCH_QUERIES.length * (results.modes.length - 1) + 1);
  expect(results.cells.filter((c) => c.mode === 'direct-rewritten').map((c) => c.query)).toEqual(['count-distinct']);
  expect(results.cells.filter((c) => c.mismatch)).toEqual([]);
  expect(results.cells.every((c) => c.summary.n === 1 && c.summary.median > 0)).toBe(true);
  expect(results.cells.find((c) => c.mode === 'pgfan-4' && c.query === 'count')?.partitions).toEqual([4]);
  // Measured, not judged: no timing threshold here.
  expect(results.overhead).toMatchObject({ partitions: 4, direct: { n: 2 }, pgfan: { n: 2 }, overheadMs: expect.any(Number), workers: expect.any(Number) });
  expect(results.overhead.afterPause).toMatchObject({ seconds: 1, direct: { n: 1 }, pgfan: { n: 1 }, overheadMs: expect.any(Number) });
  expect(results.overhead.afterPause?.workers).toBeGreaterThan(0);
  expect(results.throughput.runs.map((r) => [r.users, r.errors, r.completed > 0])).toEqual([
    [1, 0, true],
    [2, 0, true],
  ]);
  expect(results.throughput.direct.map((r) => [r.users, r.errors, r.completed > 0])).toEqual([
    [1, 0, true],
    [2, 0, true],
  ]);
  // The same query through pgfan's PostgreSQL port.
  expect(results.protocol).toMatchObject({ runs: [expect.objectContaining({ users: 1, errors: 0 }), expect.objectContaining({ users: 2, errors: 0 })] });
  // ClickBench's 43 queries on a generated hits table, every answer PostgreSQL's.
  expect(results.clickbench?.cells.map((c) => c.number)).toEqual([...Array(43).keys()]);
  expect(results.clickbench?.cells.filter((c) => c.mismatch)).toEqual([]);
  expect(results.clickbench?.total.pgfan).toBeGreaterThan(0);
  expect(results.workers).toEqual({ atStart: 1, atEnd: 1 });

  const dir = mkdtempSync(join(tmpdir(), 'pgfan-bench-'));
  try {
    const files = writeResults(results, dir);
    expect(files.map((f) => f.split('.').at(-1))).toEqual(['json', 'md', 'svg']);
    expect(files.every(existsSync)).toBe(true);
    expect(JSON.parse(readFileSync(files[0]!, 'utf8'))).toEqual(JSON.parse(JSON.stringify(results)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

test('without a running API it says how to start one', async () => {
  await expect(runBench(system.db.url, new PgfanClient({ baseUrl: 'http://127.0.0.1:59999' }), benchPlan(true))).rejects.toThrow(
    /^cannot reach the API at http:\/\/127.0.0.1:59999 \(.+\); start the system with npm start first$/,
  );
});

test('every ClickBench query forced into 4 fragments answers as PostgreSQL does', async () => {
  const table = 'bench_hits_forced';
  await seedTable(system.db.url, HITS, 4000, { table, ifDifferentSize: true });
  const direct = await directRunner(system.db.url, { name: 'direct', kind: 'direct', parallelWorkers: null });
  const forced = pgfanRunner(system.client, { name: 'pgfan-4', kind: 'pgfan', partitions: 4 });
  try {
    const differs: number[] = [];
    const fragments = new Set<number>();
    for (const query of clickBenchQueries(table, 4000)) {
      const [expected, actual] = [await direct.run(query.sql), await forced.run(query.sql)];
      if (!sameAnswer(query, expected.rows, actual.rows)) differs.push(query.number);
      fragments.add(actual.partitions ?? 1);
    }
    expect(differs).toEqual([]);
    // Every one of them split: the combine, not a run as written, gave these answers.
    expect([...fragments]).toEqual([4]);
  } finally {
    await direct.close();
  }
}, 120_000);

test('the REST load counts what is not answered with a completed query as an error, not as a latency', async () => {
  const target = { baseUrl: system.url, apiKey: null };
  const refused = await restLoad(target, 2, 0.3, 'SELEC 1');
  expect(refused.latencies).toEqual([]);
  expect(refused.errors).toBeGreaterThan(0);
  const failed = await restLoad(target, 1, 0.3, 'SELECT 1 / 0');
  expect(failed.latencies).toEqual([]);
  expect(failed.errors).toBeGreaterThan(0);
  const unreachable = await restLoad({ baseUrl: 'http://127.0.0.1:59999', apiKey: null }, 1, 0.2, 'SELECT 1');
  expect(unreachable).toMatchObject({ latencies: [], errors: expect.any(Number) });
  expect(unreachable.errors).toBeGreaterThan(0);
});
