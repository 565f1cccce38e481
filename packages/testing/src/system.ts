/**
 * The whole system for tests: a fixture database, a Redis database of its own, the built API
 * and worker processes — real processes, started the way users start them. Each jest worker
 * gets its own Redis database number, so parallel test files never share queues. Users' queries
 * run as a read-only role of the test's own, as they do after `npm start`.
 */
import { PgfanClient } from '@pgfan/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ADMIN_URL, createTestDatabase, databaseUrl, type TestDatabase } from './database';
import { Client } from 'pg';

const ROOT = join(__dirname, '..', '..', '..');
const API_ENTRY = join(ROOT, 'apps', 'api', 'dist', 'main.js');
const WORKER_ENTRY = join(ROOT, 'apps', 'worker', 'dist', 'main.js');
const SUPERVISOR_ENTRY = join(ROOT, 'apps', 'worker', 'dist', 'supervise.js');

export interface RunningProcess {
  readonly name: string;
  readonly pid: number;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  output(): string;
  kill(signal?: NodeJS.Signals): void;
}

export interface HttpResult<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export interface SystemOptions {
  label: string;
  workers?: number;
  workerEnv?: Record<string, string>;
  apiEnv?: Record<string, string>;
  /** Sent as a Bearer token by `request` unless its headers say otherwise (`authorization: ''` sends none). */
  apiKey?: string;
  /** A Redis of the test's own (see servers.ts) instead of a database on the shared one. */
  redisUrl?: string;
  /** A PostgreSQL server of the test's own: its admin URL. */
  adminUrl?: string;
  /**
   * Streaming replicas of `adminUrl`'s server (their admin URLs): the API and workers get them as
   * REPLICA_URLS, reached as the query role, in the test's database.
   */
  replicas?: string[];
  /**
   * Run users' queries as the database's admin (a superuser), with ALLOW_PRIVILEGED_QUERY_ROLE,
   * instead of a read-only role: for tests of the gates in front of the database role.
   */
  privilegedQueryRole?: boolean;
}

export interface System {
  readonly db: TestDatabase;
  /** Where users' queries run (QUERY_DATABASE_URL): the test's read-only role, or the admin with `privilegedQueryRole`. */
  readonly queryUrl: string;
  /** What the API and workers are started with (databases, Redis, the job signing key), for a process a test starts itself. */
  readonly env: Readonly<Record<string, string>>;
  readonly redisUrl: string;
  readonly redis: Redis;
  url: string;
  /** The API through @pgfan/client (the one REST client), with `apiKey`; `request` sends anything, for tests of what the client cannot send. */
  readonly client: PgfanClient;
  /** host:port of the API's PostgreSQL port; null when it is off. */
  pgAddress: string | null;
  api: RunningProcess;
  workers: RunningProcess[];
  request<T = unknown>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpResult<T>>;
  startWorker(id: string, env?: Record<string, string>): Promise<RunningProcess>;
  startApi(env?: Record<string, string>): Promise<void>;
  /** `npm start`'s worker supervisor, which starts and stops worker processes itself. */
  startSupervisor(env?: Record<string, string>): Promise<RunningProcess>;
  /** Resolves when the API's health reports `count` live workers. */
  waitForWorkers(count: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function startProcess(
  name: string,
  entry: string,
  env: Record<string, string>,
  ready: RegExp,
  timeoutMs = 30_000,
): Promise<{ process: RunningProcess; match: RegExpMatchArray }> {
  const child: ChildProcess = spawn(process.execPath, [entry], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const running: RunningProcess = {
    name,
    pid: child.pid ?? -1,
    exited,
    output: () => output,
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      running.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ process: running, match });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready:\n${output}`));
    });
  });
}

async function stopProcess(p: RunningProcess): Promise<void> {
  p.kill('SIGTERM');
  const timer = setTimeout(() => p.kill('SIGKILL'), 15_000);
  await p.exited;
  clearTimeout(timer);
}

/** Test roles are named with this prefix; a test run may drop leftovers from crashed runs. */
export const TEST_ROLE_PREFIX = 'pgfan_t_q_';

/**
 * A role that logs in and may read the tables of schema public, those there now and those the
 * admin makes later, as `npm run query-role` makes one. Its URL, and how to drop it (after the database).
 */
export async function createQueryRole(db: TestDatabase, adminUrl = ADMIN_URL): Promise<{ url: string; drop(): Promise<void> }> {
  const role = `${TEST_ROLE_PREFIX}${randomBytes(4).toString('hex')}`;
  await db.exec(`
    CREATE ROLE ${role} LOGIN;
    ALTER ROLE ${role} SET default_transaction_read_only = on;
    GRANT CONNECT ON DATABASE ${db.name} TO ${role};
    GRANT USAGE ON SCHEMA public TO ${role};
    GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role};
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ${role};
  `);
  const url = new URL(db.url);
  url.username = role;
  return {
    url: url.toString(),
    drop: async () => {
      const admin = new Client({ connectionString: databaseUrl('postgres', adminUrl) });
      await admin.connect();
      await admin.query(`DROP ROLE IF EXISTS ${role}`).finally(() => admin.end());
    },
  };
}

/** Starts a database, a clean Redis database, the API and `workers` worker processes. */
export async function startSystem(options: SystemOptions): Promise<System> {
  const db = await createTestDatabase(options.label, { adminUrl: options.adminUrl });
  const queryRole = options.privilegedQueryRole ? null : await createQueryRole(db, options.adminUrl ?? ADMIN_URL);
  const redisUrl = options.redisUrl ?? `redis://127.0.0.1:6379/${process.env.JEST_WORKER_ID ?? '1'}`;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  await redis.flushdb();
  const queryUrl = queryRole?.url ?? db.url;
  const onReplica = (replica: string) => {
    const url = new URL(queryUrl);
    url.host = new URL(replica).host;
    return url.toString();
  };
  const common = {
    ...(options.replicas?.length ? { REPLICA_URLS: options.replicas.map(onReplica).join(',') } : {}),
    DATABASE_URL: db.url,
    QUERY_DATABASE_URL: queryUrl,
    JOB_SIGNING_KEY: randomBytes(24).toString('base64url'),
    ...(queryRole ? {} : { ALLOW_PRIVILEGED_QUERY_ROLE: 'true' }),
    REDIS_URL: redisUrl,
  };
  const system: System = {
    db,
    queryUrl,
    env: common,
    redisUrl,
    redis,
    url: '',
    get client() {
      return new PgfanClient({ baseUrl: system.url, apiKey: options.apiKey ?? null });
    },
    pgAddress: null,
    api: undefined as unknown as RunningProcess,
    workers: [],
    async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
      const { authorization = options.apiKey ? `Bearer ${options.apiKey}` : '', ...rest } = headers;
      const response = await fetch(`${system.url}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(authorization ? { authorization } : {}), ...rest },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body: parsed as T, headers: response.headers };
    },
    async startWorker(id, env = {}) {
      const { process: worker } = await startProcess(
        `worker ${id}`,
        WORKER_ENTRY,
        { ...common, WORKER_ID: id, LOCK_DURATION_MS: '3000', STALLED_INTERVAL_MS: '1000', ...options.workerEnv, ...env },
        /ready:/,
      );
      system.workers.push(worker);
      return worker;
    },
    async startSupervisor(env = {}) {
      const { process: supervisor } = await startProcess(
        'supervisor',
        SUPERVISOR_ENTRY,
        { ...common, LOCK_DURATION_MS: '3000', STALLED_INTERVAL_MS: '1000', ...options.workerEnv, ...env },
        /"msg":"\d+ workers/,
      );
      system.workers.push(supervisor);
      return supervisor;
    },
    async startApi(env = {}) {
      const { process: api, match } = await startProcess(
        'api',
        API_ENTRY,
        { ...common, PORT: '0', PG_PORT: '0', ...options.apiEnv, ...env },
        /listening on (http:\/\/[^\s"]+)(?: and postgresql:\/\/([^\s"]+))?/,
      );
      system.api = api;
      system.url = match[1] as string;
      system.pgAddress = match[2] ?? null;
    },
    async waitForWorkers(count, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const health = await system.request<{ workers: { live: number } }>('GET', '/api/health').catch(() => null);
        if (health?.body.workers?.live === count) return;
        if (Date.now() > until) throw new Error(`expected ${count} live workers, health says ${JSON.stringify(health?.body)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      await Promise.all([...system.workers, ...(system.api ? [system.api] : [])].map(stopProcess));
      await redis.flushdb().catch(() => undefined);
      redis.disconnect();
      await db.drop();
      await queryRole?.drop();
    },
  };
  try {
    await system.startApi();
    await Promise.all(Array.from({ length: options.workers ?? 2 }, (_, i) => system.startWorker(`w${i + 1}`)));
    await system.waitForWorkers(options.workers ?? 2);
  } catch (error) {
    await system.stop().catch(() => undefined);
    throw error;
  }
  return system;
}

/** Polls until `check` returns a value other than undefined, or throws after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
