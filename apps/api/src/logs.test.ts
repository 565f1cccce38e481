/**
 * The logs an operator greps: every line of the API and the workers is one JSON object (outside a
 * terminal), a request's lines carry its request id (the caller's `X-Request-Id`, or a new one,
 * echoed back), and one query's story — admitted by the API, ended by a worker — is found in
 * every process by its query id. Keys never reach the log.
 */
import type { QueryView } from '@pgfan/contracts';
import { eventually, LEVEL, logLines, startSystem, type LogLine, type System } from '@pgfan/testing';

const KEY = 'logs-test-key-0123456789';
let system: System;

beforeAll(async () => {
  system = await startSystem({ label: 'logs', apiKey: KEY, apiEnv: { API_KEYS: KEY, INLINE_MAX_MS: '0', INLINE_CONCURRENCY: '0' } });
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

const apiLines = () => logLines(system.api.output());
const workerLines = () => system.workers.flatMap((w) => logLines(w.output()));

test('every line of the API and the worker is a JSON object with a level, a message and the process it came from', () => {
  for (const [process, name] of [[system.api, 'pgfan-api'], ...system.workers.map((w) => [w, 'pgfan-worker'] as const)] as const) {
    const lines = process.output().split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    expect(logLines(process.output())).toHaveLength(lines.length);
    for (const line of logLines(process.output()))
      expect(line).toMatchObject({
        name,
        level: expect.any(Number),
        msg: expect.any(String),
        time: expect.any(Number),
        pid: expect.any(Number),
        hostname: expect.any(String),
      });
  }
  for (const worker of system.workers) expect(logLines(worker.output()).every((line) => `worker ${String(line.worker)}` === worker.name)).toBe(true);
  expect(apiLines().find((line) => line.msg.startsWith('listening on'))).toMatchObject({ level: LEVEL.info, http: system.url, version: expect.any(String) });
});

test("a query's lines carry its request id in the API and its query id in the API and in whichever ended it, the API or a worker", async () => {
  // Not waited for: a worker's coordinator and combine job end it.
  const queued = await system.request<QueryView>('POST', '/api/queries', { sql: 'SELECT sum(id) AS s FROM events', partitions: 2 });
  const endedByWorker = await eventually(async () => workerLines().find((line) => line.queryId === queued.body.id && line.status === 'completed'));
  expect(endedByWorker).toMatchObject({
    worker: expect.stringMatching(/^w\d$/),
    generation: 1,
    rows: 1,
    msg: expect.stringMatching(new RegExp(`^query ${queued.body.id} completed in \\d+ ms$`)),
  });
  // Waited for: the API coordinates and combines it, and ends it in the request's lines.
  const { status, body, headers } = await system.request<QueryView>(
    'POST',
    '/api/queries?wait=30000',
    { sql: 'SELECT count(*) AS n FROM events', partitions: 3 },
    { 'x-request-id': 'dashboard-7f3a' },
  );
  expect([status, body.status, headers.get('x-request-id')]).toEqual([200, 'completed', 'dashboard-7f3a']);
  const ofQuery = (line: LogLine) => line.queryId === body.id;
  const admitted = await eventually(async () => apiLines().find((line) => ofQuery(line) && line.msg.includes('admitted')));
  expect(admitted).toMatchObject({ requestId: 'dashboard-7f3a', level: LEVEL.info, mode: 'fan-out', fragments: 3 });
  const access = await eventually(async () => apiLines().find((line) => line.requestId === 'dashboard-7f3a' && line.res !== undefined));
  expect(access).toMatchObject({ req: { method: 'POST', url: '/api/queries?wait=30000' }, res: { statusCode: 200 }, client: 'env-1', ms: expect.any(Number) });
  const ended = await eventually(async () => apiLines().find((line) => ofQuery(line) && line.status === 'completed'));
  expect(ended).toMatchObject({
    requestId: 'dashboard-7f3a',
    generation: 1,
    rows: 1,
    msg: expect.stringMatching(new RegExp(`^query ${body.id} completed in \\d+ ms$`)),
  });
  // Once each: a log store keeps one of two equal keys, or refuses the line.
  const twice = (output: string) => output.split('\n').filter((line) => ['"queryId":', '"requestId":'].some((key) => line.split(key).length > 2));
  expect([system.api, ...system.workers].flatMap((p) => twice(p.output()))).toEqual([]);
});

test('a request id that could forge a log line is replaced by a new one', async () => {
  const { headers } = await system.request('GET', '/api/queries?limit=1', undefined, { 'x-request-id': 'a b"}{"level":60' });
  const id = headers.get('x-request-id') ?? '';
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  await eventually(async () => apiLines().find((line) => line.requestId === id && line.res !== undefined));
});

test('a failed request is logged at its level with its error code, and keys never reach the log', async () => {
  const { status, headers } = await system.request('GET', '/api/queries', undefined, { authorization: 'Bearer not-a-key-but-secret-looking' });
  expect(status).toBe(401);
  const line = await eventually(async () => apiLines().find((l) => l.requestId === headers.get('x-request-id') && l.res !== undefined));
  expect(line).toMatchObject({ level: LEVEL.info, res: { statusCode: 401 } });
  expect(system.api.output()).not.toContain(KEY);
  expect(system.api.output()).not.toContain('not-a-key-but-secret-looking');
  // Probes every few seconds are below info: the default level does not print them.
  await system.request('GET', '/api/health/live');
  expect(apiLines().some((l) => (l.req as { url?: string } | undefined)?.url === '/api/health/live')).toBe(false);
});

test('LOG_FORMAT=pretty prints lines for people', async () => {
  const pretty = await system.startWorker('w9', { LOG_FORMAT: 'pretty' });
  expect(pretty.output()).toMatch(/INFO.*ready: /);
  expect(logLines(pretty.output())).toEqual([]);
});
