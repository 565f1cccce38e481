/**
 * The REST API against the running system: real API and worker processes, real PostgreSQL and
 * Redis. Submit and poll, ?wait=, history, and every error status a client can get.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QueryPage, QueryView } from '@pgfan/contracts';
import { MEASUREMENT_APPLICATION_NAME, MEASUREMENT_LOCK, readStatementFactors, statementKey } from '@pgfan/runtime';
import { validate } from '@readme/openapi-parser';
import { eventually, metricSample, startSystem, type System } from '@pgfan/testing';
import { Client } from 'pg';

let system: System;
const PLAN_CACHE_MS = 2_000;

beforeAll(async () => {
  // A short cache life, so that what happens past it can be seen here.
  system = await startSystem({ label: 'api', apiEnv: { PLANNING_TIMEOUT_MS: '2000', PLAN_CACHE_MS: String(PLAN_CACHE_MS) } });
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

async function directRows(sql: string): Promise<unknown[][]> {
  const client = new Client({ connectionString: system.db.url });
  await client.connect();
  try {
    return (await client.query({ text: sql, rowMode: 'array' })).rows;
  } finally {
    await client.end();
  }
}

const submit = (body: unknown, wait?: number) => system.request<QueryView>('POST', `/api/queries${wait === undefined ? '' : `?wait=${wait}`}`, body);

test('POST ?wait= answers 200 with the finished record', async () => {
  const { status, body, headers } = await submit({ sql: 'SELECT country, count(*) FROM events GROUP BY 1 ORDER BY 1 NULLS FIRST', partitions: 4 }, 10_000);
  expect(status).toBe(200);
  const record = QueryView.parse(body);
  expect(headers.get('location')).toBe(`/api/queries/${record.id}`);
  expect(record).toMatchObject({ status: 'completed', plan: { mode: 'fan-out', partitions: 4 }, error: null });
  expect(record.result?.rows.slice(0, 2)).toEqual([
    [null, '680'],
    ['ab', '680'],
  ]);
  expect(record.fragments.map((f) => f.state)).toEqual(['done', 'done', 'done', 'done']);
  expect(record.fragments.every((f) => f.worker === 'w1' || f.worker === 'w2')).toBe(true);
  expect(record.plan?.combineSql).toMatch(/^WITH partials AS/);
  expect(record.timings.totalMs).toBeGreaterThan(0);
  // Answered with the record the API recorded (it combined the fragments itself): the one the store keeps.
  expect((await system.request<QueryView>('GET', `/api/queries/${record.id}`)).body).toEqual(body);
});

test('POST answers 202 at once, and GET polls the record to completion', async () => {
  const { status, body } = await submit({ sql: 'SELECT sum(revenue) FROM events', partitions: 3 });
  expect(status).toBe(202);
  expect(['queued', 'running', 'combining', 'completed']).toContain(body.status);
  let record: QueryView;
  do {
    record = (await system.request<QueryView>('GET', `/api/queries/${body.id}`)).body;
  } while (record.status !== 'completed' && record.status !== 'failed');
  expect(record.result?.rows).toEqual(await directRows('SELECT sum(revenue)::text FROM events'));
});

test('a query that cannot be split runs as written, as one job', async () => {
  const { body } = await submit({ sql: 'SELECT count(*) FROM events e JOIN single_event s ON s.id = e.id' }, 10_000);
  expect(body).toMatchObject({ status: 'completed', plan: { mode: 'as-written', reason: 'joins are not split yet' }, result: { rows: [['1']] } });
});

test('history lists queries newest first, without result rows, page by page', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await submit({ sql: `SELECT ${i} AS n FROM single_event` }, 10_000)).body.id);
  const first = await system.request<QueryPage>('GET', '/api/queries?limit=2');
  expect(first.status).toBe(200);
  const page = QueryPage.parse(first.body);
  expect(page.queries.map((q) => q.id)).toEqual([ids[2], ids[1]]);
  expect(page.queries[0]).not.toHaveProperty('result');
  expect(page.queries[0]?.rowCount).toBe(1);
  const second = QueryPage.parse((await system.request('GET', `/api/queries?limit=2&cursor=${page.nextCursor}`)).body);
  expect(second.queries[0]?.id).toBe(ids[0]);
  const completed = QueryPage.parse((await system.request('GET', '/api/queries?status=completed&limit=100')).body);
  expect(completed.queries.every((q) => q.status === 'completed')).toBe(true);
});

describe('errors are JSON with a stable code, never a 500', () => {
  const badRequests: [string, unknown, number, string][] = [
    ['bad JSON', '{"sql": ', 400, 'INVALID_JSON'],
    ['a body that is not an object', '[1]', 400, 'BAD_REQUEST'],
    ['no sql', {}, 400, 'BAD_REQUEST'],
    ['an empty sql', { sql: '' }, 400, 'BAD_REQUEST'],
    ['sql that is not a string', { sql: 42 }, 400, 'BAD_REQUEST'],
    ['unknown fields', { sql: 'SELECT 1', nope: true }, 400, 'BAD_REQUEST'],
    ['partitions out of range', { sql: 'SELECT 1', partitions: 65 }, 400, 'BAD_REQUEST'],
    ['a timeout over the maximum', { sql: 'SELECT 1', timeoutMs: 10_000_000 }, 400, 'BAD_REQUEST'],
    ['SQL that does not parse', { sql: 'SELECT count(*) FORM events' }, 400, 'SYNTAX_ERROR'],
    ['an unknown column', { sql: 'SELECT nope FROM events' }, 400, 'INVALID_QUERY'],
    ['a $1 parameter, which nothing gives a value', { sql: 'SELECT count(*) FROM events WHERE $1 = 1' }, 400, 'INVALID_QUERY'],
    ['a write', { sql: 'DELETE FROM events' }, 422, 'NOT_READ_ONLY'],
    ['several statements', { sql: 'SELECT 1; SELECT 2' }, 422, 'MULTIPLE_STATEMENTS'],
    ['EXPLAIN', { sql: 'EXPLAIN SELECT 1' }, 422, 'UNSUPPORTED_STATEMENT'],
    ['an error PostgreSQL raises while planning it', { sql: 'SELECT 1/0 FROM events' }, 422, 'QUERY_FAILED'],
  ];
  test.each(badRequests.map(([what, body, status, code]) => [`${what} → ${status} ${code}`, body, status, code] as const))(
    '%s',
    async (_, body, status, code) => {
      const response = await system.request<{ error: { code: string; message: string } }>('POST', '/api/queries', body);
      expect([response.status, response.body.error?.code]).toEqual([status, code]);
      expect(response.body.error.message.length).toBeGreaterThan(10);
    },
  );

  test('planning that waits on a locked table past PLANNING_TIMEOUT_MS → 503 TIMEOUT, and no query is left behind', async () => {
    const admin = new Client({ connectionString: system.db.url });
    await admin.connect();
    try {
      await admin.query('BEGIN');
      await admin.query('LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
      const before = (await system.request<{ queries: unknown[] }>('GET', '/api/queries?limit=100')).body.queries.length;
      const { status, body, headers } = await system.request<{ error: { code: string; message: string } }>('POST', '/api/queries', {
        sql: 'SELECT count(*) FROM events',
      });
      expect([status, body.error.code, headers.get('retry-after')]).toEqual([503, 'TIMEOUT', '5']);
      expect(body.error.message).toMatch(/^planning the query took longer than 2000 ms \(PLANNING_TIMEOUT_MS\): a table it reads may be locked/);
      expect((await system.request<{ queries: unknown[] }>('GET', '/api/queries?limit=100')).body.queries).toHaveLength(before);
    } finally {
      await admin.query('ROLLBACK');
      await admin.end();
    }
  });

  test("a parameter's error is PostgreSQL's own, with its position", async () => {
    const { body } = await system.request<{ error: unknown }>('POST', '/api/queries', { sql: 'SELECT count(*) FROM events WHERE $1 = 1' });
    expect(body.error).toEqual({ code: 'INVALID_QUERY', message: 'there is no parameter $1', position: { offset: 34, line: 1, column: 35 } });
  });

  test('a syntax error carries its position', async () => {
    const { body } = await system.request<{ error: unknown }>('POST', '/api/queries', { sql: 'SELECT count(*)\nFORM events' });
    expect(body.error).toMatchObject({ code: 'SYNTAX_ERROR', position: { offset: 21, line: 2, column: 6 } });
  });

  test('a body over the limit → 413', async () => {
    const { status, body } = await system.request<{ error: { code: string } }>('POST', '/api/queries', { sql: `SELECT '${'x'.repeat(300_000)}'` });
    expect([status, body.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
  });

  test('a body that is not JSON → 415', async () => {
    const { status, body } = await system.request<{ error: { code: string } }>('POST', '/api/queries', 'SELECT 1', { 'content-type': 'text/plain' });
    expect([status, body.error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
  });

  test.each([
    ['GET', '/api/queries/00000000-0000-4000-8000-000000000000', 404, 'NOT_FOUND'],
    ['GET', '/api/queries/not-a-uuid', 404, 'NOT_FOUND'],
    ['DELETE', '/api/queries/00000000-0000-4000-8000-000000000000', 404, 'NOT_FOUND'],
    ['GET', '/api/nowhere', 404, 'NOT_FOUND'],
    ['GET', '/api/queries?limit=0', 400, 'BAD_REQUEST'],
    ['GET', '/api/queries?status=bogus', 400, 'BAD_REQUEST'],
    ['GET', '/api/queries?cursor=bogus', 400, 'BAD_REQUEST'],
    ['POST', '/api/queries?wait=abc', 400, 'BAD_REQUEST'],
  ])('%s %s → %i %s', async (method, path, status, code) => {
    const response = await system.request<{ error: { code: string } }>(method, path, method === 'POST' ? { sql: 'SELECT 1' } : undefined);
    expect([response.status, response.body.error?.code]).toEqual([status, code]);
  });

  test('cancelling a finished query → 409', async () => {
    const { body } = await submit({ sql: 'SELECT 1 AS one' }, 10_000);
    const response = await system.request<{ error: { code: string } }>('DELETE', `/api/queries/${body.id}`);
    expect([response.status, response.body.error.code]).toEqual([409, 'QUERY_FINISHED']);
  });
});

/** `pgfan_plans_total` for plans of `mode`, by source, from the API's /metrics. */
async function plansOf(mode: 'fan-out' | 'as-written'): Promise<{ planned: number; reused: number; replanned: number }> {
  const text = await (await fetch(`${system.url}/metrics`)).text();
  const count = (source: string) => metricSample(text, 'pgfan_plans_total', `mode="${mode}",source="${source}"`);
  return { planned: count('planned'), reused: count('reused'), replanned: count('replanned') };
}

const pastCacheLife = () => new Promise((resolve) => setTimeout(resolve, PLAN_CACHE_MS + 100));

/** Runs `body` with `table` made by `create`, as the database's owner, and drops it after. */
async function withTable(table: string, create: string, body: (admin: Client) => Promise<void>): Promise<void> {
  const admin = new Client({ connectionString: system.db.url });
  await admin.connect();
  try {
    await admin.query(create);
    await body(admin);
  } finally {
    await admin.query(`DROP TABLE IF EXISTS ${table}`);
    await admin.end();
  }
}

/**
 * Runs `body` with the API's measurement of the database held off: its lock taken, and any
 * measurement under way over (its sessions close once it has written), so that only the test
 * moves the measured figures, and a plan the model made is not made again for a measurement the
 * test did not take.
 */
async function withoutMeasurement<T>(body: () => Promise<T>): Promise<T> {
  await system.redis.set(MEASUREMENT_LOCK, 'api.test', 'PX', 60_000);
  const db = new Client({ connectionString: system.db.url });
  await db.connect();
  const measuring = async () =>
    (await db.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [MEASUREMENT_APPLICATION_NAME])).rows[0]?.n;
  try {
    await eventually(async () => ((await measuring()) === '0' ? true : undefined), 20_000, 'no measurement under way');
    // And the API's copy of the model (read at most once a second) no older than what it wrote.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    return await body();
  } finally {
    await system.redis.del(MEASUREMENT_LOCK);
    await db.end();
  }
}

describe('split plans reused for the same text', () => {
  test("are checked first: after a column changes type, the answer is PostgreSQL's, in its types", async () => {
    const sql = 'SELECT g, sum(x), max(x) FROM reused_split GROUP BY g ORDER BY g';
    await withTable('reused_split', 'CREATE TABLE reused_split AS SELECT g % 3 AS g, g AS x FROM generate_series(1, 3000) g', async (admin) => {
      const before = await plansOf('fan-out');
      const first = await submit({ sql, partitions: 2 }, 10_000);
      const second = await submit({ sql, partitions: 2 }, 10_000);
      expect([first.body.status, second.body.status]).toEqual(['completed', 'completed']);
      expect(second.body.result).toEqual(first.body.result);
      const reused = await plansOf('fan-out');
      expect(reused.reused - before.reused).toBe(1);
      // EXPLAIN reads the query as before (it names no types); the plan made for integers would sum as one.
      await admin.query('ALTER TABLE reused_split ALTER x TYPE numeric USING x + 0.25');
      const third = await submit({ sql, partitions: 2 }, 10_000);
      expect(third.body).toMatchObject({ status: 'completed', result: { columns: [{ type: 'integer' }, { type: 'numeric' }, { type: 'numeric' }] } });
      expect(third.body.result?.rows).toEqual(await directRows(sql));
      expect((await plansOf('fan-out')).replanned - reused.replanned).toBe(1);
    });
  });

  test("are reused past the cache's life while they stand, and made afresh once the table has grown past a tenth", async () => {
    const sql = 'SELECT g, count(*) FROM growing_split GROUP BY g ORDER BY g';
    await withTable(
      'growing_split',
      'CREATE TABLE growing_split AS SELECT g % 3 AS g FROM generate_series(1, 3000) g; ANALYZE growing_split',
      async (admin) => {
        const before = await plansOf('fan-out');
        const first = await submit({ sql, partitions: 2 }, 10_000);
        await pastCacheLife();
        const second = await submit({ sql, partitions: 2 }, 10_000);
        expect([first.body.status, second.body.status]).toEqual(['completed', 'completed']);
        const reused = await plansOf('fan-out');
        expect([reused.planned - before.planned, reused.reused - before.reused, reused.replanned - before.replanned]).toEqual([1, 1, 0]);
        // Twice the rows: the fragments cut for 3,000 would still be exact, but no longer even.
        await admin.query('INSERT INTO growing_split SELECT g % 3 FROM generate_series(1, 3000) g');
        const third = await submit({ sql, partitions: 2 }, 10_000);
        expect(third.body).toMatchObject({ status: 'completed', result: { rows: await directRows(sql) } });
        expect((await plansOf('fan-out')).replanned - reused.replanned).toBe(1);
      },
    );
  });
});

describe("decisions to run as written, past the cache's life", () => {
  test("are reused while the statement's lessons stand, and made afresh once they move", () =>
    withoutMeasurement(async () => {
      const sql = 'SELECT count(*) FROM single_event AS lessons_checked';
      const key = statementKey(sql);
      // The statement's lessons held where the test puts them. Each run's own observation moves
      // them, just after its answer: that first, then the test's.
      let pinned = '2';
      const lessonsAt = async (costScale: string) => {
        for (let i = 0; i < 60 && (await system.redis.hget(key, 'costScale')) === pinned; i++) await new Promise((resolve) => setTimeout(resolve, 50));
        await system.redis.hset(key, 'costScale', costScale);
        pinned = costScale;
      };
      await system.redis.hset(key, 'costScale', pinned);
      const before = await plansOf('as-written');
      const first = await submit({ sql }, 10_000);
      expect(first.body).toMatchObject({ status: 'completed', plan: { mode: 'as-written', prediction: { asWrittenMs: expect.any(Number) } } });
      await lessonsAt('2');
      await pastCacheLife();
      const second = await submit({ sql }, 10_000);
      expect(second.body).toMatchObject({ status: 'completed', result: { rows: [['1']] } });
      const reused = await plansOf('as-written');
      expect([reused.planned - before.planned, reused.reused - before.reused, reused.replanned - before.replanned]).toEqual([1, 1, 0]);
      // Moved past the tolerance: the decision is made again, from what they teach now.
      await lessonsAt('3');
      const third = await submit({ sql }, 10_000);
      expect(third.body).toMatchObject({ status: 'completed', result: { rows: [['1']] } });
      expect((await plansOf('as-written')).replanned - reused.replanned).toBe(1);
    }));
});

describe('choices the cost model made', () => {
  test("are made again once the database is measured anew, within the cache's life too", () =>
    withoutMeasurement(async () => {
      const sql = 'SELECT count(*) FROM single_event AS measured_anew';
      const inForce = await system.redis.hget('pgfan:cost-model', 'msPerCost');
      try {
        const before = await plansOf('as-written');
        const first = await submit({ sql }, 10_000);
        expect(first.body).toMatchObject({ status: 'completed', plan: { mode: 'as-written', prediction: { asWrittenMs: expect.any(Number) } } });
        await submit({ sql }, 10_000);
        const reused = await plansOf('as-written');
        expect([reused.planned - before.planned, reused.reused - before.reused, reused.replanned - before.replanned]).toEqual([1, 1, 0]);
        // A measurement that finds the database a third as fast: the API reads the model at most once a second.
        await system.redis.hset('pgfan:cost-model', 'msPerCost', String(3 * Number(inForce ?? 0.0015)));
        await new Promise((resolve) => setTimeout(resolve, 1_100));
        const third = await submit({ sql }, 10_000);
        expect(third.body).toMatchObject({ status: 'completed', result: { rows: [['1']] } });
        expect((await plansOf('as-written')).replanned - reused.replanned).toBe(1);
      } finally {
        if (inForce === null) await system.redis.hdel('pgfan:cost-model', 'msPerCost');
        else await system.redis.hset('pgfan:cost-model', 'msPerCost', inForce);
      }
    }));
});

describe('quick queries that run as written', () => {
  test('from a client that waits, the API answers them itself, without the queue', async () => {
    const { status, body } = await submit({ sql: 'SELECT count(*) FROM single_event' }, 10_000);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 'completed',
      coordinator: 'api',
      plan: { mode: 'as-written', prediction: { asWrittenMs: expect.any(Number), fanOutMs: null } },
      result: { rows: [['1']] },
      error: null,
    });
    expect(body.fragments).toMatchObject([{ state: 'done', worker: 'api', rows: 1 }]);
  });

  test('without ?wait they go through the workers, so the answer is still 202 at once', async () => {
    const { status, body } = await submit({ sql: 'SELECT count(*) FROM single_event' });
    expect(status).toBe(202);
    let record: QueryView;
    do {
      record = (await system.request<QueryView>('GET', `/api/queries/${body.id}`)).body;
    } while (record.status !== 'completed' && record.status !== 'failed');
    expect(record).toMatchObject({ status: 'completed', coordinator: expect.stringMatching(/^w[12]$/) });
  });

  test('a reused decision for a table dropped meanwhile ends in a clear failed record, not a 500', async () => {
    const admin = new Client({ connectionString: system.db.url });
    await admin.connect();
    try {
      await admin.query('CREATE TABLE short_lived AS SELECT 1 AS x');
      const first = await submit({ sql: 'SELECT count(*) FROM short_lived' }, 10_000);
      expect(first.body).toMatchObject({ status: 'completed', result: { rows: [['1']] } });
      await admin.query('DROP TABLE short_lived');
      const again = await submit({ sql: 'SELECT count(*) FROM short_lived' }, 10_000);
      expect([again.status, again.body.status, again.body.error]).toEqual([
        200,
        'failed',
        { code: 'INVALID_QUERY', message: 'relation "short_lived" does not exist', position: expect.anything() },
      ]);
    } finally {
      await admin.end();
    }
  });

  test('one that fails while running is a failed record, like any other', async () => {
    const { status, body } = await submit({ sql: 'SELECT 1 / (id - id) FROM single_event' }, 10_000);
    expect([status, body.status, body.coordinator, body.error?.code, body.error?.message]).toEqual([200, 'failed', 'api', 'QUERY_FAILED', 'division by zero']);
  });
});

test('history lives in PostgreSQL: it survives a Redis flush', async () => {
  const { body } = await submit({ sql: 'SELECT 7 AS seven FROM single_event' }, 10_000);
  await system.redis.flushdb();
  const again = await system.request<QueryView>('GET', `/api/queries/${body.id}`);
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({ status: 'completed', result: { rows: [[7]] } });
  await system.waitForWorkers(2);
});

test('health reports its version, PostgreSQL, Redis and the live workers', async () => {
  const { status, body } = await system.request('GET', '/api/health');
  expect(status).toBe(200);
  expect(body).toMatchObject({
    status: 'ok',
    // One version for the repository, from the package.json files (CHANGELOG.md).
    version: (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version,
    postgres: { ok: true },
    redis: { ok: true },
    workers: { live: 2, fragmentSlots: 4 },
    costModel: {
      costScales: { scan: expect.any(Number), grouped: expect.any(Number), distinct: expect.any(Number), rows: expect.any(Number), other: expect.any(Number) },
      fanOutScales: {
        scan: expect.any(Number),
        grouped: expect.any(Number),
        distinct: expect.any(Number),
        rows: expect.any(Number),
        other: expect.any(Number),
      },
      fanOutMs: expect.any(Number),
    },
  });
  expect(await system.request('GET', '/api/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });
});

test("health says whether the database's measurement is confirmed: a first one, or a worse one, waits for a second", async () => {
  const confirmed = async () =>
    (await system.request<{ costModel: { measurementConfirmed?: boolean } }>('GET', '/api/health')).body.costModel.measurementConfirmed;
  const figures = { databaseParallelism: 2, msPerCost: 0.0012, parallelStartMs: 3.5, parallelWorkerStartMs: 0.3 };
  const inForce = Object.fromEntries(Object.entries(figures).map(([name, value]) => [name, String(value)]));
  await withoutMeasurement(async () => {
    try {
      await system.redis.del('pgfan:cost-model:measurement:pending');
      await system.redis.hdel('pgfan:cost-model', ...Object.keys(inForce));
      // Not measured: nothing to say.
      expect(await confirmed()).toBeUndefined();
      await system.redis.hset('pgfan:cost-model', inForce);
      expect(await confirmed()).toBe(true);
      await system.redis.set('pgfan:cost-model:measurement:pending', JSON.stringify({ ...figures, databaseParallelism: 1.4 }), 'PX', 60_000);
      expect(await confirmed()).toBe(false);
    } finally {
      await system.redis.del('pgfan:cost-model:measurement:pending');
    }
  });
});

test("each finished fan-out teaches the model a fan-out's fixed cost, which health reports", async () => {
  const learned = async () => Number(await system.redis.hget('pgfan:cost-model', 'fanOutMs'));
  const before = await learned();
  const { body } = await submit({ sql: 'SELECT device, count(*) FROM events GROUP BY 1', partitions: 2 }, 10_000);
  expect(body.status).toBe('completed');
  // Recorded after the answer: wait for it.
  let after = await learned();
  for (let i = 0; i < 100 && after === before; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    after = await learned();
  }
  expect(after).not.toBe(before);
  expect(after).toBeGreaterThanOrEqual(2);
  expect(after).toBeLessThanOrEqual(1000);
  const health = await system.request<{ costModel: { fanOutMs: number } }>('GET', '/api/health');
  expect(health.body.costModel.fanOutMs).toBe(after);
});

// Its next plan is told from the first by the prediction alone: no new measurement may make it.
test("a statement's run teaches its own factor, which its next plan predicts with", () =>
  withoutMeasurement(async () => {
    const sql = 'SELECT count(*) FROM generate_series(1, 3000000) AS g';
    const first = await submit({ sql }, 30_000);
    expect(first.body).toMatchObject({ status: 'completed', plan: { mode: 'as-written' } });
    const predicted = first.body.plan?.prediction?.asWrittenMs as number;
    const ran = first.body.fragments[0]?.ms as number;
    // PostgreSQL's estimate of counting 3M generated rows is far below what it takes here.
    expect(ran).toBeGreaterThan(predicted * 1.2);
    const learned = async () => (await readStatementFactors(system.redis, sql)).costScale;
    for (let i = 0; i < 100 && (await learned()) === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await learned()).toBeGreaterThan(1);
    // Planned afresh once the plan cache lets go of the first plan (PLAN_CACHE_MS).
    let next = first.body;
    for (let i = 0; i < 100 && next.plan?.prediction?.asWrittenMs === predicted; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      next = (await submit({ sql }, 30_000)).body;
    }
    expect(next.plan?.prediction?.asWrittenMs).toBeGreaterThan(predicted * 1.05);
  }));

test('openapi.json describes every endpoint', async () => {
  const { status, body } = await system.request<{ openapi: string; paths: Record<string, Record<string, unknown>> }>('GET', '/api/openapi.json');
  expect(status).toBe(200);
  expect(body.openapi).toBe('3.1.0');
  expect(
    Object.entries(body.paths)
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`))
      .sort(),
  ).toEqual([
    'DELETE /api/queries/{id}',
    'GET /api/health',
    'GET /api/health/live',
    'GET /api/openapi.json',
    'GET /api/queries',
    'GET /api/queries/{id}',
    'GET /api/queries/{id}/result',
    'POST /api/queries',
  ]);
});

test('openapi.json is valid OpenAPI 3.1, and true: a Bearer key, an operation id for every operation, every error a keyed route can answer', async () => {
  const { body } = await system.request<{ paths: Record<string, Record<string, Operation>>; components: { securitySchemes: object } }>(
    'GET',
    '/api/openapi.json',
  );
  expect(await validate(structuredClone(body) as never)).toMatchObject({ valid: true, warnings: [] });
  expect(body.components.securitySchemes).toEqual({ apiKey: expect.objectContaining({ type: 'http', scheme: 'bearer' }) });
  const operations = Object.values(body.paths).flatMap((methods) => Object.values(methods));
  const ids = operations.map((o) => o.operationId);
  expect(new Set(ids).size).toBe(operations.length);
  // Behind a key, every route may answer 401; the open ones (probes) say they need none.
  const keyed = operations.filter((o) => !(Array.isArray(o.security) && o.security.length === 0));
  expect(keyed.filter((o) => !o.responses['401']).map((o) => o.operationId)).toEqual([]);
  expect(Object.keys(body.paths['/api/queries']!.post!.responses).sort()).toEqual(['200', '202', '400', '401', '403', '413', '415', '422', '429', '503']);
});

interface Operation {
  operationId: string;
  security?: unknown[];
  responses: Record<string, unknown>;
}
