/**
 * A fresh database per test file, copied from a template that holds the fixture tables. The
 * template is built once per fixture version (its name carries a hash of `fixtures.sql`) under
 * an advisory lock, so parallel test files wait for one build instead of racing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

/** Where tests may create databases. @defaultValue postgres://postgres@127.0.0.1:5432/postgres */
export const ADMIN_URL = process.env.PGFAN_TEST_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const FIXTURES_SQL = readFileSync(join(__dirname, '..', 'sql', 'fixtures.sql'), 'utf8');

/** Functions that change the session calling them (settings, an advisory lock), for tests that nothing a user's SQL does outlives it. */
export const SESSION_DIRTYING_FUNCTIONS_SQL = readFileSync(join(__dirname, '..', 'sql', 'session-dirtying-functions.sql'), 'utf8');

/** `slow(x, ms)`: sleeps `ms` per row and returns `x`, for tests that need a query still running (it splits: it is STABLE). */
export const SLOW_FUNCTION_SQL = readFileSync(join(__dirname, '..', 'sql', 'slow-function.sql'), 'utf8');
const TEMPLATE = `pgfan_fixture_${createHash('sha256').update(FIXTURES_SQL).digest('hex').slice(0, 12)}`;
const TEMPLATE_LOCK = 7_337_001;

/** Test databases are named with this prefix; a test run may drop leftovers from crashed runs. */
export const TEST_DATABASE_PREFIX = 'pgfan_t_';

export interface TestDatabase {
  name: string;
  url: string;
  /** Runs SQL (any statements) in this database as the admin role, e.g. to set up a test. */
  exec(sql: string): Promise<void>;
  drop(): Promise<void>;
}

/** @param adminUrl the server's admin connection (the shared server's unless given). */
export function databaseUrl(name: string, adminUrl = ADMIN_URL): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(adminUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Runs `sql` (any statements) in the database at `url`. */
async function execIn(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function databaseExists(client: Client, name: string): Promise<boolean> {
  const result = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return result.rowCount === 1;
}

/**
 * Drops a test database. A pool's `end()` resolves before its sessions have closed, and a forced
 * drop terminates the sessions it finds, which their clients hear as an error of their own: so it
 * waits (up to 2 s) for the database's sessions to end first, and forces only what is left.
 */
async function dropDatabase(admin: Client, name: string): Promise<void> {
  for (let waited = 0; waited < 2000; waited += 50) {
    const open = await admin.query('SELECT 1 FROM pg_stat_activity WHERE datname = $1 LIMIT 1', [name]);
    if (open.rowCount === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/** Builds the fixture template if this fixture version has none yet. */
async function ensureTemplate(adminUrl: string): Promise<void> {
  await withAdmin(adminUrl, async (admin) => {
    await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK]);
    try {
      if (await databaseExists(admin, TEMPLATE)) return;
      const building = `${TEMPLATE}_building`;
      await admin.query(`DROP DATABASE IF EXISTS ${building}`);
      // ICU en-US sorts text differently from code point order, which the tests rely on.
      await admin.query(`CREATE DATABASE ${building} LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8' TEMPLATE template0`);
      await execIn(databaseUrl(building, adminUrl), FIXTURES_SQL);
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${TEMPLATE}`);
    } finally {
      await admin.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK]);
    }
  });
}

/**
 * Creates a database holding the fixture tables (or nothing, with `empty`); call `drop()` in `afterAll`.
 * @param label a short name for the test file, kept in the database name for debugging.
 */
export async function createTestDatabase(label: string, options: { empty?: boolean; adminUrl?: string } = {}): Promise<TestDatabase> {
  const { adminUrl = ADMIN_URL } = options;
  if (!options.empty) await ensureTemplate(adminUrl);
  const name = `${TEST_DATABASE_PREFIX}${label
    .replace(/[^a-z0-9_]/gi, '_')
    .toLowerCase()
    .slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE ${name} TEMPLATE ${options.empty ? 'template0' : TEMPLATE}`));
  const url = databaseUrl(name, adminUrl);
  return {
    name,
    url,
    exec: (sql) => execIn(url, sql),
    drop: () => withAdmin(adminUrl, (admin) => dropDatabase(admin, name)),
  };
}
