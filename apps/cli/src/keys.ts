#!/usr/bin/env node
/**
 * `npm run keys -- create <name> [--admin] | revoke <name> | list`: API keys kept in
 * `pgfan.api_keys` at DATABASE_URL. A new key is printed once; the table keeps only its SHA-256
 * digest. A key sees and cancels only its own queries; an admin key sees and cancels all and may
 * use Bull Board's actions. Running APIs pick up a change within API_KEYS_REFRESH_MS.
 */
import { createApiKey, listApiKeys, migrate, revokeApiKey } from '@pgfan/store';
import { Pool } from 'pg';
import { loadEnv, runCommand } from './env';

export const KEYS_USAGE =
  'Usage: npm run keys -- <command>\n' +
  '  create <name> [--admin]\n' +
  '                  make a key and print it (shown this once; keep it somewhere safe). It sees\n' +
  "                  and cancels only its own queries; with --admin, everyone's, and Bull Board\n" +
  '  revoke <name>   stop accepting the key of that name\n' +
  '  list            names, admin or not, when made, when revoked (never the keys)\n' +
  'Keys live in pgfan.api_keys at DATABASE_URL; APIs see changes within API_KEYS_REFRESH_MS.\n';

export type KeysCommand =
  { kind: 'create'; name: string; admin: boolean } | { kind: 'revoke'; name: string } | { kind: 'list' } | { kind: 'help' } | { kind: 'usage' };

export function parseKeysArgs(args: string[]): KeysCommand {
  const [command, name, ...extra] = args;
  if (command === 'help' || command === '--help' || command === '-h') return { kind: 'help' };
  if (command === 'create' && name !== undefined && !name.startsWith('--') && (extra.length === 0 || (extra.length === 1 && extra[0] === '--admin'))) {
    return { kind: 'create', name, admin: extra.length === 1 };
  }
  if (command === 'revoke' && name !== undefined && extra.length === 0) return { kind: command, name };
  if (command === 'list' && name === undefined) return { kind: 'list' };
  return { kind: 'usage' };
}

export interface Terminal {
  out(text: string): void;
  err(text: string): void;
}

/** Runs a create, revoke or list against `pool`; returns the exit code. */
export async function runKeysCommand(pool: Pool, command: Exclude<KeysCommand, { kind: 'help' | 'usage' }>, terminal: Terminal): Promise<number> {
  // The schema is not there yet if no API has started against this database.
  await migrate(pool);
  switch (command.kind) {
    case 'create': {
      const key = await createApiKey(pool, command.name, { admin: command.admin });
      terminal.out(`${key}\n`);
      terminal.err(`Made ${command.admin ? 'admin ' : ''}key "${command.name}"; it is shown only this once. Send it as "Authorization: Bearer <key>".\n`);
      return 0;
    }
    case 'revoke': {
      const revoked = await revokeApiKey(pool, command.name);
      terminal.err(revoked ? `Revoked key "${command.name}".\n` : `No active key named "${command.name}".\n`);
      return revoked ? 0 : 1;
    }
    case 'list': {
      const keys = await listApiKeys(pool);
      if (keys.length === 0) terminal.out('No keys in pgfan.api_keys (keys in API_KEYS are not listed here).\n');
      for (const k of keys) {
        terminal.out(`${k.name}\t${k.admin ? 'admin' : 'own queries'}\tmade ${k.createdAt}\t${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}\n`);
      }
      return 0;
    }
  }
}

async function main(): Promise<number> {
  const terminal: Terminal = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
  const command = parseKeysArgs(process.argv.slice(2));
  if (command.kind === 'help' || command.kind === 'usage') {
    (command.kind === 'help' ? terminal.out : terminal.err)(KEYS_USAGE);
    return command.kind === 'help' ? 0 : 2;
  }
  const env = loadEnv(process.env);
  const pool = new Pool({ connectionString: env.DATABASE_URL, max: 1, application_name: 'pgfan-keys' });
  try {
    return await runKeysCommand(pool, command, terminal);
  } finally {
    await pool.end();
  }
}

runCommand(module, 'pgfan-keys', main);
