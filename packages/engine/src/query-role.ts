/**
 * The database role users' SQL runs as is the boundary of what that SQL can do: it should read
 * what it was given and nothing more (docs/security.md). The API and the workers audit it at
 * start, as the role itself, from PostgreSQL's own privilege checks.
 */
import type { Queryable } from './connection';
import { loadSql } from './sql-files';

const AUDIT_SQL = loadSql('query-role-audit');

export interface RoleAudit {
  /** The role, as PostgreSQL names it (`current_user`). */
  role: string;
  /** What it may do beyond reading, for people; empty for a role fit to run users' queries. */
  problems: string[];
}

/** At most this many names per finding; the rest are counted. */
const NAMED = 3;

function listed(names: string[]): string {
  const shown = names.slice(0, NAMED).join(', ');
  return names.length > NAMED ? `${shown} and ${names.length - NAMED} more` : shown;
}

const DESCRIBE: Record<string, (names: string[]) => string> = {
  superuser: () => 'is a superuser',
  attribute: (names) => `has ${listed(names)}`,
  member: (names) => `is a member of ${listed(names)}`,
  database: (names) => `owns or can create schemas in database ${listed(names)}`,
  schema: (names) => `can create objects in schema${names.length > 1 ? 's' : ''} ${listed(names)}`,
  write: (names) => `can write to ${names.length === 1 ? '' : `${names.length} relations, `}${listed(names)}`,
  history: () => 'can read the query history (schema pgfan)',
};

/** What the role `db` connects as may do beyond reading what it was given. */
export async function auditQueryRole(db: Queryable): Promise<RoleAudit> {
  const [who, found] = await Promise.all([db.query({ text: 'SELECT current_user::text', rowMode: 'array' }), db.query({ text: AUDIT_SQL, rowMode: 'array' })]);
  const byKind = new Map<string, string[]>();
  for (const [kind, what] of found.rows as [string, string][]) byKind.set(kind, [...(byKind.get(kind) ?? []), what]);
  return {
    role: String(who.rows[0]?.[0]),
    problems: [...byKind].map(([kind, names]) => (DESCRIBE[kind] ?? ((n: string[]) => `${kind}: ${listed(n)}`))(names)),
  };
}

/** The role users' SQL should run as. */
export interface QueryRoleSpec {
  role: string;
  /** Set as its password; null leaves the password as it is (or without one, for trust or peer authentication). */
  password: string | null;
  /** Schemas whose tables and views it may read. */
  schemas: readonly string[];
}

/** Runs a utility statement whose names and literals PostgreSQL's own format() quotes (%I, %L). */
async function utility(db: Queryable, template: string, ...args: string[]): Promise<void> {
  const { rows } = await db.query({ text: 'SELECT format($1, VARIADIC $2::text[])', values: [template, args], rowMode: 'array' });
  await db.query({ text: String(rows[0]?.[0]) });
}

/**
 * Creates the role users' SQL runs as, or brings an existing one back to it: it logs in, its
 * sessions are read-only by default, and it may read (SELECT) the tables and views in `schemas`,
 * those there now and those the caller creates there later; nothing else is granted. Attributes
 * only a superuser can take away (SUPERUSER, BYPASSRLS, …) are left to `auditQueryRole` to report.
 * @param admin a connection to the database users query, as its owner or a role with CREATEROLE.
 */
export async function provisionQueryRole(admin: Queryable, spec: QueryRoleSpec): Promise<void> {
  const exists = await admin.query({ text: 'SELECT 1 FROM pg_roles WHERE rolname = $1', values: [spec.role], rowMode: 'array' });
  if (exists.rows.length === 0) await utility(admin, 'CREATE ROLE %I LOGIN', spec.role);
  else await utility(admin, 'ALTER ROLE %I LOGIN', spec.role);
  if (spec.password !== null) await utility(admin, 'ALTER ROLE %I PASSWORD %L', spec.role, spec.password);
  await utility(admin, 'ALTER ROLE %I SET default_transaction_read_only = on', spec.role);
  const database = String((await admin.query({ text: 'SELECT current_database()', rowMode: 'array' })).rows[0]?.[0]);
  await utility(admin, 'GRANT CONNECT ON DATABASE %I TO %I', database, spec.role);
  for (const schema of spec.schemas) {
    await utility(admin, 'GRANT USAGE ON SCHEMA %I TO %I', schema, spec.role);
    await utility(admin, 'GRANT SELECT ON ALL TABLES IN SCHEMA %I TO %I', schema, spec.role);
    await utility(admin, 'ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT ON TABLES TO %I', schema, spec.role);
  }
}
