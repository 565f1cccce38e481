/**
 * A split by a column's values, chosen by the cost model and run by the workers: key ranges of a
 * group key (or of a COUNT(DISTINCT)'s argument), each fragment finishing its share and returning
 * its own top N or one count. The answers must be PostgreSQL's.
 */
import { QueryView } from '@pgfan/contracts';
import { DEFAULT_COST_MODEL, EXPLORE_WITHIN } from '@pgfan/planner';
import { readStatementFactors, statementKey } from '@pgfan/runtime';
import { diffResults, eventually } from '@pgfan/testing';
import { Client } from 'pg';
import { startSlowSystem, type SlowSystem } from './__tests__/queries';

let harness: SlowSystem;

beforeAll(async () => {
  harness = await startSlowSystem({ label: 'value_split' });
  // 400,000 visits by 60,000 users (NOT NULL), and teams: 50,000 of them, and no team at all.
  await harness.system.db.exec(`CREATE TABLE visits AS
      SELECT i AS id, ((i::bigint * 7919) % 60000)::int AS user_id, CASE WHEN i % 11 = 0 THEN NULL ELSE (i * 31) % 50000 END AS team,
             (ARRAY['mobile', 'desktop', 'tv'])[1 + i % 3] AS device, (i * 37) % 9000 AS ms
        FROM generate_series(1, 400000) AS i;
    ALTER TABLE visits ALTER COLUMN user_id SET NOT NULL;
    ANALYZE visits`);
  // Every plan here is made with the database's measurement, which the API takes seconds after its
  // start (the next is an hour later) and plans with inputs at most a second old. Whether it had
  // landed decided the choices: measured, a split by values was priced for 2 fragments at 1.8
  // sessions at full speed where unmeasured it was for 4, and a page split of the COUNT(DISTINCT)
  // beat it (in CI).
  await eventually(async () => (await health()).costModel.databaseParallelism ?? undefined, 30_000, "the database's parallelism measured");
  await new Promise((resolve) => setTimeout(resolve, PLANNING_INPUTS_MAX_AGE_MS + 100));
}, 120_000);

/** How old the cost model and worker slots the API plans with may be (apps/api/src/main.ts). */
const PLANNING_INPUTS_MAX_AGE_MS = 1_000;

const health = async () =>
  (await harness.system.request<{ costModel: { fanOutMs: number | null; databaseParallelism: number | null } }>('GET', '/api/health')).body;

afterAll(async () => {
  await harness?.stop();
});

/** The column split by, the query, and at most how many rows a fragment returns. */
const CASES: [column: string, sql: string, rows: number][] = [
  ['user_id', 'SELECT user_id, count(*) AS c, sum(ms), count(DISTINCT device) FROM visits GROUP BY user_id ORDER BY c DESC, user_id LIMIT 10', 10],
  ['team', 'SELECT team, count(DISTINCT device) AS d, count(*) FROM visits GROUP BY team ORDER BY 3 DESC, team NULLS FIRST LIMIT 10', 10],
  ['user_id', 'SELECT count(DISTINCT user_id), count(*) FROM visits WHERE ms > 100', 1],
  // No top N (HAVING runs in the combine): each fragment returns its share of the 60,000 groups,
  // stored in PostgreSQL (STORED_PARTIAL_ROWS); a few dozen pass.
  ['user_id', 'SELECT user_id, count(*), min(device) FROM visits GROUP BY user_id HAVING min(ms) = 0', 60_000],
];

test.each(CASES)('split by %s values: %s', async (column, sql, rows) => {
  // This statement's own runs taught that it runs 8× slower than PostgreSQL estimates as written,
  // and split by values a quarter of that: each fragment of such a split reads the whole table,
  // and the split must pay even where the database runs one session at full speed (at 8× alone,
  // the HAVING's did not at 1.8). Its page splits are out of the way.
  await harness.system.redis.hset(statementKey(sql), { costScale: '8', valueSplitScale: '0.25', fanOutScale: '100' });
  const { status, body } = await harness.system.request<QueryView>('POST', '/api/queries?wait=60000', { sql });
  expect(status).toBe(200);
  const record = QueryView.parse(body);
  expect([record.status, record.error]).toEqual(['completed', null]);
  expect(record.plan).toMatchObject({ mode: 'fan-out', strategy: 'key-range', reason: expect.stringContaining(`split by ${column}'s values`) });
  expect(new Set(record.plan?.fragments.map((f) => (f.range as { column?: string } | null)?.column))).toEqual(new Set([column]));
  // Each fragment returned its own top 10, its count, or its own groups: together, each group once.
  for (const fragment of record.fragments) expect(fragment.rows).toBeLessThanOrEqual(rows);
  if (rows > 10) expect(record.fragments.reduce((sum, f) => sum + (f.rows ?? 0), 0)).toBe(rows);
  expect(diffResults(await harness.direct.of(sql), record.result!, /\border\s+by\b/i.test(sql) ? 'ordered' : 'unordered')).toBeNull();
});

/** Submits `sql` and waits for its record, which must be PostgreSQL's answer. */
async function run(sql: string): Promise<QueryView> {
  const { status, body } = await harness.system.request<QueryView>('POST', '/api/queries?wait=60000', { sql });
  expect(status).toBe(200);
  const record = QueryView.parse(body);
  expect([record.status, record.error]).toEqual(['completed', null]);
  expect(diffResults(await harness.direct.of(sql), record.result!, 'unordered')).toBeNull();
  return record;
}

/** Resolves once a run of `sql` has taught its statement `factor`. */
const learned = (sql: string, factor: 'costScale' | 'valueSplitScale') =>
  eventually(async () => (await readStatementFactors(harness.system.redis, sql))[factor], 10_000, `${factor} learned`);

test("a split the model chose is made again once the statement's lessons moved, within the plan cache's life", async () => {
  const sql = 'SELECT user_id, count(*) AS c, sum(ms), count(DISTINCT device) FROM visits GROUP BY user_id ORDER BY c DESC, user_id LIMIT 5';
  // Slow as PostgreSQL estimates it, and its page splits out of the way: it is split by values.
  await harness.system.redis.hset(statementKey(sql), { costScale: '8', fanOutScale: '100' });
  const first = await run(sql);
  expect(first.plan).toMatchObject({ mode: 'fan-out', reason: expect.stringContaining("split by user_id's values") });
  await learned(sql, 'valueSplitScale');
  // Its splits by values now look 8× slower: the cached plan is not reused as it was.
  await harness.system.redis.hset(statementKey(sql), 'valueSplitScale', '8');
  const second = await run(sql);
  expect(second.plan?.reason).not.toBe(first.plan?.reason);
});

test('a statement whose splits have taught their time, never its runs as written, runs as written once to learn it', async () => {
  const sql = 'SELECT count(DISTINCT user_id) FROM visits WHERE ms > 50';
  // Both plans below are made for one fragment count, which the database's parallelism decides: it
  // is measured before any test (beforeAll). Measured between the two, the second plan was made for
  // 2 fragments where the first was for 4, and priced the split nearly twice as slow.
  // Its splits by values priced 8× over and its page splits out of the way: it runs as written,
  // and the plan's reason gives both predictions.
  await harness.system.redis.hset(statementKey(sql), { valueSplitScale: '8', fanOutScale: '100' });
  const priced = await run(sql);
  // "as written" may be followed by how: "(PostgreSQL's parallel plan, 2 workers)", once the API has measured its workers' start.
  const [, asWritten, fanOut] =
    /^predicted ([\d.]+) ms as written.*?, ([\d.]+) ms in \d+ fragments split by user_id's values/.exec(priced.plan?.reason ?? '') ?? [];
  expect([asWritten, fanOut].every((ms) => Number(ms) > 0)).toBe(true);
  await learned(sql, 'costScale');
  // The same statement in other words (a statement's lessons are its text's), its splits by values
  // priced so that running as written is predicted 1.37× slower: inside the band where it is tried.
  const again = sql.replace(' > ', '  >  ');
  const fixedMs = ((await health()).costModel.fanOutMs ?? 0) + 2 * DEFAULT_COST_MODEL.partialRowMs;
  const target = Number(asWritten) / ((1 / DEFAULT_COST_MODEL.minGain + EXPLORE_WITHIN) / 2);
  const scale = (8 * (target - fixedMs)) / (Number(fanOut) - fixedMs);
  await harness.system.redis.hset(statementKey(again), { valueSplitScale: String(scale), fanOutScale: '100' });
  expect(await readStatementFactors(harness.system.redis, again)).toEqual({ valueSplitScale: expect.closeTo(scale, 6), fanOutScale: 100 });
  // Sent through the PostgreSQL port, with a semicolon as psql sends it. A plain run as written
  // would go to the client's own session there and teach nothing; the try goes through pgfan.
  const [host = '', port = ''] = (harness.system.pgAddress ?? '').split(':');
  const client = new Client({ host, port: Number(port), user: 'anyone', database: harness.system.db.name });
  await client.connect();
  try {
    const { rows } = await client.query({ text: `${again};`, rowMode: 'array' });
    expect(rows).toEqual((await harness.direct.of(sql)).rows);
  } finally {
    await client.end();
  }
  const { body } = await harness.system.request<{ queries: QueryView[] }>('GET', '/api/queries?limit=1');
  expect(body.queries[0]).toMatchObject({
    sql: `${again};`,
    plan: { mode: 'as-written', reason: expect.stringContaining('run once this way to learn its time') },
  });
  expect(await readStatementFactors(harness.system.redis, again)).toMatchObject({ explored: true });
  // It taught the statement its time as written (kept by the text its plan carries, without the
  // semicolon); the next plan weighs the split as usual.
  expect(await learned(again, 'costScale')).toBeGreaterThan(0);
  const after = await run(again);
  expect(after.plan?.reason).not.toContain('run once');
});
