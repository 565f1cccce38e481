/**
 * The access log and request ids (pino-http). Each request gets an id — the caller's
 * `X-Request-Id` when it is a plausible one, else a new UUID — echoed in the response's
 * `X-Request-Id`; `req.log` carries it as `requestId` on every line logged for the request, and
 * the query a request submits is logged with both ids, so a query's story joins its request's.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@pgfan/runtime';
import { pinoHttp } from 'pino-http';

/** What a caller's own request id may look like: a proxy's or a tracer's id, never a log injection. */
const CALLER_REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Probes and scrapes, every few seconds from every replica: logged at debug, not info. */
const ROUTINE_PATHS = new Set(['/api/health', '/api/health/live', '/metrics']);

/** The request's id: the caller's if it is plausible, else a new one. */
export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && CALLER_REQUEST_ID.test(header) ? header : randomUUID();
}

/** Express middleware: request ids, `req.log`, and one line per response (method, path, status, time, the key's name). */
export function accessLog(logger: Logger) {
  return pinoHttp({
    logger,
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'requestId', responseTime: 'ms' },
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const id = requestIdOf(req.headers['x-request-id']);
      res.setHeader('X-Request-Id', id);
      return id;
    },
    // Never the headers: they carry API keys (Authorization) and Bull Board's Basic credentials.
    serializers: {
      req: (req: { method: string; url: string; remoteAddress?: string }) => ({ method: req.method, url: req.url, remoteAddress: req.remoteAddress }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customProps: (_req, res) => {
      const client = (res as ServerResponse & { locals?: { client?: string | null } }).locals?.client;
      return typeof client === 'string' ? { client } : {};
    },
    customLogLevel: (req, res, error) => {
      if (error || res.statusCode >= 500) return 'error';
      return ROUTINE_PATHS.has((req.url ?? '').split('?')[0] ?? '') ? 'debug' : 'info';
    },
    customSuccessMessage: (req, res, ms) => `${req.method} ${req.url} ${res.statusCode} in ${ms} ms`,
    customErrorMessage: (req, res) => `${req.method} ${req.url} ${res.statusCode}`,
  });
}
