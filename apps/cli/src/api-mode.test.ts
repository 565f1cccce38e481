/** `npm run query` without --local: the query goes through the API to the workers. */
import { execFileSync } from 'node:child_process';
import { startSystem, type System } from '@pgfan/testing';
import { runBuilt } from './__tests__/run-built';

const KEY = 'cli-key-0123456789abcdef';
let system: System;

beforeAll(async () => {
  // A record keeps 50 rows: the CLI reads the rest of a result page by page.
  const limits = { RESULT_MAX_ROWS: '50' };
  system = await startSystem({ label: 'cli_api', apiKey: KEY, apiEnv: { API_KEYS: KEY, ...limits }, workerEnv: limits });
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

const cli = (args: string[], env: Record<string, string> = {}) => runBuilt('main.js', args, { API_URL: system.url, API_KEY: KEY, ...env });

test('runs a query on the workers and prints the table', async () => {
  const { code, stdout } = await cli(['--partitions', '3', 'SELECT count(*) AS n FROM events']);
  expect(code).toBe(0);
  expect(stdout).toMatch(/^ n {4}\n-+\n 6799 \n\(1 row\)\nfan-out · 3 fragments over page ranges of public.events · /);
});

test('--json prints the API record; refusals print as failed records', async () => {
  const { code, stdout } = await cli(['--json', 'DELETE FROM events']);
  expect(code).toBe(1);
  expect(JSON.parse(stdout)).toMatchObject({ status: 'failed', error: { code: 'NOT_READ_ONLY' } });
  const ok = await cli(['--json', 'SELECT 1 AS one FROM single_event']);
  expect(JSON.parse(ok.stdout)).toMatchObject({ status: 'completed', id: expect.any(String), result: { rows: [[1]] } });
});

test('an unreachable API is one clear line', async () => {
  const { code, stderr } = await cli(['SELECT 1'], { API_URL: 'http://127.0.0.1:1' });
  expect(code).toBe(1);
  expect(stderr).toMatch(/^cannot reach the API at http:\/\/127\.0\.0\.1:1 \(.*\); start it with npm start, or run with --local\n$/);
});

test('without API_KEY, an API with keys refuses, and the CLI says which setting to use', async () => {
  const { code, stdout } = await cli(['--json', 'SELECT 1'], { API_KEY: '' });
  expect(code).toBe(1);
  expect(JSON.parse(stdout)).toMatchObject({ status: 'failed', error: { code: 'UNAUTHORIZED', message: expect.stringContaining('set API_KEY') } });
});

test("every row, not the record's preview: as a table, as JSON, and as CSV (what COPY writes)", async () => {
  const sql = 'SELECT id, country, ratio FROM events ORDER BY id';
  const table = await cli(['--partitions', '2', sql]);
  expect(table.code).toBe(0);
  expect(table.stdout).toMatch(/\n\(6799 rows\)\n/);
  expect(table.stdout.split('\n').filter((line) => /^ +\d+ \|/.test(line))).toHaveLength(6799);
  const json = await cli(['--format', 'json', '--partitions', '2', sql]);
  expect(JSON.parse(json.stdout)).toMatchObject({ status: 'completed', result: { rowCount: 6799, truncated: false } });
  expect(JSON.parse(json.stdout).result.rows).toHaveLength(6799);
  const csv = await cli(['--format', 'csv', '--partitions', '2', sql]);
  const copied = execFileSync('psql', ['-X', '-d', system.db.url, '-c', `COPY (${sql}) TO STDOUT WITH (FORMAT csv, HEADER)`], { encoding: 'utf8' });
  expect(csv.stdout).toBe(copied);
  expect(csv.stderr).toMatch(/^fan-out · 2 fragments/);
});
