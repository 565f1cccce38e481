/**
 * Errors a person submitting SQL may see. Each carries a stable `code` that clients can
 * branch on, a message written for people, and the position in the SQL text where known.
 * Internal failures (bugs, lost connections) are plain `Error`s and never use these codes.
 */

/** Where in the submitted SQL a problem was found; `offset` is 0-based, `line`/`column` 1-based. */
export interface SqlPosition {
  offset: number;
  line: number;
  column: number;
}

/**
 * Stable error codes. Adding one is fine; renaming one breaks clients.
 * - `EMPTY_QUERY`: nothing but whitespace and comments.
 * - `SYNTAX_ERROR`: the text is not valid SQL.
 * - `MULTIPLE_STATEMENTS`: more than one statement in one submission.
 * - `NOT_READ_ONLY`: a statement that writes, locks or changes settings.
 * - `UNSUPPORTED_STATEMENT`: a read-only statement that is not a SELECT (EXPLAIN, SHOW, VALUES…).
 * - `FORBIDDEN_FUNCTION`: a call of a function that sleeps, signals, locks, reads files or changes
 *   settings (see `functions.ts`).
 * - `FORBIDDEN_RELATION`: a table outside the configured allow-list.
 * - `INVALID_PARTITION_KEY`: key-range partitioning was asked for on a missing or unsuitable column.
 * - `INVALID_QUERY`: it refers to something that is not there: a parameter (`$1`) no value was given for.
 */
export type QueryErrorCode =
  | 'EMPTY_QUERY'
  | 'SYNTAX_ERROR'
  | 'MULTIPLE_STATEMENTS'
  | 'NOT_READ_ONLY'
  | 'UNSUPPORTED_STATEMENT'
  | 'FORBIDDEN_FUNCTION'
  | 'FORBIDDEN_RELATION'
  | 'INVALID_PARTITION_KEY'
  | 'INVALID_QUERY';

/** A submitted query was refused before anything ran. */
export class QueryRejectedError extends Error {
  override readonly name = 'QueryRejectedError';

  constructor(
    readonly code: QueryErrorCode,
    message: string,
    readonly position?: SqlPosition,
  ) {
    super(message);
  }
}

/** Converts a 0-based offset into a position with 1-based line and column. */
export function positionAt(sql: string, offset: number): SqlPosition {
  const clamped = Math.max(0, Math.min(offset, sql.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < clamped; i++) {
    if (sql.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset: clamped, line, column: clamped - lineStart + 1 };
}
