/** `npm run query` without --local: the query goes through the API to the workers. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startSystem, type System } from '@pgfan/testing';

const CLI = join(__dirname, '..', 'dist', 'main.js');
let system: System;

beforeAll(async () => {
  system = await startSystem({ label: 'cli_api' });
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

const cli = (args: string[], apiUrl = system.url) =>
  promisify(execFile)(process.execPath, [CLI, ...args], { env: { ...process.env, API_URL: apiUrl } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

test('runs a query on the workers and prints the table', async () => {
  const { code, stdout } = await cli(['--partitions', '3', 'SELECT count(*) AS n FROM events']);
  expect(code).toBe(0);
  expect(stdout).toMatch(/^ n {4}\n-+\n 6799 \n\(1 row\)\nparallel · 3 fragments over page ranges of public.events · /);
});

test('--json prints the API record; refusals print as failed records', async () => {
  const { code, stdout } = await cli(['--json', 'DELETE FROM events']);
  expect(code).toBe(1);
  expect(JSON.parse(stdout)).toMatchObject({ status: 'failed', error: { code: 'NOT_READ_ONLY' } });
  const ok = await cli(['--json', 'SELECT 1 AS one FROM single_event']);
  expect(JSON.parse(ok.stdout)).toMatchObject({ status: 'completed', id: expect.any(String), result: { rows: [[1]] } });
});

test('an unreachable API is one clear line', async () => {
  const { code, stderr } = await cli(['SELECT 1'], 'http://127.0.0.1:1');
  expect(code).toBe(1);
  expect(stderr).toMatch(/^cannot reach the API at http:\/\/127\.0\.0\.1:1 \(.*\); start it with npm start, or run with --local\n$/);
});
