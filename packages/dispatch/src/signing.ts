/**
 * Jobs, what fragments hand the combine, and what events carry to the API (carried.ts) carry an
 * HMAC of their payload made with JOB_SIGNING_KEY, a secret only the API and the workers hold. A
 * worker runs only jobs the API or another worker made: never one added through Bull Board or
 * written straight into Redis, whose SQL would otherwise run unchecked. A combine uses only partial
 * rows a worker produced, and the API answers a client only with a record pgfan recorded.
 *
 * The HMAC covers the payload's JSON as it was made; Redis keeps jobs as JSON, which gives the
 * same text back (same keys in the same order, the same numbers).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** What is signed: a job of each queue, a fragment's output, and what events carry to the API (carried.ts). */
export type SignedKind = 'coordinate' | 'fragment' | 'combine' | 'fragment-output' | 'query-record' | 'fragment-result';

/** A job or output that does not carry a valid signature: it was not made by pgfan's API or workers (or by ones with another key). */
export class ForgedJobError extends Error {
  override readonly name = 'ForgedJobError';
  readonly code = 'FORGED_JOB';
}

export class JobSigner {
  private readonly keys: Buffer[];

  /** @param keys the first signs; every one verifies, so a new key can be rolled out before the old one is dropped. */
  constructor(keys: readonly string[]) {
    if (keys.length === 0) throw new Error('a JobSigner needs at least one key');
    this.keys = keys.map((key) => Buffer.from(key, 'utf8'));
  }

  /** `payload` with its `signature`, to hand to BullMQ. */
  sign<T extends object>(kind: SignedKind, payload: T): T & { signature: string } {
    return { ...payload, signature: this.mac(this.keys[0] as Buffer, kind, payload).toString('base64url') };
  }

  /**
   * The payload without its signature, if a key of this deployment signed it as `kind`.
   * @throws ForgedJobError otherwise.
   */
  verify(kind: SignedKind, data: unknown): Record<string, unknown> {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new ForgedJobError(`the ${kind} is not an object`);
    const { signature, ...payload } = data as Record<string, unknown>;
    if (typeof signature !== 'string') throw new ForgedJobError(`the ${kind} carries no signature: it was not made by pgfan's API or workers`);
    const given = Buffer.from(signature, 'base64url');
    const genuine = this.keys.some((key) => {
      const expected = this.mac(key, kind, payload);
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
    if (!genuine) throw new ForgedJobError(`the ${kind}'s signature does not match JOB_SIGNING_KEY: it was not made by this deployment's API or workers`);
    return payload;
  }

  private mac(key: Buffer, kind: SignedKind, payload: object): Buffer {
    return createHmac('sha256', key)
      .update(`${kind}\n${JSON.stringify(payload)}`)
      .digest();
  }
}
