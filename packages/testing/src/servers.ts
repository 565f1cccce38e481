/**
 * Private Redis and PostgreSQL servers for the chaos tests, which restart them: the machine's
 * own servers are shared by every test file and must stay up. Each runs from a temporary
 * directory on a free port and is stopped by its PID.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface PrivateRedis {
  readonly url: string;
  /** Kills the server (SIGKILL: no chance to save anything more) and starts it again from its append-only file. */
  restart(options?: { downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

/** A Redis server with the append-only file on and fsynced on every write, as a durable deployment runs it. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'pgfan-redis-'));
  const port = await freePort();
  let server: ChildProcess | undefined;
  const ping = async () => spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG';
  const start = async () => {
    server = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''],
      {
        stdio: 'ignore',
      },
    );
    await until(`redis on port ${port}`, ping);
  };
  const kill = async () => {
    const running = server;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((r) => running.once('exit', r));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}/0`,
    async restart({ downMs = 0 } = {}) {
      await kill();
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PrivatePostgres {
  /** A superuser connection to its `postgres` database, as ADMIN_URL is for the shared server. */
  readonly adminUrl: string;
  /** `fast` disconnects sessions and shuts down cleanly; `immediate` is a crash, recovered from the WAL. */
  restart(mode: 'fast' | 'immediate', options?: { downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

const PG_BIN = process.env.PGFAN_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** PostgreSQL refuses to run as root: as root, its tools run as the `postgres` user. */
function pgTool(tool: string, args: string[]): void {
  const command = join(PG_BIN, tool);
  const asRoot = userInfo().uid === 0;
  const result = spawnSync(asRoot ? 'runuser' : command, asRoot ? ['-u', 'postgres', '--', command, ...args] : args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed: ${result.stderr || result.stdout}`);
}

/** A temporary directory the `postgres` user owns (PostgreSQL refuses to run as root). */
function serverDirectory(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pgfan-pg-'));
  if (userInfo().uid === 0) {
    const postgres = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const uid = Number(postgres.stdout.trim());
    chownSync(dir, uid, uid);
  }
  return dir;
}

/** Runs the cluster in `dir/data` on `port`, and returns its handle; `stop` also deletes `dir`. */
async function runServer(dir: string, port: number): Promise<PrivatePostgres> {
  const data = join(dir, 'data');
  // Autovacuum off, as on this machine's server: a test decides when rows are vacuumed away.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 -c autovacuum=off`;
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const ready = () =>
    until(`PostgreSQL on port ${port}`, async () => {
      const client = new Client({ connectionString: adminUrl });
      await client.connect();
      await client.end();
      return true;
    });
  const start = async () => {
    pgTool('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']);
    await ready();
  };
  await start();
  return {
    adminUrl,
    async restart(mode, { downMs = 0 } = {}) {
      pgTool('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    async stop() {
      try {
        pgTool('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A fresh PostgreSQL cluster (initdb), UTF-8, trust auth (replication connections too), fsync off (its data is thrown away). */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = serverDirectory();
  pgTool('initdb', ['-D', join(dir, 'data'), '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  return runServer(dir, await freePort());
}

export interface PrivateCluster {
  primary: PrivatePostgres;
  /** Hot standbys streaming from the primary, each a server of its own (`pg_basebackup -R`). */
  replicas: PrivatePostgres[];
  stop(): Promise<void>;
}

/** A primary and `count` streaming replicas of it (hot_standby_feedback on), as a production deployment with read replicas runs. */
export async function startPrivateCluster(count: number): Promise<PrivateCluster> {
  const primary = await startPrivatePostgres();
  const replicas: PrivatePostgres[] = [];
  try {
    const { port } = new URL(primary.adminUrl);
    for (let i = 0; i < count; i++) {
      const dir = serverDirectory();
      pgTool('pg_basebackup', ['-h', '127.0.0.1', '-p', port, '-U', 'postgres', '-D', join(dir, 'data'), '-R', '-X', 'stream', '--no-sync']);
      // As pgfan's own replicas run (scripts/cluster.js, docker-compose.replicas.yml): without it a
      // query's held snapshot stalls replay under writes, and the next cut cannot catch up. In the
      // file, not on the command line, so a test can still turn it off with ALTER SYSTEM.
      appendFileSync(join(dir, 'data', 'postgresql.conf'), '\nhot_standby_feedback = on\n');
      replicas.push(await runServer(dir, await freePort()));
    }
  } catch (error) {
    await Promise.allSettled([...replicas, primary].map((server) => server.stop()));
    throw error;
  }
  return {
    primary,
    replicas,
    async stop() {
      await Promise.allSettled([...replicas, primary].map((server) => server.stop()));
    },
  };
}
