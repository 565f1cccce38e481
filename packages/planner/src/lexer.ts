/**
 * A lexer for PostgreSQL's SQL, faithful to `scan.l` where it matters to us: which text is an
 * identifier (and whether it was quoted), a string, a comment or a parameter, and where each
 * statement ends. It does not build expressions; node-sql-parser does that.
 *
 * We need our own because node-sql-parser drops whether an identifier was quoted, and
 * PostgreSQL folds unquoted identifiers to lower case (`SELECT x AS M` names its column `m`).
 */
import { QueryRejectedError, positionAt } from './errors';

export type TokenKind =
  | 'ident' // unquoted identifier or keyword, case as written
  | 'quoted-ident' // "Name" or U&"Name"
  | 'string' // '…', E'…', B'…', X'…', N'…', U&'…', $tag$…$tag$
  | 'number'
  | 'param' // $1
  | 'op'; // operators and punctuation, including ( ) , ; . :: [ ]

export interface Token {
  kind: TokenKind;
  /** Exact source text of the token. */
  text: string;
  /** 0-based offset of the first character. */
  start: number;
  /** 0-based offset just past the last character. */
  end: number;
}

const OP_CHARS = '~!@#^&|`?+-*/%<>=';
const SELF_CHARS = ',()[].;:+-*/%^<>=';

function isIdentStart(ch: string): boolean {
  return /[A-Za-z_]/.test(ch) || ch >= '\u0080';
}

function isIdentCont(ch: string): boolean {
  return /[A-Za-z0-9_$]/.test(ch) || ch >= '\u0080';
}

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}

function unterminated(sql: string, start: number, what: string): QueryRejectedError {
  const near = sql.slice(start, start + 20);
  return new QueryRejectedError('SYNTAX_ERROR', `unterminated ${what} at or near "${near}"`, positionAt(sql, start));
}

/** Skips whitespace and comments from `i`; returns the next significant offset. */
function skipTrivia(sql: string, i: number): number {
  for (;;) {
    const ch = sql[i];
    if (ch === undefined) return i;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n' && sql[i] !== '\r') i++;
    } else if (ch === '/' && sql[i + 1] === '*') {
      // PostgreSQL block comments nest.
      const start = i;
      let depth = 0;
      do {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          i += 2;
        } else if (i >= sql.length) {
          throw unterminated(sql, start, '/* comment');
        } else {
          i++;
        }
      } while (depth > 0);
    } else {
      return i;
    }
  }
}

/** Reads a quoted run starting at `open` (the quote character's offset); doubled quotes escape. */
function readQuoted(sql: string, open: number, quote: string, backslashEscapes: boolean): number {
  let i = open + 1;
  for (;;) {
    const ch = sql[i];
    if (ch === undefined) {
      throw unterminated(sql, open, quote === '"' ? 'quoted identifier' : 'quoted string');
    }
    if (backslashEscapes && ch === '\\') {
      i += 2;
    } else if (ch === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
}

function readNumber(sql: string, i: number): number {
  while (isDigit(sql[i])) i++;
  if (sql[i] === '.' && sql[i + 1] !== '.') {
    i++;
    while (isDigit(sql[i])) i++;
  }
  if ((sql[i] === 'e' || sql[i] === 'E') && (isDigit(sql[i + 1]) || (/[+-]/.test(sql[i + 1] ?? '') && isDigit(sql[i + 2])))) {
    i += 2;
    while (isDigit(sql[i])) i++;
  }
  return i;
}

/** Characters that let a multi-character operator end in `+` or `-` (scan.l). */
const NON_SQL_OP_CHARS = '~!@#^&|`?%';

function readOperator(sql: string, i: number): number {
  const start = i;
  while (i < sql.length && OP_CHARS.includes(sql[i] as string)) {
    // A comment start ends the operator, as in scan.l.
    if ((sql[i] === '-' && sql[i + 1] === '-') || (sql[i] === '/' && sql[i + 1] === '*')) break;
    i++;
  }
  if (i === start) return start + 1;
  // As scan.l does: `*-` is two operators (`2*-3`), but `?-` is one, since it could not be a
  // sequence of SQL's own operators.
  const text = sql.slice(start, i);
  if (text.length > 1 && /[+-]$/.test(text) && ![...text.slice(0, -1)].some((c) => NON_SQL_OP_CHARS.includes(c))) {
    let end = i;
    while (end - start > 1 && /[+-]/.test(sql[end - 1] as string)) end--;
    return end;
  }
  return i;
}

/**
 * Splits SQL text into tokens, dropping whitespace and comments.
 * @throws QueryRejectedError `SYNTAX_ERROR` for an unterminated string, identifier or comment.
 */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = skipTrivia(sql, 0);
  while (i < sql.length) {
    const start = i;
    const ch = sql[i] as string;
    const next = sql[i + 1];
    let kind: TokenKind;
    if ((ch === 'u' || ch === 'U') && next === '&' && (sql[i + 2] === '"' || sql[i + 2] === "'")) {
      const quote = sql[i + 2] as string;
      i = readQuoted(sql, i + 2, quote, false);
      kind = quote === '"' ? 'quoted-ident' : 'string';
    } else if (/[eEbBxXnN]/.test(ch) && next === "'") {
      i = readQuoted(sql, i + 1, "'", ch === 'e' || ch === 'E');
      kind = 'string';
    } else if (isIdentStart(ch)) {
      i++;
      while (i < sql.length && isIdentCont(sql[i] as string)) i++;
      kind = 'ident';
    } else if (ch === '"') {
      i = readQuoted(sql, i, '"', false);
      kind = 'quoted-ident';
    } else if (ch === "'") {
      i = readQuoted(sql, i, "'", false);
      kind = 'string';
    } else if (ch === '$' && isDigit(next)) {
      i++;
      while (isDigit(sql[i])) i++;
      kind = 'param';
    } else if (ch === '$') {
      const tag = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i));
      if (!tag) throw new QueryRejectedError('SYNTAX_ERROR', `syntax error at or near "$"`, positionAt(sql, i));
      const close = sql.indexOf(tag[0], i + tag[0].length);
      if (close < 0) throw unterminated(sql, i, 'dollar-quoted string');
      i = close + tag[0].length;
      kind = 'string';
    } else if (isDigit(ch) || (ch === '.' && isDigit(next))) {
      i = readNumber(sql, i);
      kind = 'number';
    } else if (ch === ':' && next === ':') {
      i += 2;
      kind = 'op';
    } else if (OP_CHARS.includes(ch)) {
      i = readOperator(sql, i);
      kind = 'op';
    } else if (SELF_CHARS.includes(ch)) {
      i++;
      kind = 'op';
    } else {
      throw new QueryRejectedError('SYNTAX_ERROR', `syntax error at or near "${ch}"`, positionAt(sql, i));
    }
    tokens.push({ kind, text: sql.slice(start, i), start, end: i });
    i = skipTrivia(sql, i);
  }
  return tokens;
}

/** PostgreSQL's case folding of an unquoted identifier: ASCII letters only. */
export function foldCase(identifier: string): string {
  return identifier.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

/** True if `token` is the unquoted keyword `word` (case-insensitive). */
export function isWord(token: Token | undefined, word: string): boolean {
  return token !== undefined && token.kind === 'ident' && foldCase(token.text) === word;
}
