/**
 * API keys: from API_KEYS and from the `pgfan.api_keys` table (refreshed every few seconds, so a
 * key added to or revoked in the table takes effect without a restart). Keys are compared as
 * SHA-256 digests, never as text, so how long a lookup takes says nothing about a key.
 *
 * With no key anywhere, authentication is off (and the API listens on localhost unless told
 * otherwise, see main.ts); the moment one exists, every surface requires one.
 */
import { activeKeyDigests, keyDigest } from '@pgfan/store';
import type { Pool } from 'pg';

/** Who a request comes from: a key's name, or null when authentication is off. */
export type Identity = { client: string | null } | { refused: string };

export class ApiKeys {
  private readonly fromEnv: Map<string, string>;
  private stored = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;

  /**
   * @param envKeys keys from API_KEYS, named `env-1`, `env-2`, … in query records.
   * @param refreshMs how often the table is read again.
   */
  constructor(
    envKeys: readonly string[],
    private readonly store: Pool | null,
    private readonly log: (message: string) => void,
    private readonly refreshMs = 5000,
  ) {
    this.fromEnv = new Map(envKeys.map((key, i) => [keyDigest(key), `env-${i + 1}`]));
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
  }

  private async refresh(): Promise<void> {
    if (!this.store) return;
    try {
      this.stored = await activeKeyDigests(this.store);
    } catch (error) {
      this.log(`cannot read API keys from pgfan.api_keys (keeping the last ones read): ${(error as Error).message}`);
    }
  }

  /** The client a presented key belongs to; with authentication off, everyone is `null`. */
  identify(key: string | null): Identity {
    if (!this.enabled) return { client: null };
    if (key === null) return { refused: 'an API key is required: send it as "Authorization: Bearer <key>"' };
    const digest = keyDigest(key);
    const name = this.fromEnv.get(digest) ?? this.stored.get(digest);
    return name === undefined ? { refused: 'the API key is not valid (unknown or revoked)' } : { client: name };
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
