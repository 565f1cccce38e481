/**
 * @pgfan/client against a running API, over Node's fetch and over node:http (`@pgfan/client/node`):
 * every operation of the OpenAPI document it was generated from, its answers checked by the
 * contract's schemas, the API's errors thrown with their codes and request ids; and its generated
 * types are those of the document the API serves now.
 */
import { PgfanApiError, PgfanClient, PgfanUnreachableError, type PgfanClientOptions } from '@pgfan/client';
import { nodeTransport } from '@pgfan/client/node';
import { openApiDocument } from '@pgfan/contracts';
import { freePort, startSystem, type System } from '@pgfan/testing';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VERSION } from './version';

const KEY = 'client-test-key-0123456789';
let system: System;

beforeAll(async () => {
  system = await startSystem({ label: 'client', apiKey: KEY, apiEnv: { API_KEYS: KEY, RESULT_MAX_ROWS: '5' }, workerEnv: { RESULT_MAX_ROWS: '5' } });
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

const TRANSPORTS: [string, () => Partial<PgfanClientOptions>][] = [
  ["Node's fetch", () => ({})],
  ['node:http', nodeTransport],
];

describe.each(TRANSPORTS)('over %s', (_, transport) => {
  const connect = (options: PgfanClientOptions) => new PgfanClient({ ...options, ...transport() });
  let client: PgfanClient;
  beforeAll(() => {
    client = connect({ baseUrl: system.url, apiKey: KEY });
  });

  test('submit, follow, list, read every row by pages and as CSV', async () => {
    const sql = 'SELECT id, device FROM events WHERE id <= 12 ORDER BY id';
    const { query, finished } = await client.submit({ sql, partitions: 3 }, { waitMs: 30_000 });
    expect([finished, query.status, query.result?.rows.length, query.result?.truncated]).toEqual([true, 'completed', 5, true]);
    expect(await client.query(query.id)).toMatchObject({ id: query.id, status: 'completed' });
    const first = await client.resultPage(query.id, { limit: 8 });
    const rest = await client.resultPage(query.id, { cursor: first.nextCursor, limit: 8 });
    expect([...first.rows, ...rest.rows].map((row) => row[0])).toEqual(Array.from({ length: 12 }, (_, i) => String(i + 1)));
    expect(rest.nextCursor).toBeNull();
    expect((await client.resultPage(query.id, { offset: 10 })).rows).toHaveLength(2);
    const csv = await client.resultCsv(query.id);
    expect(csv.split('\n')[0]).toBe('id,device');
    expect(csv.trimEnd().split('\n')).toHaveLength(13);
    const page = await client.list({ status: 'completed', limit: 1 });
    expect(page.queries.map((q) => q.id)).toEqual([query.id]);
    // Followed to its end without a wait on the submission: polled until it finished.
    const followed = await client.run({ sql: 'SELECT count(*) AS n FROM events', partitions: 2 }, { waitMs: 0, pollMs: 20 });
    expect([followed.status, followed.result?.rows]).toEqual(['completed', [['6799']]]);
  });

  test('without a wait the submission is accepted, and can be cancelled; cancelling it again is the API’s QUERY_FINISHED', async () => {
    const { query, finished } = await client.submit({ sql: 'SELECT count(*) FROM events a, events b', partitions: 2 });
    expect(finished).toBe(false);
    expect((await client.cancel(query.id)).status).toBe('cancelled');
    const again = await client.cancel(query.id).catch((error: unknown) => error);
    expect(again).toBeInstanceOf(PgfanApiError);
    expect(again).toMatchObject({ status: 409, code: 'QUERY_FINISHED', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });

  test('a refused query throws the API’s code, message and position', async () => {
    const error = await client.submit({ sql: 'SELECT FROM FROM events' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PgfanApiError);
    expect(error).toMatchObject({ status: 400, code: 'SYNTAX_ERROR', error: { position: expect.any(Object) } });
  });

  test('a wrong key is 401, told to onError before it is thrown; health without a key is the verdict alone', async () => {
    const told: PgfanApiError[] = [];
    const keyless = connect({ baseUrl: system.url, apiKey: () => 'not-the-key', onError: (e) => told.push(e) });
    await expect(keyless.list()).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(told.map((e) => e.code)).toEqual(['UNAUTHORIZED']);
    expect(await connect({ baseUrl: system.url }).health()).toEqual({ status: 'ok' });
    expect(await client.health()).toMatchObject({ status: 'ok', workers: { live: 2 } });
  });

  test('no API at the address: PgfanUnreachableError naming it', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    await expect(connect({ baseUrl: url }).list()).rejects.toThrow(PgfanUnreachableError);
    await expect(connect({ baseUrl: url }).list()).rejects.toThrow(`cannot reach the API at ${url}`);
  });
});

test('over node:https, through a proxy that ends TLS: a certificate given to trust', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgfan-client-tls-'));
  const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
  const subject = ['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', ...subject], { stdio: 'ignore' });
  const proxy = createHttpsServer({ cert: readFileSync(cert), key: readFileSync(key) }, (request, response) => {
    const upstream = httpRequest(new URL(request.url ?? '/', system.url), { method: request.method, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  try {
    const baseUrl = `https://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const client = new PgfanClient({ baseUrl, apiKey: KEY, ...nodeTransport({ tls: { ca: readFileSync(cert) } }) });
    const { query, finished } = await client.submit({ sql: 'SELECT count(*) AS n FROM events', partitions: 2 }, { waitMs: 30_000 });
    expect([finished, query.result?.rows]).toEqual([true, [['6799']]]);
    // Not trusted without it: no answer, as when the address is wrong.
    await expect(new PgfanClient({ baseUrl, ...nodeTransport() }).list()).rejects.toThrow(PgfanUnreachableError);
  } finally {
    proxy.closeAllConnections();
    await new Promise((resolve) => proxy.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('over node:http, what openapi-fetch may read of an answer: text, JSON, bytes, a Blob, a stream', async () => {
  const { http } = new PgfanClient({ baseUrl: system.url, ...nodeTransport() });
  const read = async (parseAs: 'text' | 'json' | 'arrayBuffer' | 'blob' | 'stream') => (await http.GET('/api/health/live', { parseAs })).data as unknown;
  const served = '{"status":"ok"}';
  expect(await read('text')).toBe(served);
  expect(await read('json')).toEqual({ status: 'ok' });
  expect(Buffer.from((await read('arrayBuffer')) as ArrayBuffer).toString()).toBe(served);
  expect(await ((await read('blob')) as Blob).text()).toBe(served);
  expect(await new Response((await read('stream')) as ReadableStream).text()).toBe(served);
});

test('the generated types are those of the document the API serves', async () => {
  const served = await system.request('GET', '/api/openapi.json');
  expect(served.body).toEqual(JSON.parse(JSON.stringify(openApiDocument(VERSION))));
  // Regenerating from the contract changes nothing: src/openapi.ts is current.
  expect(() =>
    execFileSync(process.execPath, [join(__dirname, '..', '..', '..', 'packages', 'client', 'scripts', 'generate.mjs'), '--check'], { stdio: 'pipe' }),
  ).not.toThrow();
});
