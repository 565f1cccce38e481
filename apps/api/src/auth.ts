/**
 * API keys: from API_KEYS and ADMIN_KEYS, and from the `pgfan.api_keys` table (refreshed every
 * few seconds, so a key added to or revoked in the table takes effect without a restart). Keys
 * are compared as SHA-256 digests, never as text, so how long a lookup takes says nothing about a
 * key.
 *
 * A key sees and cancels only the queries it submitted; an admin key sees and cancels every one,
 * and may use Bull Board's actions. With no key anywhere, authentication is off (and the API
 * listens on localhost unless told otherwise, see main.ts); the moment one exists, every surface
 * requires one.
 */
import { activeKeyDigests, keyDigest, scramVerifier, type KeyHolder, type ScramVerifier } from '@pgfan/store';
import type { Pool } from 'pg';
import type { Logger } from '@pgfan/runtime';

/** Who a request comes from. */
export interface Caller {
  /** The key's name; null when authentication is off. */
  client: string | null;
  /** An admin key's holder. */
  admin: boolean;
  /** The key's digest, to check it again later (a socket's, when keys change); null without a key. */
  digest: string | null;
}

export type Identity = Caller | { refused: string };

/**
 * Whose queries `caller` may see and cancel: everyone's (undefined) for an admin or with
 * authentication off, otherwise its own.
 */
export function ownerScope(caller: Pick<Caller, 'client' | 'admin'>): string | undefined {
  return caller.admin || caller.client === null ? undefined : caller.client;
}

export class ApiKeys {
  private readonly fromEnv: Map<string, KeyHolder>;
  private stored = new Map<string, KeyHolder>();
  private timer: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<() => void>();

  /**
   * @param envKeys keys from API_KEYS, named `env-1`, `env-2`, … in query records.
   * @param adminKeys keys from ADMIN_KEYS, named `admin-1`, `admin-2`, ….
   * @param refreshMs how often the table is read again.
   */
  constructor(
    envKeys: readonly string[],
    adminKeys: readonly string[],
    private readonly store: Pool | null,
    private readonly logger: Logger,
    private readonly refreshMs = 5000,
  ) {
    this.fromEnv = new Map([
      ...envKeys.map((key, i): [string, KeyHolder] => [keyDigest(key), { name: `env-${i + 1}`, admin: false, scram: scramVerifier(key) }]),
      ...adminKeys.map((key, i): [string, KeyHolder] => [keyDigest(key), { name: `admin-${i + 1}`, admin: true, scram: scramVerifier(key) }]),
    ]);
  }

  get enabled(): boolean {
    return this.fromEnv.size > 0 || this.stored.size > 0;
  }

  /** Loads the table's keys, then keeps them fresh until `stop()`. A failed refresh keeps the last ones. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.listeners.clear();
  }

  /** Calls `listener` after every refresh of the table's keys (a key may have been revoked); returns a function that stops it. */
  onRefresh(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async refresh(): Promise<void> {
    if (!this.store) return;
    try {
      this.stored = await activeKeyDigests(this.store);
    } catch (error) {
      this.logger.warn(`cannot read API keys from pgfan.api_keys (keeping the last ones read): ${(error as Error).message}`);
      return;
    }
    this.listeners.forEach((listener) => listener());
  }

  /** Who a presented key belongs to; with authentication off, everyone is the same anonymous caller. */
  identify(key: string | null): Identity {
    return this.identifyDigest(key === null ? null : keyDigest(key));
  }

  /** Every key with a SCRAM verifier, with who holds it (the PostgreSQL port checks a proof against each). */
  scramKeys(): { caller: Caller; verifier: ScramVerifier }[] {
    return [...this.fromEnv, ...this.stored].flatMap(([digest, holder]) =>
      holder.scram ? [{ caller: { client: holder.name, admin: holder.admin, digest }, verifier: holder.scram }] : [],
    );
  }

  /** As `identify`, from a key's digest: a socket's key is checked again this way whenever keys change. */
  identifyDigest(digest: string | null): Identity {
    if (!this.enabled) return { client: null, admin: false, digest: null };
    if (digest === null) return { refused: 'an API key is required: send it as "Authorization: Bearer <key>"' };
    const holder = this.fromEnv.get(digest) ?? this.stored.get(digest);
    return holder === undefined ? { refused: 'the API key is not valid (unknown or revoked)' } : { client: holder.name, admin: holder.admin, digest };
  }
}

/**
 * The key in an Authorization header: `Bearer <key>`, or `Basic` with the key as the password
 * (what a browser sends after its login prompt, for Bull Board). Null when there is none.
 */
export function presentedKey(authorization: string | undefined): string | null {
  if (!authorization) return null;
  const [scheme, value = ''] = authorization.trim().split(/\s+/, 2);
  if (/^bearer$/i.test(scheme ?? '')) return value || null;
  if (/^basic$/i.test(scheme ?? '')) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 && colon < decoded.length - 1 ? decoded.slice(colon + 1) : null;
  }
  return null;
}
