/**
 * Failures of a query that was accepted and ran, in the same user-facing shape as the planner's
 * rejections: a stable code, a message for people, a position in the user's SQL when known.
 */
import { positionAt, type SqlPosition } from '@pgfan/planner';
import { DatabaseError } from 'pg';
import { ServerBehindError } from './servers';

/**
 * - `SYNTAX_ERROR`: PostgreSQL could not parse the query.
 * - `INVALID_QUERY`: it parsed, but names or types are wrong (42xxx, e.g. an unknown column).
 * - `NOT_READ_ONLY`: it tried to write (PostgreSQL refused in a read-only transaction).
 * - `QUERY_FAILED`: it failed while running (division by zero, a bad cast, …).
 * - `TIMEOUT`: it ran past its deadline, or waited past lock_timeout for a lock. `CANCELLED`: someone cancelled it.
 * - `UNAVAILABLE`: the database could not be reached.
 */
export type ExecutionErrorCode =
  | 'SYNTAX_ERROR'
  | 'INVALID_QUERY'
  | 'NOT_READ_ONLY'
  | 'QUERY_FAILED'
  | 'TIMEOUT'
  | 'CANCELLED'
  | 'UNAVAILABLE'
  // The result is larger than RESULT_MAX_BYTES, and no preview was asked for.
  | 'RESULT_TOO_LARGE';

export class QueryFailedError extends Error {
  override readonly name = 'QueryFailedError';

  constructor(
    readonly code: ExecutionErrorCode,
    message: string,
    readonly sqlState?: string,
    readonly position?: SqlPosition,
  ) {
    super(message);
  }
}

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE']);

/**
 * Translates a node-postgres error into a QueryFailedError; anything else is returned as is.
 * @param userSql when the failing statement was the user's own text (optionally behind a
 *   prefix such as `EXPLAIN `), positions are reported against it.
 */
export function fromDatabaseError(error: unknown, userSql?: { sql: string; prefixLength: number }): unknown {
  if (error instanceof DatabaseError) {
    const state = error.code ?? '';
    const offset = error.position && userSql ? Number(error.position) - 1 - userSql.prefixLength : NaN;
    const position = userSql && Number.isInteger(offset) && offset >= 0 ? positionAt(userSql.sql, offset) : undefined;
    return new QueryFailedError(codeFor(state, error.message), error.message, state, position);
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CONNECTION_ERRORS.has(code)) {
    return new QueryFailedError('UNAVAILABLE', `the database is unreachable (${code})`);
  }
  return error;
}

/**
 * SQLSTATE of a statement a hot standby cancelled because replay had to remove what its snapshot
 * still saw (a recovery conflict). A read-only REPEATABLE READ transaction meets it nowhere else.
 */
export const RECOVERY_CONFLICT = '40001';

/**
 * Whether a statement failed because its server can no longer run it, rather than because of the
 * query: the server went away (unreachable, shutting down, the connection lost, restarted behind
 * a position it had reached), or a hot standby's replay cancelled it (a recovery conflict).
 * Another server, or a fresh snapshot, can run it. Null for a failure of the query itself.
 */
export function serverLoss(error: unknown): 'SERVER_LOST' | 'RECOVERY_CONFLICT' | null {
  if (error instanceof ServerBehindError) return 'SERVER_LOST';
  const failure = fromDatabaseError(error);
  if (failure instanceof QueryFailedError)
    return failure.sqlState === RECOVERY_CONFLICT ? 'RECOVERY_CONFLICT' : failure.code === 'UNAVAILABLE' ? 'SERVER_LOST' : null;
  // Not an error PostgreSQL raised: the connection to it failed (refused, reset, terminated).
  return 'SERVER_LOST';
}

/** SQLSTATE of a statement that waited past lock_timeout. */
export const LOCK_NOT_AVAILABLE = '55P03';

function codeFor(sqlState: string, message: string): ExecutionErrorCode {
  if (sqlState === '42601') return 'SYNTAX_ERROR';
  if (sqlState === '25006') return 'NOT_READ_ONLY';
  if (sqlState === '57014') return message.includes('statement timeout') ? 'TIMEOUT' : 'CANCELLED';
  if (sqlState === LOCK_NOT_AVAILABLE) return 'TIMEOUT';
  if (sqlState.startsWith('42')) return 'INVALID_QUERY';
  // Connection failures, a shutting-down or starting server, and too_many_connections.
  if (sqlState.startsWith('08') || sqlState === '57P01' || sqlState === '57P03' || sqlState === '53300') return 'UNAVAILABLE';
  return 'QUERY_FAILED';
}
