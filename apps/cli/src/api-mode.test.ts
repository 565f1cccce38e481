/** `npm run query` without --local: the query goes through the API to the workers. */
import { startSystem, type System } from '@pgfan/testing';
import { runBuilt } from './__tests__/run-built';

const KEY = 'cli-key-0123456789abcdef';
let system: System;

beforeAll(async () => {
  system = await startSystem({ label: 'cli_api', apiKey: KEY, apiEnv: { API_KEYS: KEY } });
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
