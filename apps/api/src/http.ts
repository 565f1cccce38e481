/**
 * HTTP plumbing: handlers take a plain request and return `{ status, body }`; one adapter turns
 * them into Express routes; every error leaves through `errorResponse`, with a stable code.
 */
import type { ApiError, SqlPosition } from '@pgfan/contracts';
import type { NextFunction, Request, Response } from 'express';

export interface ApiRequest {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
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
  NOT_FOUND: 404,
  QUERY_FINISHED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  MULTIPLE_STATEMENTS: 422,
  NOT_READ_ONLY: 422,
  UNSUPPORTED_STATEMENT: 422,
  // PostgreSQL raised an error while planning it (e.g. `1/0`, folded at plan time).
  QUERY_FAILED: 422,
  UNAVAILABLE: 503,
  // Planning waited past PLANNING_TIMEOUT_MS (a locked table, an overloaded server), or was cancelled.
  TIMEOUT: 503,
  CANCELLED: 503,
};

/** A failure a handler reports to the client. */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  constructor(
    readonly code: string,
    message: string,
    readonly position?: SqlPosition,
  ) {
    super(message);
  }
}

/** The one way an error becomes a response: `{ "error": { "code", "message", "position"? } }`. */
export function errorResponse(code: string, message: string, position?: SqlPosition): ApiResponse {
  const body: ApiError = { error: { code, message, ...(position ? { position } : {}) } };
  const status = STATUS[code] ?? 500;
  return { status, body, ...(status === 503 ? { headers: { 'Retry-After': '5' } } : {}) };
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
export function route(handler: Handler, log: (message: string) => void) {
  return async (req: Request, res: Response): Promise<void> => {
    const aborted = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) aborted.abort();
    });
    let response: ApiResponse;
    try {
      response = await handler({
        params: req.params as Record<string, string>,
        query: req.query as Record<string, unknown>,
        body: req.body,
        signal: aborted.signal,
      });
    } catch (error) {
      if (error instanceof HttpError) {
        response = errorResponse(error.code, error.message, error.position);
      } else if (isUnavailable(error)) {
        log(`unavailable on ${req.method} ${req.path}: ${(error as Error).message}`);
        response = errorResponse('UNAVAILABLE', 'PostgreSQL or Redis is unavailable; try again shortly');
      } else {
        log(`internal error on ${req.method} ${req.path}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        response = errorResponse('INTERNAL_ERROR', 'something went wrong on our side; the error is logged');
      }
    }
    if (res.headersSent || aborted.signal.aborted) return;
    res
      .status(response.status)
      .set(response.headers ?? {})
      .json(response.body);
  };
}

/** Express error middleware for what happens before a handler: unparseable or oversized bodies. */
export function bodyErrors(log: (message: string) => void) {
  return (error: unknown, _req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(error);
    const type = (error as { type?: string }).type;
    const response =
      type === 'entity.parse.failed'
        ? errorResponse('INVALID_JSON', `the request body is not valid JSON: ${(error as Error).message}`)
        : type === 'entity.too.large'
          ? errorResponse('PAYLOAD_TOO_LARGE', `the request body is larger than ${(error as { limit?: number }).limit ?? 'the limit of'} bytes`)
          : type === 'encoding.unsupported' || type === 'charset.unsupported'
            ? errorResponse('UNSUPPORTED_MEDIA_TYPE', (error as Error).message)
            : (log(`request error: ${(error as Error).message}`), errorResponse('BAD_REQUEST', 'the request could not be read'));
    res
      .status(response.status)
      .set(response.headers ?? {})
      .json(response.body);
  };
}
