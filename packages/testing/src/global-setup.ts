/** Jest global setup: drops test databases and roles left behind by runs that crashed. */
import { Client } from 'pg';
import { ADMIN_URL, TEST_DATABASE_PREFIX } from './database';
import { TEST_ROLE_PREFIX } from './system';

export default async function globalSetup(): Promise<void> {
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    const stale = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database d
        WHERE datname LIKE $1 AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datid = d.oid)`,
      [`${TEST_DATABASE_PREFIX}%`],
    );
    for (const { datname } of stale.rows) {
      await admin.query(`DROP DATABASE IF EXISTS "${datname}"`).catch(() => undefined);
    }
    // A role still granted something in a live test database stays (DROP ROLE refuses it).
    const roles = await admin.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE rolname LIKE $1', [`${TEST_ROLE_PREFIX}%`]);
    for (const { rolname } of roles.rows) await admin.query(`DROP ROLE IF EXISTS "${rolname}"`).catch(() => undefined);
  } finally {
    await admin.end();
  }
}
