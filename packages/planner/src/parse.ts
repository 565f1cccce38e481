/**
 * parse: SQL text → a checked, read-only SELECT in the planner's IR (or the reason it can only
 * run as written). Rejections throw `QueryRejectedError`; "valid, but not splittable" is not an
 * error and comes back as `notSplittable`.
 */
import { Parser } from 'node-sql-parser';
import { isSplittableAggregate } from './aggregates';
import { MAX_SPLIT_DEPTH, expressionDepth, readingBudget } from './complexity';
import { AGGREGATE_WRAPPER, NotSplittable, convertSelect } from './convert';
import { QueryRejectedError } from './errors';
import type { SelectQuery } from './ir';
import { foldCase, foldIdentifiers, isWord, type Token } from './lexer';
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

/** VALUES lists and TABLE, the SELECTs that are not spelled SELECT: they run as written. */
function otherQueryForm(tokens: readonly Token[]): string | null {
  const head = tokens.find((t) => !(t.kind === 'op' && t.text === '('));
  if (isWord(head, 'values')) return 'VALUES lists run as written';
  if (isWord(head, 'table')) return 'TABLE runs as written';
  return null;
}

/**
 * Syntax node-sql-parser misreads instead of refusing: `FROM ONLY t` as a table named "only",
 * `x ISNULL` as a column alias, `"a""b"` as column `a` aliased `b`, and a backslash in `'a\'`
 * as an escape.
 */
function misreadSyntax(tokens: readonly Token[]): string | null {
  for (const [i, token] of tokens.entries()) {
    if (token.kind === 'quoted-ident' && /""|\\/.test(token.text.slice(1, -1))) return 'names containing double quotes or backslashes are not split';
    if (token.kind === 'string' && token.text.includes('\\')) return 'string constants containing backslashes are not split';
    if (isWord(token, 'isnull') || isWord(token, 'notnull')) return `${token.text.toUpperCase()} is not split`;
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
  const parserText = wrapAggregates(foldIdentifiers(text, statement.tokens), statement.tokens);
  let ast: unknown;
  try {
    ast = parser.astify(parserText, { database: 'postgresql', parseOptions: { includeLocations: true } });
  } catch {
    return { sql: text, query: null, notSplittable: 'the planner cannot read part of this query' };
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
    return {
      sql: text,
      query: null,
      notSplittable: `the query nests expressions more than ${MAX_SPLIT_DEPTH} levels deep, past what the planner reads to split a query`,
    };
  }
  try {
    return { sql: text, query: convertSelect(select), notSplittable: null };
  } catch (error) {
    if (error instanceof NotSplittable) return { sql: text, query: null, notSplittable: error.message };
    throw error;
  }
}

/**
 * node-sql-parser reads DISTINCT and FILTER in the argument list of `count` but not of `avg`,
 * `stddev` or `bool_and`. Each splittable aggregate call is shown to it as `count`, wrapped in a
 * marker call that keeps the real name: `stddev(DISTINCT x) FILTER (WHERE c)` becomes
 * `__pgfan_agg_stddev(count(DISTINCT x) FILTER (WHERE c))`. Offsets are the same in `text`
 * (the folded SQL) and `tokens`.
 */
function wrapAggregates(text: string, tokens: readonly Token[]): string {
  const edits: { at: number; end: number; insert: string }[] = [];
  tokens.forEach((token, i) => {
    const name = foldCase(token.text);
    if (token.kind !== 'ident' || name === 'count' || !isSplittableAggregate(name) || tokens[i + 1]?.text !== '(') return;
    let last = closingParen(tokens, i + 1);
    if (isWord(tokens[last + 1], 'filter') && tokens[last + 2]?.text === '(') last = closingParen(tokens, last + 2);
    if (isWord(tokens[last + 1], 'over')) return; // a window function: not split either way
    edits.push({ at: token.start, end: token.end, insert: `${AGGREGATE_WRAPPER}${name}(count` });
    edits.push({ at: (tokens[last] as Token).end, end: (tokens[last] as Token).end, insert: ')' });
  });
  edits.sort((a, b) => a.at - b.at);
  let out = '';
  let copied = 0;
  for (const edit of edits) {
    out += text.slice(copied, edit.at) + edit.insert;
    copied = edit.end;
  }
  return out + text.slice(copied);
}

/** Index of the token closing the parenthesis opened at `open`. */
function closingParen(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const text = (tokens[i] as Token).text;
    if (text === '(') depth++;
    else if (text === ')' && --depth === 0) return i;
  }
  return tokens.length - 1;
}
