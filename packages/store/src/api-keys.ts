/**
 * API keys kept in `pgfan.api_keys`, besides those in API_KEYS. A key is shown once, when it is
 * made; the table holds only its SHA-256 digest.
 */
import { createHash, randomBytes } from 'node:crypto';
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

/** Who a key is: its name, and whether it is an admin's. */
export interface KeyHolder {
  name: string;
  admin: boolean;
}

/** Digest → holder of every key not revoked. */
export async function activeKeyDigests(db: Db): Promise<Map<string, KeyHolder>> {
  const result = await db.query<{ name: string; admin: boolean; key_sha256: string }>(SQL.active);
  return new Map(result.rows.map((r) => [r.key_sha256, { name: r.name, admin: r.admin }]));
}

/**
 * Makes a key named `name` (an admin's with `admin`); returns the key, which is not kept anywhere.
 * @throws Error when a key of that name exists (revoked or not).
 */
export async function createApiKey(db: Db, name: string, options: { admin?: boolean } = {}): Promise<string> {
  const key = `pgf_${randomBytes(24).toString('base64url')}`;
  try {
    await db.query(SQL.create, [name, keyDigest(key), options.admin ?? false]);
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
