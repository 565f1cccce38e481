/**
 * Whole results over REST: no answer is lost to the record's cap. The record keeps a preview;
 * every row is read page by page, or streamed as NDJSON or CSV, and equals PostgreSQL's answer
 * (its CSV byte for byte what COPY writes). Past RESULT_MAX_BYTES a query fails with a clear code
 * unless it asked for a preview.
 */
import { execFileSync } from 'node:child_process';
import type { QueryView, ResultPage } from '@pgfan/contracts';
import { createQueryPool, runSequential, toResultSet, TypeNames } from '@pgfan/engine';
import { diffResults, SLOW_FUNCTION_SQL, startSystem, type System } from '@pgfan/testing';
import type { Pool } from 'pg';

const LIMITS = { RESULT_MAX_ROWS: '100', RESULT_MAX_BYTES: '400000' };

let system: System;
let pool: Pool;
const typeNames = new TypeNames();

beforeAll(async () => {
  system = await startSystem({ label: 'results', apiEnv: LIMITS, workerEnv: LIMITS });
  pool = createQueryPool({ connectionString: system.db.url, max: 2 });
  await system.db.exec(SLOW_FUNCTION_SQL);
}, 90_000);

afterAll(async () => {
  await pool?.end();
  await system?.stop();
});

const submit = (body: Record<string, unknown>) => system.request<QueryView>('POST', '/api/queries?wait=30000', body);

/** Every row through ?cursor=, `limit` at a time. */
async function pageThrough(id: string, limit: number): Promise<{ pages: number; rows: unknown[][]; columns: unknown }> {
  const rows: unknown[][] = [];
  let pages = 0;
  let cursor: string | null = null;
  let columns: unknown;
  do {
    const page: { status: number; body: ResultPage } = await system.request(
      'GET',
      `/api/queries/${id}/result?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(page.status).toBe(200);
    rows.push(...page.body.rows);
    columns = page.body.columns;
    cursor = page.body.nextCursor;
    pages++;
  } while (cursor);
  return { pages, rows, columns };
}

describe.each([
  ['a fan-out', { partitions: 3 }, 'fan-out'],
  ['a query run as written', {}, 'as-written'],
])('%s', (_, options, mode) => {
  const sql = 'SELECT id, country, ratio, ts, tag FROM events ORDER BY id';

  test('the record keeps a preview; every row is read page by page, and is PostgreSQL’s answer', async () => {
    const { status, body } = await submit({ sql, ...options });
    expect([status, body.status, body.plan?.mode]).toEqual([200, 'completed', mode]);
    expect(body.result).toMatchObject({ truncated: true, stored: true });
    expect(body.result?.rows).toHaveLength(100);
    const expected = await toResultSet(pool, await runSequential(pool, sql), typeNames);
    expect(body.result?.rowCount).toBe(expected.rowCount);
    const whole = await pageThrough(body.id, 2500);
    expect(whole.pages).toBe(Math.ceil(expected.rowCount / 2500));
    expect(diffResults(expected, { ...expected, rows: whole.rows as never }, 'ordered')).toBeNull();
  });

  test('streamed as NDJSON and as CSV (what COPY writes, byte for byte), from a cursor on too', async () => {
    const { body } = await submit({ sql, ...options });
    const ndjson = await fetch(`${system.url}/api/queries/${body.id}/result`, { headers: { accept: 'application/x-ndjson' } });
    expect(ndjson.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const [first, ...lines] = (await ndjson.text()).trimEnd().split('\n');
    expect(JSON.parse(first as string)).toEqual({ columns: body.result?.columns });
    const expected = await toResultSet(pool, await runSequential(pool, sql), typeNames);
    expect(lines.map((line) => JSON.parse(line))).toEqual(expected.rows);

    const csv = await fetch(`${system.url}/api/queries/${body.id}/result`, { headers: { accept: 'text/csv' } });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const copied = execFileSync('psql', ['-X', '-d', system.db.url, '-c', `COPY (${sql}) TO STDOUT WITH (FORMAT csv, HEADER)`], {
      encoding: 'utf8',
      env: { ...process.env, PGTZ: 'UTC' },
    });
    expect(await csv.text()).toBe(copied);

    const page = await system.request<ResultPage>('GET', `/api/queries/${body.id}/result?limit=10`);
    const rest = await fetch(`${system.url}/api/queries/${body.id}/result?cursor=${page.body.nextCursor}`, { headers: { accept: 'application/x-ndjson' } });
    const restLines = (await rest.text()).trimEnd().split('\n').slice(1);
    expect(restLines).toHaveLength(expected.rowCount - 10);
    expect(JSON.parse(restLines[0] as string)).toEqual(expected.rows[10]);
  });
});

test('past RESULT_MAX_BYTES: RESULT_TOO_LARGE, or with "preview" the first rows and a clear refusal to read more', async () => {
  const sql = "SELECT id, repeat('x', 100) AS pad FROM events";
  for (const partitions of [1, 3]) {
    const failed = await submit({ sql, partitions });
    expect([failed.body.status, failed.body.error?.code]).toEqual(['failed', 'RESULT_TOO_LARGE']);
    expect(failed.body.error?.message).toMatch(/larger than RESULT_MAX_BYTES \(400000 bytes as JSON\).*"preview": true/);
    const preview = await submit({ sql, partitions, preview: true });
    expect(preview.body.status).toBe('completed');
    expect(preview.body.result).toMatchObject({ truncated: true, stored: false });
    expect(preview.body.result?.rows).toHaveLength(100);
    const refused = await system.request<{ error: { code: string } }>('GET', `/api/queries/${preview.body.id}/result`);
    expect([refused.status, refused.body.error.code]).toEqual([409, 'RESULT_NOT_STORED']);
  }
});

test('a small result reads from its record; a bad cursor, an unknown Accept type, an unfinished query are refused clearly', async () => {
  const { body } = await submit({ sql: 'SELECT country, count(*) FROM events GROUP BY 1 ORDER BY 1' });
  expect(body.result).toMatchObject({ truncated: false, stored: true });
  const all = await pageThrough(body.id, 3);
  expect(all.rows).toEqual(body.result?.rows);
  const badCursor = await system.request<{ error: { code: string } }>('GET', `/api/queries/${body.id}/result?cursor=nope`);
  expect([badCursor.status, badCursor.body.error.code]).toEqual([400, 'BAD_REQUEST']);
  const xml = await system.request<{ error: { code: string } }>('GET', `/api/queries/${body.id}/result`, undefined, { accept: 'application/xml' });
  expect([xml.status, xml.body.error.code]).toEqual([406, 'NOT_ACCEPTABLE']);
  // Seconds of work: it cannot have finished when its result is asked for.
  const queued = await system.request<QueryView>('POST', '/api/queries', { sql: 'SELECT sum(slow(id, 2)) FROM events', partitions: 2 });
  const early = await system.request<{ error: { code: string } }>('GET', `/api/queries/${queued.body.id}/result`);
  expect([early.status, early.body.error.code]).toEqual([409, 'QUERY_NOT_COMPLETED']);
  await system.request('DELETE', `/api/queries/${queued.body.id}`);
});

test('through the PostgreSQL port: every row of a result past the preview, and of one past RESULT_MAX_BYTES, as PostgreSQL prints them', async () => {
  const [host = '', port = ''] = (system.pgAddress ?? '').split(':');
  const psql = (target: string[], sql: string) =>
    execFileSync('psql', ['-XAtq', ...target, '-c', 'SET pgfan.partitions = 3', '-c', sql], { encoding: 'utf8', env: { ...process.env, PGTZ: 'UTC' } });
  const through = ['-h', host, '-p', port, '-U', 'anyone', '-d', system.db.name];
  const direct = ['-d', system.queryUrl];
  for (const sql of ['SELECT id, country, ratio, ts, tag FROM events ORDER BY id', "SELECT id, repeat('x', 100) AS pad FROM events ORDER BY id"]) {
    const expected = psql(direct, sql);
    expect(expected.split('\n').length).toBeGreaterThan(6799);
    expect(psql(through, sql)).toBe(expected);
  }
});
