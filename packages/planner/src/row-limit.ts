/**
 * LIMIT, OFFSET and FETCH at the end of a statement, read from its tokens. node-sql-parser reads
 * only `LIMIT n [OFFSET m]` with integer constants, and drops a LIMIT written after an OFFSET;
 * PostgreSQL takes any constant expression (`LIMIT '3'`, `LIMIT 2 + 1`, `LIMIT NULL`), either order,
 * and SQL's `OFFSET m ROWS FETCH FIRST n ROWS ONLY | WITH TIES`. The counts' tokens are parsed
 * on their own afterwards (`parse.ts`).
 */
import { NotSplittable } from './convert';
import { foldCase, isWord, type Token } from './lexer';

export interface RowLimitClauses {
  /** The statement before its row-limiting clauses. */
  body: Token[];
  /** The count's tokens; `one` for FETCH FIRST ROW ONLY, which has none; null for no limit (or LIMIT ALL). */
  limit: Token[] | 'one' | null;
  offset: Token[] | null;
  withTies: boolean;
}

/**
 * Splits the row-limiting clauses off the end of `tokens` (outside any parentheses).
 * @throws NotSplittable for a form this cannot read (PostgreSQL may still reject it)
 */
export function readRowLimit(tokens: readonly Token[]): RowLimitClauses {
  const start = firstClause(tokens);
  const clauses: RowLimitClauses = { body: tokens.slice(0, start), limit: null, offset: null, withTies: false };
  let seenLimit = false;
  let k = start;
  while (k < tokens.length) {
    const word = foldCase((tokens[k] as Token).text);
    if (word === 'limit' && !seenLimit) {
      seenLimit = true;
      if (isWord(tokens[k + 1], 'all') && k + 2 === valueEnd(tokens, k + 1, ['offset', 'fetch'])) {
        k += 2;
        continue;
      }
      const end = valueEnd(tokens, k + 1, ['offset', 'fetch']);
      clauses.limit = value(tokens, k + 1, end);
      k = end;
    } else if (word === 'offset' && clauses.offset === null) {
      const end = valueEnd(tokens, k + 1, ['limit', 'fetch', 'row', 'rows']);
      clauses.offset = value(tokens, k + 1, end);
      k = isWord(tokens[end], 'row') || isWord(tokens[end], 'rows') ? end + 1 : end;
    } else if (word === 'fetch' && !seenLimit && (isWord(tokens[k + 1], 'first') || isWord(tokens[k + 1], 'next'))) {
      seenLimit = true;
      const end = valueEnd(tokens, k + 2, ['row', 'rows']);
      clauses.limit = end === k + 2 ? 'one' : value(tokens, k + 2, end);
      if (!isWord(tokens[end], 'row') && !isWord(tokens[end], 'rows')) throw unreadable();
      if (isWord(tokens[end + 1], 'only')) {
        k = end + 2;
      } else if (isWord(tokens[end + 1], 'with') && isWord(tokens[end + 2], 'ties')) {
        clauses.withTies = true;
        k = end + 3;
      } else {
        throw unreadable();
      }
    } else {
      throw unreadable();
    }
  }
  return clauses;
}

function unreadable(): NotSplittable {
  return new NotSplittable('this LIMIT, OFFSET or FETCH form is not split');
}

/** Where the row-limiting clauses begin: the first LIMIT, OFFSET or FETCH FIRST|NEXT outside parentheses. */
function firstClause(tokens: readonly Token[]): number {
  let depth = 0;
  for (const [k, t] of tokens.entries()) {
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    else if (
      depth === 0 &&
      (isWord(t, 'limit') || isWord(t, 'offset') || (isWord(t, 'fetch') && (isWord(tokens[k + 1], 'first') || isWord(tokens[k + 1], 'next'))))
    ) {
      return k;
    }
  }
  return tokens.length;
}

/** The end of a count starting at `from`: the next of `stops` outside parentheses, or the end. */
function valueEnd(tokens: readonly Token[], from: number, stops: string[]): number {
  let depth = 0;
  for (let k = from; k < tokens.length; k++) {
    const t = tokens[k] as Token;
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    else if (depth === 0 && stops.some((stop) => isWord(t, stop))) return k;
  }
  return tokens.length;
}

function value(tokens: readonly Token[], from: number, to: number): Token[] {
  if (to <= from) throw unreadable();
  return tokens.slice(from, to);
}
