/**
 * parse: SQL text → a checked, read-only SELECT in the planner's IR (or the reason it can only
 * run as written). Rejections throw `QueryRejectedError`; "valid, but not splittable" is not an
 * error and comes back as `notSplittable`.
 */
import { Parser } from 'node-sql-parser';
import { MAX_SPLIT_DEPTH, expressionDepth, readingBudget } from './complexity';
import { NotSplittable, convertExpr, convertSelect } from './convert';
import { forParser, groupsByEmptySet, newOriginals, type Originals } from './corrections';
import { QueryRejectedError } from './errors';
import type { Expr, SelectQuery } from './ir';
import { isWord, type Token } from './lexer';
import { restoreOriginals } from './restore';
import { readRowLimit } from './row-limit';
import { checkSingleReadOnlySelect } from './statement';

export interface ParsedQuery {
  /** The submitted statement without a trailing semicolon or trailing comments. */
  sql: string;
  /** The query in IR form, or null when it can only run as written. */
  query: SelectQuery | null;
  /** Why `query` is null, for people. */
  notSplittable: string | null;
}

const parser = new Parser();

/** VALUES lists, the SELECTs of no table, run as written. (`TABLE t` is read as SELECT * FROM t.) */
function otherQueryForm(tokens: readonly Token[]): string | null {
  const head = tokens.find((t) => !(t.kind === 'op' && t.text === '('));
  if (isWord(head, 'values')) return 'VALUES lists run as written';
  if (isWord(head, 'table') && head !== tokens[0]) return 'TABLE in parentheses runs as written';
  return null;
}

/** Syntax node-sql-parser misreads instead of refusing, and that no correction reads yet. */
function misreadSyntax(tokens: readonly Token[]): string | null {
  for (const [i, token] of tokens.entries()) {
    if (token.kind === 'quoted-ident' && /^u&/i.test(token.text)) return 'Unicode-escaped names (U&"…") are not split';
    const previous = tokens[i - 1];
    if (isWord(token, 'only') && (isWord(previous, 'from') || isWord(previous, 'join'))) return 'FROM ONLY is not split';
  }
  return null;
}

/**
 * Checks and parses one SELECT.
 * @throws QueryRejectedError when the text is not exactly one read-only SELECT.
 * @example parseQuery('SELECT count(*) FROM events').query?.from.name // 'events'
 */
export function parseQuery(sql: string): ParsedQuery {
  const statement = checkSingleReadOnlySelect(sql);
  const text = sql.slice(0, statement.end);
  const misread = otherQueryForm(statement.tokens) ?? misreadSyntax(statement.tokens) ?? readingBudget(statement.tokens);
  if (misread) return { sql: text, query: null, notSplittable: misread };
  try {
    return { sql: text, query: readQuery(text, statement.tokens), notSplittable: null };
  } catch (error) {
    if (error instanceof NotSplittable) return { sql: text, query: null, notSplittable: error.message };
    throw error;
  }
}

/**
 * The statement in IR: its body through node-sql-parser (with the planner's corrections), its
 * LIMIT, OFFSET and FETCH from tokens, and every placeholder restored.
 * @throws NotSplittable for what the planner cannot read or split
 */
function readQuery(text: string, tokens: readonly Token[]): SelectQuery {
  const clauses = readRowLimit(tokens);
  const originals = newOriginals();
  let ast: unknown;
  try {
    ast = parser.astify(forParser(text, clauses.body, originals), { database: 'postgresql', parseOptions: { includeLocations: true } });
  } catch {
    throw new NotSplittable('the planner cannot read part of this query');
  }
  const statements = Array.isArray(ast) ? ast : [ast];
  const [select] = statements as { type?: string; into?: { position?: unknown } }[];
  if (statements.length !== 1 || select?.type !== 'select') {
    throw new QueryRejectedError('UNSUPPORTED_STATEMENT', 'only a single SELECT query can be submitted');
  }
  if (select.into?.position) {
    throw new QueryRejectedError('NOT_READ_ONLY', 'SELECT … INTO creates a table and is not accepted: only read-only queries can run here');
  }
  if (expressionDepth(select, MAX_SPLIT_DEPTH) > MAX_SPLIT_DEPTH) {
    throw new NotSplittable(`the query nests expressions more than ${MAX_SPLIT_DEPTH} levels deep, past what the planner reads to split a query`);
  }
  const count = (value: Token[] | null) => (value === null ? null : readValue(text, value, originals));
  const query: SelectQuery = {
    ...convertSelect(select),
    limit: clauses.limit === 'one' ? { kind: 'literal', sql: '1' } : count(clauses.limit),
    offset: count(clauses.offset),
    withTies: clauses.withTies,
    emptyGroupingSet: groupsByEmptySet(clauses.body),
  };
  return restoreOriginals(query, originals);
}

/** One expression on its own (a LIMIT or OFFSET count), read as the select list of `SELECT …`. */
function readValue(text: string, tokens: Token[], originals: Originals): Expr {
  let ast: { columns?: { expr: unknown }[]; from?: unknown };
  try {
    ast = parser.astify(`SELECT ${forParser(text, tokens, originals)}`, { database: 'postgresql' }) as typeof ast;
  } catch {
    throw new NotSplittable('the planner cannot read this LIMIT or OFFSET');
  }
  if (Array.isArray(ast) || ast.columns?.length !== 1 || ast.from) throw new NotSplittable('the planner cannot read this LIMIT or OFFSET');
  return convertExpr((ast.columns[0] as { expr: unknown }).expr);
}
