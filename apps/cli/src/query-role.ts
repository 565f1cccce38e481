#!/usr/bin/env node
/**
 * `npm run query-role [-- --schema NAME …]`: makes the role in QUERY_DATABASE_URL (its user name
 * and password) the role users' queries run as. As DATABASE_URL's role (the database's owner, or
 * one with CREATEROLE), it creates the role or brings it back to reading the tables of each schema
 * and nothing else; then it connects as the role and audits it, as the API and workers do at start.
 */
import { auditQueryRole, provisionQueryRole, type RoleAudit } from '@pgfan/engine';
import { Client } from 'pg';
import { z } from 'zod';
import { databaseUrl, parseEnv } from '@pgfan/runtime';
import { redactUrl, runCommand } from './env';

export const QUERY_ROLE_USAGE =
  'Usage: npm run query-role [-- --schema NAME ...]\n' +
  "  Creates (or repairs) the role in QUERY_DATABASE_URL, with that URL's password, as the role users'\n" +
  '  queries run as: it may read the tables and views of each --schema (public unless given), and\n' +
  "  nothing else. Runs as DATABASE_URL's role (the database's owner, or one with CREATEROLE).\n";

const QueryRoleEnv = z.object({
  DATABASE_URL: databaseUrl,
  QUERY_DATABASE_URL: databaseUrl,
});

export type QueryRoleArgs = { kind: 'run'; schemas: string[] } | { kind: 'help' } | { kind: 'usage' };

export function parseQueryRoleArgs(args: string[]): QueryRoleArgs {
  const schemas: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    const value = args[i + 1];
    if (arg !== '--schema' || value === undefined || value.startsWith('--')) return { kind: 'usage' };
    schemas.push(value);
    i++;
  }
  return { kind: 'run', schemas: schemas.length > 0 ? schemas : ['public'] };
}

/**
 * Provisions the role of `queryUrl` (user name and password) as `adminUrl`'s role, in the database
 * both name, then audits it as itself.
 * @throws Error when the URL names no role, or PostgreSQL refuses (no CREATEROLE, say).
 */
export async function ensureQueryRole(adminUrl: string, queryUrl: string, schemas: readonly string[]): Promise<RoleAudit> {
  const target = new URL(queryUrl);
  const role = decodeURIComponent(target.username);
  if (role === '') throw new Error(`QUERY_DATABASE_URL (${redactUrl(queryUrl)}) names no user: it is the role to create`);
  const admin = new Client({ connectionString: adminUrl, application_name: 'pgfan-query-role' });
  await admin.connect();
  try {
    await provisionQueryRole(admin, { role, password: target.password === '' ? null : decodeURIComponent(target.password), schemas });
  } finally {
    await admin.end();
  }
  const asRole = new Client({ connectionString: queryUrl, application_name: 'pgfan-query-role' });
  await asRole.connect();
  try {
    return await auditQueryRole(asRole);
  } finally {
    await asRole.end();
  }
}

async function main(): Promise<number> {
  const args = parseQueryRoleArgs(process.argv.slice(2));
  if (args.kind !== 'run') {
    (args.kind === 'help' ? process.stdout : process.stderr).write(QUERY_ROLE_USAGE);
    return args.kind === 'help' ? 0 : 2;
  }
  const env = parseEnv(QueryRoleEnv, process.env);
  const audit = await ensureQueryRole(env.DATABASE_URL, env.QUERY_DATABASE_URL, args.schemas);
  if (audit.problems.length > 0) {
    process.stderr.write(`The role ${audit.role} ${audit.problems.join('; ')}: users' SQL could do that too. Take it away as a superuser.\n`);
    return 1;
  }
  process.stdout.write(
    `Role ${audit.role} reads schema${args.schemas.length > 1 ? 's' : ''} ${args.schemas.join(', ')} and nothing else: set QUERY_DATABASE_URL to it on the API and the workers.\n`,
  );
  return 0;
}

runCommand(module, 'pgfan-query-role', main);
