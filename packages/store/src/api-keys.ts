/**
 * API keys kept in `pgfan.api_keys`, besides those in API_KEYS. A key is shown once, when it is
 * made; the table holds only its SHA-256 digest and its SCRAM-SHA-256 verifier.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import type { Db } from './queries';
import { loadSql } from './sql-files';

const SQL = { active: loadSql('active-keys'), create: loadSql('create-key'), revoke: loadSql('revoke-key'), list: loadSql('list-keys') };

export function keyDigest(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export interface ApiKeyInfo {
  name: string;
  /** Sees and cancels every query, and may use Bull Board's actions; other keys only see their own queries. */
  admin: boolean;
  createdAt: string;
  revokedAt: string | null;
}

/**
 * A key's SCRAM-SHA-256 verifier (RFC 5802, 7677), as PostgreSQL keeps a password's. Every key
 * shares one salt, so that a client's proof can be checked against each key without knowing
 * which it holds: keys are random, not chosen words, so a common salt costs nothing.
 */
export interface ScramVerifier {
  storedKey: Buffer;
  serverKey: Buffer;
}

export const SCRAM_SALT = Buffer.from('pgfan api key scram salt');
export const SCRAM_ITERATIONS = 4096;

export function scramVerifier(key: string): ScramVerifier {
  const salted = pbkdf2Sync(key.normalize('NFKC'), SCRAM_SALT, SCRAM_ITERATIONS, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  return { storedKey: createHash('sha256').update(clientKey).digest(), serverKey: createHmac('sha256', salted).update('Server Key').digest() };
}

/** Who a key is: its name, and whether it is an admin's. */
export interface KeyHolder {
  name: string;
  admin: boolean;
  /** Null for a key made before verifiers were kept. */
  scram: ScramVerifier | null;
}

/** Digest → holder of every key not revoked. */
export async function activeKeyDigests(db: Db): Promise<Map<string, KeyHolder>> {
  const result = await db.query<{ name: string; admin: boolean; key_sha256: string; scram_stored_key: string | null; scram_server_key: string | null }>(
    SQL.active,
  );
  return new Map(
    result.rows.map((r) => [
      r.key_sha256,
      {
        name: r.name,
        admin: r.admin,
        scram:
          r.scram_stored_key && r.scram_server_key
            ? { storedKey: Buffer.from(r.scram_stored_key, 'base64'), serverKey: Buffer.from(r.scram_server_key, 'base64') }
            : null,
      },
    ]),
  );
}

/**
 * Makes a key named `name` (an admin's with `admin`); returns the key, which is not kept anywhere.
 * @throws Error when a key of that name exists (revoked or not).
 */
export async function createApiKey(db: Db, name: string, options: { admin?: boolean } = {}): Promise<string> {
  const key = `pgf_${randomBytes(24).toString('base64url')}`;
  try {
    const scram = scramVerifier(key);
    await db.query(SQL.create, [name, keyDigest(key), options.admin ?? false, scram.storedKey.toString('base64'), scram.serverKey.toString('base64')]);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === '23505') throw new Error(`there is already a key named ${name}`, { cause: error });
    if (code === '23514') throw new Error('a key name is 1 to 64 letters, digits, ".", "_" or "-"', { cause: error });
    throw error;
  }
  return key;
}

/** True if a key named `name` was active and is now revoked. */
export async function revokeApiKey(db: Db, name: string): Promise<boolean> {
  const result = await db.query(SQL.revoke, [name]);
  return result.rowCount === 1;
}

export async function listApiKeys(db: Db): Promise<ApiKeyInfo[]> {
  const result = await db.query<{ name: string; admin: boolean; created_at: Date; revoked_at: Date | null }>(SQL.list);
  return result.rows.map((r) => ({ name: r.name, admin: r.admin, createdAt: r.created_at.toISOString(), revokedAt: r.revoked_at?.toISOString() ?? null }));
}
