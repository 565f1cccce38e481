/**
 * First gate for submitted SQL, at the token level: exactly one statement, and that statement a
 * read-only query (SELECT, WITH, VALUES or TABLE). It runs before node-sql-parser, so it also
 * protects queries that parser cannot read; PostgreSQL's own guards (one statement per
 * extended-protocol message, READ ONLY transactions) stand behind it.
 */
import { QueryRejectedError, positionAt } from './errors';
import { forbiddenCall } from './functions';
import { foldCase, isWord, tokenize, type Token } from './lexer';

/** Statements that write, lock, or change session or server state. */
const STATE_CHANGING = new Set([
  'insert',
  'update',
  'delete',
  'merge',
  'create',
  'alter',
  'drop',
  'truncate',
  'grant',
  'revoke',
  'copy',
  'set',
  'reset',
  'call',
  'do',
  'vacuum',
  'analyze',
  'analyse',
  'cluster',
  'reindex',
  'refresh',
  'lock',
  'comment',
  'security',
  'import',
  'discard',
  'load',
  'listen',
  'notify',
  'unlisten',
  'prepare',
  'execute',
  'deallocate',
  'begin',
  'start',
  'commit',
  'end',
  'rollback',
  'abort',
  'savepoint',
  'release',
  'checkpoint',
  'declare',
  'reassign',
]);

/** Read-only statements that are still not queries pgfan runs. */
const OTHER_STATEMENTS = new Set(['explain', 'show', 'fetch', 'move', 'close']);

/** What a query may begin with: SELECT, WITH, and the two other forms of a SELECT, VALUES and TABLE. */
const QUERY_HEADS = ['select', 'with', 'values', 'table'];

const DATA_MODIFYING = new Set(['insert', 'update', 'delete', 'merge']);

/** One statement's tokens, with a trailing semicolon removed. */
export interface SingleStatement {
  tokens: Token[];
  /** Offset just past the statement's last token (before any `;`). */
  end: number;
}

/**
 * Checks that `sql` holds exactly one read-only query.
 * @throws QueryRejectedError with code `EMPTY_QUERY`, `SYNTAX_ERROR`, `MULTIPLE_STATEMENTS`,
 *   `NOT_READ_ONLY`, `UNSUPPORTED_STATEMENT`, `FORBIDDEN_FUNCTION` or `INVALID_QUERY` (a parameter).
 */
export function checkSingleReadOnlySelect(sql: string): SingleStatement {
  const statements = splitStatements(tokenize(sql));
  const [first, second] = statements;
  if (!first) throw new QueryRejectedError('EMPTY_QUERY', 'the query is empty');
  if (second) {
    throw new QueryRejectedError(
      'MULTIPLE_STATEMENTS',
      'only one statement can be submitted at a time; remove everything after the first ";"',
      positionAt(sql, (second[0] as Token).start),
    );
  }
  checkBalanced(sql, first);
  checkStatementKind(sql, first);
  checkNoWritesInside(sql, first);
  checkNoForbiddenCalls(sql, first);
  checkNoParameters(sql, first);
  return { tokens: first, end: (first[first.length - 1] as Token).end };
}

/**
 * The statement as its plan carries it (`ParsedQuery.sql`): `sql` without a trailing semicolon,
 * comments or whitespace, as psql and Grafana send it; `sql` itself when it is not one statement.
 * What a statement's runs teach the cost model is kept by this text: kept by the text as sent,
 * `SELECT …;` was planned with what `SELECT …;` had learned, and taught `SELECT …`, so it never
 * learned anything of its own.
 */
export function statementText(sql: string): string {
  try {
    const [only, second] = splitStatements(tokenize(sql));
    return only && !second ? sql.slice(0, (only[only.length - 1] as Token).end) : sql;
  } catch {
    return sql;
  }
}

function splitStatements(tokens: Token[]): Token[][] {
  const statements: Token[][] = [];
  let current: Token[] = [];
  for (const token of tokens) {
    if (token.kind === 'op' && token.text === ';') {
      if (current.length > 0) statements.push(current);
      current = [];
    } else {
      current.push(token);
    }
  }
  if (current.length > 0) statements.push(current);
  return statements;
}

function checkBalanced(sql: string, tokens: Token[]): void {
  const open: Token[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[' };
  for (const token of tokens) {
    if (token.kind !== 'op') continue;
    if (token.text === '(' || token.text === '[') open.push(token);
    const opener = pairs[token.text];
    if (opener !== undefined) {
      if (open.pop()?.text !== opener) {
        throw new QueryRejectedError('SYNTAX_ERROR', `syntax error at or near "${token.text}"`, positionAt(sql, token.start));
      }
    }
  }
  const unclosed = open.pop();
  if (unclosed) {
    throw new QueryRejectedError('SYNTAX_ERROR', `"${unclosed.text}" is never closed`, positionAt(sql, unclosed.start));
  }
}

function checkStatementKind(sql: string, tokens: Token[]): void {
  const head = tokens.find((t) => !(t.kind === 'op' && t.text === '(')) as Token;
  if (QUERY_HEADS.some((word) => isWord(head, word))) return;
  const word = head.kind === 'ident' ? foldCase(head.text) : '';
  const at = positionAt(sql, head.start);
  if (STATE_CHANGING.has(word)) {
    throw new QueryRejectedError('NOT_READ_ONLY', `${word.toUpperCase()} statements are not accepted: only read-only SELECT queries can run here`, at);
  }
  if (OTHER_STATEMENTS.has(word)) {
    throw new QueryRejectedError('UNSUPPORTED_STATEMENT', `${word.toUpperCase()} is not supported: submit a SELECT query`, at);
  }
  throw new QueryRejectedError('SYNTAX_ERROR', `syntax error at or near "${head.text}": expected a SELECT query`, at);
}

function checkNoWritesInside(sql: string, tokens: Token[]): void {
  tokens.forEach((token, i) => {
    if (token.kind !== 'ident') return;
    // Only where it is reported: computing it for every token made long queries quadratic.
    const at = () => positionAt(sql, token.start);
    const word = foldCase(token.text);
    // A locking clause's FOR comes before its UPDATE, so it is reported first.
    if (DATA_MODIFYING.has(word)) {
      throw new QueryRejectedError('NOT_READ_ONLY', `${word.toUpperCase()} inside a query is not accepted: only read-only SELECT queries can run here`, at());
    }
    if (word === 'into') {
      throw new QueryRejectedError('NOT_READ_ONLY', 'SELECT … INTO creates a table and is not accepted: only read-only queries can run here', at());
    }
    if (isLockingClause(tokens, i)) {
      throw new QueryRejectedError('NOT_READ_ONLY', 'FOR UPDATE/SHARE locks rows and is not accepted: only read-only queries can run here', at());
    }
  });
}

function checkNoForbiddenCalls(sql: string, tokens: Token[]): void {
  const call = forbiddenCall(tokens);
  if (!call) return;
  throw new QueryRejectedError(
    'FORBIDDEN_FUNCTION',
    `${call.name}() is not accepted: functions that sleep, signal or lock, read the server's files, change settings or sequences, or run SQL given as text cannot be called through pgfan`,
    positionAt(sql, call.token.start),
  );
}

/**
 * A submitted query has no parameter values to go with it: `$1` refers to nothing, as PostgreSQL
 * says of a query sent with none (42P02). Caught here, it is the user's mistake it is; sent on, it
 * was a protocol error between pgfan and PostgreSQL.
 */
function checkNoParameters(sql: string, tokens: Token[]): void {
  const param = tokens.find((t) => t.kind === 'param');
  if (param) throw new QueryRejectedError('INVALID_QUERY', `there is no parameter ${param.text}`, positionAt(sql, param.start));
}

/** `FOR UPDATE`, `FOR SHARE`, `FOR NO KEY UPDATE` or `FOR KEY SHARE` starting at `tokens[i]`. */
function isLockingClause(tokens: Token[], i: number): boolean {
  if (!isWord(tokens[i], 'for')) return false;
  const words = tokens.slice(i + 1, i + 4).map((t) => (t.kind === 'ident' ? foldCase(t.text) : ''));
  return (
    words[0] === 'update' ||
    words[0] === 'share' ||
    (words[0] === 'no' && words[1] === 'key' && words[2] === 'update') ||
    (words[0] === 'key' && words[1] === 'share')
  );
}
