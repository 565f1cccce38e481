/**
 * Authentication on the PostgreSQL port: the password is an API key, checked by SCRAM-SHA-256
 * (RFC 5802, 7677) so the key never crosses the wire, against every key's verifier. With no keys
 * anywhere, authentication is off, as over HTTP (and the port listens on this machine only).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SCRAM_ITERATIONS, SCRAM_SALT } from '@pgfan/store';
import type { ApiKeys, Caller } from '../auth';
import type { Message } from './framing';
import * as pg from './messages';

export type Step = { caller?: Caller } | { error: pg.ErrorFields };

export type Authentication = { caller: Caller } | { error: pg.ErrorFields } | { next(message: Message): Step };

const MECHANISM = 'SCRAM-SHA-256';

/**
 * Starts authenticating `user` (a label: the key says who it is); `write` sends to the client.
 * Over TLS the key itself is the password (cleartext inside the encryption, which every key
 * supports); otherwise SCRAM-SHA-256, which keys made before verifiers were kept do not.
 */
export function authenticate(keys: ApiKeys, user: string, encrypted: boolean, write: (bytes: Buffer) => void): Authentication {
  if (!keys.enabled) return { caller: { client: null, admin: false, digest: null } };
  const failed = (detail?: string): Step => ({
    error: { severity: 'FATAL', code: '28P01', message: `password authentication failed for user "${user}"`, ...(detail ? { detail } : {}) },
  });
  const violation = (message: string): Step => ({ error: { severity: 'FATAL', code: '08P01', message } });
  if (encrypted) {
    write(pg.authenticationCleartextPassword());
    return {
      next(message) {
        if (message.type !== 'p') return violation(`expected password response, got message type "${message.type}"`);
        const identity = keys.identify(pg.readCString(message.body).text);
        return 'refused' in identity ? failed() : { caller: identity };
      },
    };
  }
  write(pg.authenticationSasl([MECHANISM]));
  let exchange: { gs2Header: string; clientFirstBare: string; serverFirst: string; nonce: string } | null = null;
  return {
    next(message) {
      if (message.type !== 'p') return violation(`expected SASL response, got message type "${message.type}"`);
      if (exchange === null) {
        const { mechanism, data } = pg.readSaslInitial(message.body);
        if (mechanism !== MECHANISM) return violation(`client selected an invalid SASL authentication mechanism: ${mechanism}`);
        const match = /^([ny]),(?:a=[^,]*)?,(.*)$/.exec(data);
        if (!match)
          return violation(
            data.startsWith('p=') ? 'channel binding is not supported; connect with channel_binding=disable or prefer' : 'malformed SCRAM message',
          );
        const clientFirstBare = match[2] as string;
        const clientNonce = /(?:^|,)r=([^,]+)/.exec(clientFirstBare)?.[1];
        if (!clientNonce) return violation('malformed SCRAM message: no nonce');
        const nonce = clientNonce + randomBytes(18).toString('base64');
        const serverFirst = `r=${nonce},s=${SCRAM_SALT.toString('base64')},i=${SCRAM_ITERATIONS}`;
        exchange = { gs2Header: data.slice(0, data.length - clientFirstBare.length), clientFirstBare, serverFirst, nonce };
        write(pg.authenticationSaslContinue(serverFirst));
        return {};
      }
      const clientFinal = message.body.toString('utf8');
      const proofAt = clientFinal.lastIndexOf(',p=');
      if (proofAt < 0) return violation('malformed SCRAM message: no proof');
      const withoutProof = clientFinal.slice(0, proofAt);
      const attributes = new Map(withoutProof.split(',').map((part) => [part.slice(0, 1), part.slice(2)]));
      if (attributes.get('r') !== exchange.nonce) return violation('SCRAM nonce does not match');
      if (attributes.get('c') !== Buffer.from(exchange.gs2Header).toString('base64')) return violation('SCRAM channel binding does not match');
      const proof = Buffer.from(clientFinal.slice(proofAt + 3), 'base64');
      const authMessage = `${exchange.clientFirstBare},${exchange.serverFirst},${withoutProof}`;
      const holder = keys.scramKeys().find(({ verifier }) => {
        if (proof.length !== verifier.storedKey.length) return false;
        const signature = createHmac('sha256', verifier.storedKey).update(authMessage).digest();
        const clientKey = Buffer.from(proof.map((byte, i) => byte ^ (signature[i] as number)));
        return timingSafeEqual(createHash('sha256').update(clientKey).digest(), verifier.storedKey);
      });
      if (!holder)
        return failed(
          'The password is an API key. Keys made before the PostgreSQL port existed have no SCRAM verifier: connect with TLS (sslmode=require, where the port has PG_TLS_CERT), or make a new key (npm run keys -- create NAME).',
        );
      write(pg.authenticationSaslFinal(`v=${createHmac('sha256', holder.verifier.serverKey).update(authMessage).digest('base64')}`));
      return { caller: holder.caller };
    },
  };
}
