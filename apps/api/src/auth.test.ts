/**
 * With API keys configured, every surface refuses requests without a valid key: REST, socket.io
 * and Bull Board; probes get only a verdict. Keys from the table work and stop working when
 * revoked. Limits answer 429/503 with Retry-After; headers are hardened; CORS is opt-in.
 */
import type { QueryView } from '@pgfan/contracts';
import { createApiKey, revokeApiKey } from '@pgfan/store';
import { eventually, SLOW_FUNCTION_SQL, startSystem, type System } from '@pgfan/testing';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { io } from 'socket.io-client';

const KEY = 'test-key-0123456789abcdef';
// Keys of their own for the limit tests, so one test's queries do not count against another's.
const RATE_KEY = 'rate-key-0123456789abcdef';
const BUSY_KEY = 'busy-key-0123456789abcdef';
const ADMIN_KEY = 'admin-key-0123456789abcdef';
const SLOW = 'SELECT sum(slow(id, 2)) FROM events';

let system: System;
let store: Pool;
/** A self-signed certificate for the PostgreSQL port, valid for 127.0.0.1. */
const tls = { dir: mkdtempSync(join(tmpdir(), 'pgfan-tls-')), cert: '', key: '' };

beforeAll(async () => {
  [tls.cert, tls.key] = [join(tls.dir, 'cert.pem'), join(tls.dir, 'key.pem')];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      tls.key,
      '-out',
      tls.cert,
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    {
      stdio: 'ignore',
    },
  );
  system = await startSystem({
    label: 'auth',
    apiKey: KEY,
    apiEnv: {
      API_KEYS: [KEY, RATE_KEY, BUSY_KEY].join(','),
      ADMIN_KEYS: ADMIN_KEY,
      RATE_LIMIT_PER_SECOND: '8',
      API_KEYS_REFRESH_MS: '300',
      MAX_ACTIVE_QUERIES_PER_KEY: '2',
      CORS_ORIGINS: 'https://bi.example.com',
      PG_TLS_CERT: tls.cert,
      PG_TLS_KEY: tls.key,
    },
  });
  await system.db.exec(SLOW_FUNCTION_SQL);
  store = new Pool({ connectionString: system.db.url, max: 1 });
}, 90_000);

afterAll(async () => {
  await store?.end();
  await system?.stop();
});

const noKey = { authorization: '' };

describe('REST', () => {
  test.each([
    ['POST', '/api/queries'],
    ['GET', '/api/queries'],
    ['GET', '/api/queries/00000000-0000-4000-8000-000000000000'],
    ['DELETE', '/api/queries/00000000-0000-4000-8000-000000000000'],
    ['GET', '/api/openapi.json'],
    ['GET', '/api/nope'],
  ])('%s %s without a key → 401 UNAUTHORIZED with a Bearer challenge', async (method, path) => {
    const { status, body, headers } = await system.request(method, path, method === 'POST' ? { sql: 'SELECT 1' } : undefined, noKey);
    expect(status).toBe(401);
    expect(body).toEqual({ error: { code: 'UNAUTHORIZED', message: 'an API key is required: send it as "Authorization: Bearer <key>"' } });
    expect(headers.get('www-authenticate')).toMatch(/^Bearer realm="pgfan"/);
  });

  test.each([`Bearer wrong-key-0123456789`, 'Basic Zm9vOmJhcg==', `Token ${KEY}`, 'Bearer'])('a wrong key or scheme (%s) → 401', async (authorization) => {
    const { status } = await system.request('GET', '/api/queries', undefined, { authorization });
    expect(status).toBe(401);
  });

  test('with the key, queries run', async () => {
    const { status, body } = await system.request<QueryView>('POST', '/api/queries?wait=10000', { sql: 'SELECT count(*) FROM events' });
    expect(status).toBe(200);
    expect(body.result?.rows).toEqual([['6799']]);
  });

  test('probes need no key, and without one see only the verdict', async () => {
    expect(await system.request('GET', '/api/health/live', undefined, noKey)).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await system.request('GET', '/api/health', undefined, noKey)).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(Object.keys((await system.request<object>('GET', '/api/health', undefined, noKey)).body)).toEqual(['status']);
    expect((await system.request<{ workers: { live: number } }>('GET', '/api/health')).body.workers.live).toBe(2);
  });
});

test('Bull Board asks a browser for the key (Basic, any user name) and opens with an admin key', async () => {
  const refused = await system.request('GET', '/admin/queues', undefined, noKey);
  expect(refused.status).toBe(401);
  expect(refused.headers.get('www-authenticate')).toMatch(/^Basic realm="pgfan"/);
  const basic = `Basic ${Buffer.from(`anyone:${ADMIN_KEY}`).toString('base64')}`;
  const page = await system.request<string>('GET', '/admin/queues', undefined, { authorization: basic });
  expect(page.status).toBe(200);
  expect(page.body).toContain('pgfan queues');
  expect((await system.request('GET', '/admin/queues/api/queues', undefined, { authorization: basic })).status).toBe(200);
  expect((await system.request('GET', '/admin/queues/api/queues', undefined, noKey)).status).toBe(401);
});

describe('socket.io', () => {
  const connect = (auth?: { token: string }) =>
    new Promise<string>((resolve) => {
      const socket = io(system.url, { transports: ['websocket'], reconnection: false, ...(auth ? { auth } : {}) });
      socket.once('connect', () => {
        socket.disconnect();
        resolve('connected');
      });
      socket.once('connect_error', (error) => {
        socket.disconnect();
        resolve(`refused: ${error.message}`);
      });
    });

  test('refuses a handshake without a key, or with a wrong one', async () => {
    expect(await connect()).toBe('refused: an API key is required: send it as "Authorization: Bearer <key>"');
    expect(await connect({ token: 'wrong-key-0123456789' })).toBe('refused: the API key is not valid (unknown or revoked)');
  });

  test('accepts the key as auth.token', async () => {
    expect(await connect({ token: KEY })).toBe('connected');
  });
});

test('a key made in the table works within seconds, and stops working when revoked', async () => {
  const made = await createApiKey(store, 'reporting');
  const auth = { authorization: `Bearer ${made}` };
  await eventually(async () => ((await system.request('GET', '/api/queries', undefined, auth)).status === 200 ? true : undefined), 10_000, 'the new key');
  await revokeApiKey(store, 'reporting');
  await eventually(async () => ((await system.request('GET', '/api/queries', undefined, auth)).status === 401 ? true : undefined), 10_000, 'the revocation');
});

describe('limits', () => {
  test('past RATE_LIMIT_PER_SECOND a key gets 429 RATE_LIMITED with Retry-After', async () => {
    // Align with a fresh one-second window, so all twenty land in it.
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20));
    const auth = { authorization: `Bearer ${RATE_KEY}` };
    const answers = await Promise.all(Array.from({ length: 20 }, () => system.request('POST', '/api/queries', { sql: 'SELECT 1 AS one' }, auth)));
    const limited = answers.filter((a) => (a.body as { error?: { code: string } }).error?.code === 'RATE_LIMITED');
    expect(limited.length).toBeGreaterThanOrEqual(10);
    expect(limited[0]?.status).toBe(429);
    expect(limited[0]?.headers.get('retry-after')).toBe('1');
    expect(answers.every((a) => a.status === 429 || a.status === 202)).toBe(true);
  });

  test('past MAX_ACTIVE_QUERIES_PER_KEY unfinished queries, the next gets 429 TOO_MANY_QUERIES, and none is recorded', async () => {
    const auth = { authorization: `Bearer ${BUSY_KEY}` };
    const first = await system.request<QueryView>('POST', '/api/queries', { sql: SLOW, partitions: 2 }, auth);
    const second = await system.request<QueryView>('POST', '/api/queries', { sql: SLOW, partitions: 2 }, auth);
    expect([first.status, second.status]).toEqual([202, 202]);
    const third = await system.request('POST', '/api/queries', { sql: SLOW, partitions: 2 }, auth);
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ error: { code: 'TOO_MANY_QUERIES', message: expect.stringContaining('already has 2 unfinished queries') } });
    expect(third.headers.get('retry-after')).toBe('1');
    const recorded = await store.query("SELECT count(*) AS n FROM pgfan.queries WHERE client = 'env-3'");
    expect(recorded.rows[0]).toEqual({ n: '2' });
    // Another key is not held up by this one's queries.
    expect((await system.request('POST', '/api/queries', { sql: 'SELECT 1 AS one' })).status).toBe(202);
    await Promise.all([first, second].map((q) => system.request('DELETE', `/api/queries/${q.body.id}`, undefined, auth)));
    const fourth = await system.request('POST', '/api/queries', { sql: 'SELECT 1 AS one' }, auth);
    expect(fourth.status).toBe(202);
  });

  test('a quick query refused at the cap leaves no statement running: the one started beside its admission is cancelled', async () => {
    const auth = { authorization: `Bearer ${BUSY_KEY}` };
    // The test before leaves the key a query still to run: the cap counts it until it ends.
    const unfinished = () =>
      store.query<{ n: string }>("SELECT count(*) AS n FROM pgfan.queries WHERE client = 'env-3' AND status IN ('queued', 'running', 'combining')");
    await eventually(async () => ((await unfinished()).rows[0]?.n === '0' ? true : undefined), 20_000, "the key's earlier queries to end");
    const held = await Promise.all([1, 2].map(() => system.request<QueryView>('POST', '/api/queries', { sql: SLOW, partitions: 2 }, auth)));
    expect(held.map((q) => q.status)).toEqual([202, 202]);
    // Predicted quick (a call with no table to read), it starts before the store refuses it; it would sleep 60 s.
    const refused = await system.request('POST', '/api/queries?wait=60000', { sql: 'SELECT slow(1, 60000) AS refused' }, auth);
    expect(refused.status).toBe(429);
    const running = () => store.query("SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE '%slow(1, 60000) AS refused%' AND pid <> pg_backend_pid()");
    await eventually(async () => ((await running()).rows[0]?.n === '0' ? true : undefined), 5_000, 'no statement of the refused query');
    await Promise.all(held.map((q) => system.request('DELETE', `/api/queries/${q.body.id}`, undefined, auth)));
  });

  test('SQL longer than MAX_SQL_LENGTH → 413 QUERY_TOO_LONG', async () => {
    const { status, body } = await system.request('POST', '/api/queries', { sql: `SELECT 1 ${' '.repeat(100_000)}` });
    expect(status).toBe(413);
    expect(body).toMatchObject({ error: { code: 'QUERY_TOO_LONG' } });
  });
});

describe('headers', () => {
  test('helmet: no sniffing, no framing, a content security policy', async () => {
    const { headers } = await system.request('GET', '/api/health/live');
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(headers.get('x-powered-by')).toBeNull();
  });

  test('CORS answers only the configured origins', async () => {
    const allowed = await system.request('OPTIONS', '/api/queries', undefined, {
      origin: 'https://bi.example.com',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type',
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://bi.example.com');
    expect(allowed.headers.get('access-control-allow-headers')).toBe('Authorization,Content-Type,X-Request-Id');
    const actual = await system.request('GET', '/api/queries', undefined, { origin: 'https://bi.example.com' });
    expect(actual.headers.get('access-control-expose-headers')).toBe('Location,Retry-After,X-Request-Id');
    const other = await system.request('GET', '/api/queries', undefined, { origin: 'https://evil.example.com' });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('the PostgreSQL port', () => {
  const pgClient = (password: string | undefined, user = 'anyone') => {
    const [host, port] = (system.pgAddress ?? '').split(':');
    return new Client({ host, port: Number(port), user, database: system.db.name, ...(password === undefined ? {} : { password }) });
  };
  /** Connects with `password` and runs one query: its rows, or how it was refused. */
  const attempt = async (password: string | undefined, sql = 'SELECT 1 AS one') => {
    const client = pgClient(password);
    client.on('error', () => undefined);
    try {
      await client.connect();
      return (await client.query(sql)).rows;
    } catch (error) {
      const { code, message, detail } = error as { code?: string; message: string; detail?: string };
      return { code, message, detail };
    } finally {
      await client.end().catch(() => undefined);
    }
  };

  test('an API key is the password, checked by SCRAM-SHA-256; a wrong one or none is refused as PostgreSQL refuses', async () => {
    expect(await attempt(KEY)).toEqual([{ one: 1 }]);
    expect(await attempt(ADMIN_KEY)).toEqual([{ one: 1 }]);
    expect(await attempt('wrong-key-0123456789')).toMatchObject({ code: '28P01', message: 'password authentication failed for user "anyone"' });
    expect(await attempt(undefined)).toMatchObject({ message: expect.stringMatching(/password/) });
  });

  test("a fanned-out query is the key's, as over REST", async () => {
    const sql = 'SELECT count(*), sum(flags) FROM events';
    const client = pgClient(BUSY_KEY);
    await client.connect();
    try {
      await client.query('SET pgfan.partitions = 2');
      await client.query(sql);
    } finally {
      await client.end();
    }
    const mine = await system.request<{ queries: QueryView[] }>('GET', '/api/queries', undefined, { authorization: `Bearer ${BUSY_KEY}` });
    expect(mine.body.queries.find((q) => q.sql === sql)).toMatchObject({ plan: { mode: 'fan-out' }, status: 'completed' });
    const others = await system.request<{ queries: QueryView[] }>('GET', '/api/queries');
    expect(others.body.queries.some((q) => q.sql === sql)).toBe(false);
  });

  test("a key made in the table works; one made before verifiers were kept is refused with a reason; a revoked key's session ends", async () => {
    const made = await createApiKey(store, 'pg-reporting');
    const client = await eventually(async () => {
      const candidate = pgClient(made);
      candidate.on('error', () => undefined);
      return candidate.connect().then(
        () => candidate,
        () => undefined,
      );
    }, 10_000);
    const ended = new Promise<{ code?: string }>((resolve) => client.on('error', (error) => resolve(error as { code?: string })));
    await revokeApiKey(store, 'pg-reporting');
    expect(await ended).toMatchObject({ code: '57P01' });
    await client.end().catch(() => undefined);

    const old = 'old-key-0123456789abcdef';
    await store.query(`INSERT INTO pgfan.api_keys (name, key_sha256, admin) VALUES ('before-scram', encode(sha256($1::bytea), 'hex'), false)`, [old]);
    const auth = { authorization: `Bearer ${old}` };
    await eventually(async () => ((await system.request('GET', '/api/queries', undefined, auth)).status === 200 ? true : undefined), 10_000, 'the old key');
    expect(await attempt(old)).toMatchObject({ code: '28P01', detail: expect.stringContaining('connect with TLS') });
    // Over TLS, the key itself is the password: any key works, an old one too.
    expect(await psql(old, 'require')).toMatchObject({ code: 0, stdout: '1\n' });
  });

  const psql = (password: string, sslmode: string, extra: Record<string, string> = {}) => {
    const [host = '', port = ''] = (system.pgAddress ?? '').split(':');
    try {
      const stdout = execFileSync('psql', ['-XAtw', '-h', host, '-p', port, '-U', 'anyone', '-d', system.db.name, '-c', 'SELECT 1'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, PGPASSWORD: password, PGSSLMODE: sslmode, ...extra },
      });
      return { code: 0, stdout };
    } catch (error) {
      return { code: 1, stderr: (error as { stderr: string }).stderr };
    }
  };

  test('TLS when the client asks (PG_TLS_CERT): verified against the certificate, refused for a wrong key', async () => {
    expect(psql(KEY, 'verify-full', { PGSSLROOTCERT: tls.cert })).toEqual({ code: 0, stdout: '1\n' });
    expect(psql(KEY, 'prefer')).toEqual({ code: 0, stdout: '1\n' });
    expect(psql(KEY, 'disable')).toEqual({ code: 0, stdout: '1\n' });
    expect(psql('wrong-key-0123456789', 'require')).toMatchObject({ code: 1, stderr: expect.stringContaining('password authentication failed') });
  });
});
