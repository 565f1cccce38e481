/**
 * HTTP plumbing: handlers take a plain request and return `{ status, body }`; one adapter turns
 * them into Express routes; every error leaves through `errorResponse`, with a stable code.
 */
import type { ApiError, SqlPosition } from '@pgfan/contracts';
import type { NextFunction, Request, Response } from 'express';
import { once } from 'node:events';
import type { Logger } from '@pgfan/runtime';
import { ServiceError } from './errors';

export interface ApiRequest {
  /** The API key's name (see auth.ts); null when authentication is off. */
  client: string | null;
  /** An admin key's: it sees and cancels every query, where other keys see only their own. */
  admin: boolean;
  /** False when keys are required and this request has none that is valid (only open routes see such requests). */
  authenticated: boolean;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
  /** The first of `types` the request's Accept header takes (the first of them without one), or false. */
  accepts(types: string[]): string | false;
  /** Logs with this request's `requestId`. */
  log: Logger;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Sent instead of `body`, chunk by chunk as the client takes them (NDJSON, CSV). */
  stream?: { contentType: string; chunks: AsyncIterable<string> };
}

export type Handler = (request: ApiRequest) => Promise<ApiResponse>;

/** HTTP status of each error code a client can receive. */
const STATUS: Record<string, number> = {
  BAD_REQUEST: 400,
  INVALID_JSON: 400,
  EMPTY_QUERY: 400,
  SYNTAX_ERROR: 400,
  INVALID_QUERY: 400,
  INVALID_PARTITION_KEY: 400,
  // No API key, or one that is unknown or revoked (only when keys are configured).
  UNAUTHORIZED: 401,
  // The query reads a table outside ALLOWED_RELATIONS.
  FORBIDDEN_RELATION: 403,
  // A key that is not an admin's, on a surface only admins may use (Bull Board).
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  // No Accept type GET /api/queries/:id/result can answer in.
  NOT_ACCEPTABLE: 406,
  QUERY_FINISHED: 409,
  // A result read before the query completed, or of which only a preview was kept.
  QUERY_NOT_COMPLETED: 409,
  RESULT_NOT_STORED: 409,
  PAYLOAD_TOO_LARGE: 413,
  QUERY_TOO_LONG: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  MULTIPLE_STATEMENTS: 422,
  NOT_READ_ONLY: 422,
  UNSUPPORTED_STATEMENT: 422,
  FORBIDDEN_FUNCTION: 422,
  // PostgreSQL raised an error while planning it (e.g. `1/0`, folded at plan time).
  QUERY_FAILED: 422,
  // Past the key's submissions per second, or its cap on unfinished queries.
  RATE_LIMITED: 429,
  TOO_MANY_QUERIES: 429,
  UNAVAILABLE: 503,
  // Past MAX_ACTIVE_QUERIES for everyone together.
  OVERLOADED: 503,
  // Planning waited past PLANNING_TIMEOUT_MS (a locked table, an overloaded server), or was cancelled.
  TIMEOUT: 503,
  CANCELLED: 503,
};

/** The one way an error becomes a response: `{ "error": { "code", "message", "position"? } }`. */
export function errorResponse(code: string, message: string, position?: SqlPosition, headers?: Record<string, string>): ApiResponse {
  const body: ApiError = { error: { code, message, ...(position ? { position } : {}) } };
  const status = STATUS[code] ?? 500;
  return { status, body, headers: { ...(status === 503 ? { 'Retry-After': '5' } : {}), ...headers } };
}

/** Sends an error response straight from middleware. */
export function sendError(res: Response, code: string, message: string, headers?: Record<string, string>): void {
  const response = errorResponse(code, message, undefined, headers);
  res
    .status(response.status)
    .set(response.headers ?? {})
    .json(response.body);
}

/** Network failures, and PostgreSQL shutting down, starting up or out of connections (53300). */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', '57P01', '57P03', '53300']);

/** PostgreSQL or Redis out of reach (not a bug, not the client's fault): 503. */
function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|Connection is closed|Stream isn't writeable|enableOfflineQueue|Reached the max retries/i.test(message);
}

/** Adapts a handler to Express; unexpected errors become a 500 without internals. */
export function route(handler: Handler) {
  return async (req: Request, res: Response): Promise<void> => {
    const aborted = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) aborted.abort();
    });
    let response: ApiResponse;
    try {
      response = await handler({
        client: (res.locals.client as string | null | undefined) ?? null,
        admin: res.locals.admin === true,
        authenticated: res.locals.refused === undefined,
        params: req.params as Record<string, string>,
        query: req.query as Record<string, unknown>,
        body: req.body,
        signal: aborted.signal,
        accepts: (types) => req.accepts(types),
        log: req.log,
      });
    } catch (error) {
      if (error instanceof ServiceError) {
        const retryAfter = error.retryAfterSeconds === undefined ? undefined : { 'Retry-After': String(error.retryAfterSeconds) };
        response = errorResponse(error.code, error.message, error.position, retryAfter);
      } else if (isUnavailable(error)) {
        req.log.warn({ err: error }, `unavailable on ${req.method} ${req.path}: ${(error as Error).message}`);
        response = errorResponse('UNAVAILABLE', 'PostgreSQL or Redis is unavailable; try again shortly');
      } else {
        req.log.error({ err: error }, `internal error on ${req.method} ${req.path}: ${error instanceof Error ? error.message : String(error)}`);
        response = errorResponse('INTERNAL_ERROR', 'something went wrong on our side; the error is logged');
      }
    }
    if (res.headersSent || aborted.signal.aborted) return;
    if (response.stream) return sendStream(res, response, aborted.signal, req.log);
    res
      .status(response.status)
      .set(response.headers ?? {})
      .json(response.body);
  };
}

/** Writes a streamed response, waiting for the client to take each chunk; a failure midway cuts the connection (the status is sent). */
async function sendStream(res: Response, response: ApiResponse, signal: AbortSignal, log: Logger): Promise<void> {
  const { contentType, chunks } = response.stream as NonNullable<ApiResponse['stream']>;
  res
    .status(response.status)
    .set(response.headers ?? {})
    .type(contentType);
  try {
    for await (const chunk of chunks) {
      if (signal.aborted) return;
      if (!res.write(chunk)) await once(res, 'drain', { signal });
    }
    res.end();
  } catch (error) {
    if (!signal.aborted) log.warn(`a streamed response failed midway: ${(error as Error).message}`);
    res.destroy();
  }
}

/** Express error middleware for what happens before a handler: unparseable or oversized bodies. */
export function bodyErrors(error: unknown, req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(error);
  const type = (error as { type?: string }).type;
  if (type === 'entity.parse.failed') return sendError(res, 'INVALID_JSON', `the request body is not valid JSON: ${(error as Error).message}`);
  if (type === 'entity.too.large') {
    return sendError(res, 'PAYLOAD_TOO_LARGE', `the request body is larger than ${(error as { limit?: number }).limit ?? 'the limit of'} bytes`);
  }
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return sendError(res, 'UNSUPPORTED_MEDIA_TYPE', (error as Error).message);
  req.log.warn({ err: error }, `request error: ${(error as Error).message}`);
  sendError(res, 'BAD_REQUEST', 'the request could not be read');
}
