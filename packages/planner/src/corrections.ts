/**
 * The planner's own reading of syntax node-sql-parser lacks or misreads. Before node-sql-parser
 * sees a statement, each such run of tokens is rewritten into something it reads: a placeholder
 * (a string constant, a name, a cast's type) or a marker (`markers.ts`) that `convert.ts` turns
 * into the right IR. `restore.ts` then puts every original back, exactly as the user wrote it.
 *
 * What this reads:
 * - every string constant (`E'…'`, `$$…$$`, `U&'…'`, backslashes) and quoted names holding `""`
 *   or `\`, which node-sql-parser misreads, as placeholders;
 * - every cast's type (`::timetz`, `::float8`, `CAST(x AS interval hour to minute)`), as a
 *   placeholder type, so node-sql-parser's renaming (`float8` → `float(8)`, a real) never counts;
 * - operators it lacks (`#`, `<<`, `|`, `&`, `^`, `|/`, `@`, `IS [NOT] DISTINCT FROM`), as markers
 *   whose precedence `convert.ts` applies;
 * - `ISNULL`/`NOTNULL`, `BETWEEN SYMMETRIC`, `(composite).field`, `ROW(…)`, `current_user` and
 *   its kin, `GROUP BY ()`, `ORDER BY … USING <`/`>`, `TABLE t`;
 * - unquoted names folded to lower case, as PostgreSQL folds them.
 *
 * None of it is trusted alone: the engine splits a query only when EXPLAIN of the planner's
 * reprinted reading equals EXPLAIN of the user's text.
 */
import { isSplittableAggregate } from './aggregates';
import { NotSplittable } from './convert';
import { foldCase, isWord, type Token } from './lexer';
import { MARK, TYPE_PLACEHOLDER } from './markers';

/** What the placeholders of one statement stand for, by number. */
export interface Originals {
  /** Each string constant's token text. */
  strings: string[];
  /** Each misread quoted name, unquoted. */
  names: string[];
  /** Each cast's type name as written (tokens joined). */
  types: string[];
}

export function newOriginals(): Originals {
  return { strings: [], names: [], types: [] };
}

/** Replaces `tokens[from..to)` (or inserts, when from === to) with `text`. */
interface Edit {
  from: number;
  to: number;
  text: string;
  /** Inserts at one token boundary go in the order made; `after` ones after the token there. */
  order: number;
}

/** Operators node-sql-parser reads between two operands (its precedence is redone in convert.ts). */
const PARSER_BINARY = new Set([
  '+',
  '-',
  '*',
  '/',
  '%',
  '=',
  '<',
  '>',
  '<=',
  '>=',
  '<>',
  '!=',
  '||',
  '~',
  '~*',
  '!~',
  '!~*',
  '->',
  '->>',
  '#>',
  '#>>',
  '@>',
  '<@',
  '&&',
  '?',
  '?|',
  '?&',
  '#-',
]);

/** Punctuation: never an operator. */
const PUNCTUATION = new Set(['(', ')', '[', ']', ',', '.', ';', ':', '::', '=>', ':=']);

/** Prefix operators node-sql-parser reads (`*` is `count(*)` and `t.*`). */
const PARSER_PREFIX = new Set(['+', '-', '*']);

/** Keywords after which an expression starts, so an operator there is a prefix one. */
const EXPRESSION_START = new Set([
  'select',
  'where',
  'and',
  'or',
  'not',
  'when',
  'then',
  'else',
  'case',
  'by',
  'between',
  'symmetric',
  'asymmetric',
  'in',
  'like',
  'ilike',
  'similar',
  'escape',
  'having',
  'on',
  'distinct',
  'all',
  'from',
  'is',
  'as',
  'return',
  'limit',
  'offset',
  'first',
  'next',
]);

/** Words that end a GROUP BY list. */
const AFTER_GROUP_BY = new Set(['having', 'order', 'limit', 'offset', 'fetch', 'window', 'union', 'intersect', 'except']);

/** SQL keywords that read as values (no parentheses). */
const VALUE_KEYWORDS = new Set(['current_user', 'session_user', 'current_role', 'user', 'current_catalog', 'current_schema', 'current_date']);

/** SQL keywords that read the clock, with an optional precision: `current_timestamp(3)`. */
const CLOCK_KEYWORDS = new Set(['current_time', 'current_timestamp', 'localtime', 'localtimestamp']);

/**
 * `tokens` (a contiguous run of the statement's) as text for node-sql-parser, recording what each
 * placeholder stands for in `originals`.
 * @throws NotSplittable for a cast to a type name this file cannot read
 */
export function forParser(sql: string, tokens: readonly Token[], originals: Originals): string {
  const edits: Edit[] = [];
  const edit = (from: number, to: number, text: string) => edits.push({ from, to, text, order: edits.length });
  const handled = new Set<number>();
  const take = (from: number, to: number, text: string) => {
    edit(from, to, text);
    for (let k = from; k < to; k++) handled.add(k);
  };
  const closing = matchingParens(tokens);

  for (let i = 0; i < tokens.length; i++) {
    if (handled.has(i)) continue;
    const token = tokens[i] as Token;
    const word = token.kind === 'ident' ? foldCase(token.text) : null;
    const next = tokens[i + 1];

    if (token.kind === 'string') {
      // A Unicode string may name its escape character: U&'…' UESCAPE '!'.
      const end = /^u&/i.test(token.text) && isWord(next, 'uescape') && tokens[i + 2]?.kind === 'string' ? i + 3 : i + 1;
      originals.strings.push(joinTokens(tokens.slice(i, end)));
      take(i, end, `'${MARK.string}${originals.strings.length - 1}'`);
    } else if (token.kind === 'quoted-ident' && !/^u&/i.test(token.text) && /""|\\/.test(token.text.slice(1, -1))) {
      originals.names.push(token.text.slice(1, -1).replace(/""/g, '"'));
      take(i, i + 1, `"${MARK.name}${originals.names.length - 1}"`);
    } else if (token.text === '::') {
      const end = readTypeName(tokens, i + 1);
      if (end === null) throw new NotSplittable('this type name is not split');
      take(i + 1, end, typePlaceholder(tokens.slice(i + 1, end), originals));
    } else if (word === 'cast' && next?.text === '(') {
      const close = closing.get(i + 1) ?? -1;
      const as = lastAtDepth(tokens, i + 2, close, closing, 'as');
      if (as !== null && readTypeName(tokens, as + 1) === close) take(as + 1, close, typePlaceholder(tokens.slice(as + 1, close), originals));
    } else if (word === 'table' && i === 0 && (next?.kind === 'ident' || next?.kind === 'quoted-ident') && !isWord(next, 'only')) {
      // TABLE t is SELECT * FROM t.
      take(i, i + 1, 'select * from');
    } else if (word === 'isnull' || word === 'notnull') {
      take(i, i + 1, word === 'isnull' ? 'IS NULL' : 'IS NOT NULL');
    } else if (word === 'is' && (isWord(next, 'distinct') || (isWord(next, 'not') && isWord(tokens[i + 2], 'distinct')))) {
      const negated = isWord(next, 'not');
      const from = i + (negated ? 3 : 2);
      if (isWord(tokens[from], 'from')) take(i, from + 1, binaryMarker(negated ? 'IS NOT DISTINCT FROM' : 'IS DISTINCT FROM'));
    } else if (word === 'between' && (isWord(next, 'symmetric') || isWord(next, 'asymmetric'))) {
      if (isWord(next, 'asymmetric')) {
        take(i + 1, i + 2, '');
      } else {
        const and = firstAnd(tokens, i + 2, closing);
        if (and !== null) {
          take(i + 1, i + 2, `"${MARK.symmetric}"(`);
          edit(and, and, ')');
        }
      }
    } else if (isEmptyGroupingSet(tokens, i)) {
      take(i, i + 4, '');
    } else if (word === 'using' && (next?.text === '<' || next?.text === '>')) {
      take(i, i + 2, next.text === '<' ? 'ASC' : 'DESC');
    } else if (word !== null && VALUE_KEYWORDS.has(word) && next?.text !== '(') {
      take(i, i + 1, `"${MARK.keyword}${word}"`);
    } else if (word !== null && CLOCK_KEYWORDS.has(word)) {
      const precision = next?.text === '(' && tokens[i + 2]?.kind === 'number' && tokens[i + 3]?.text === ')' ? (tokens[i + 2] as Token).text : null;
      take(i, precision === null ? i + 1 : i + 4, `"${MARK.keyword}${word}${precision === null ? '' : ` ${precision}`}"`);
    } else if (word === 'row' && next?.text === '(') {
      take(i, i + 1, `"${MARK.row}"`);
    } else if (word !== null && next?.text === '(' && isSplittableAggregate(word) && word !== 'count') {
      wrapAggregate(tokens, i, closing, take, edit);
    } else if (token.text === '(' && !endsFunctionName(tokens[i - 1])) {
      fieldSelection(tokens, i, closing, take, edit);
    } else if (token.kind === 'op' && !PUNCTUATION.has(token.text)) {
      const prefix = !endsOperand(tokens[i - 1]);
      if (prefix && !PARSER_PREFIX.has(token.text)) take(i, i + 1, `"${MARK.prefix}${token.text}" ||`);
      else if (!prefix && !PARSER_BINARY.has(token.text)) take(i, i + 1, binaryMarker(token.text));
    }
    if (!handled.has(i) && token.kind === 'ident' && word !== token.text) take(i, i + 1, word as string);
  }
  return applyEdits(sql, tokens, edits);
}

/** `GROUP BY ()` as the whole GROUP BY, at `tokens[i]`: it groups all rows into one, as no GROUP BY does (`SelectQuery.emptyGroupingSet`). */
function isEmptyGroupingSet(tokens: readonly Token[], i: number): boolean {
  if (!isWord(tokens[i], 'group') || !isWord(tokens[i + 1], 'by') || tokens[i + 2]?.text !== '(' || tokens[i + 3]?.text !== ')') return false;
  const after = tokens[i + 4];
  return after === undefined || after.text === ')' || AFTER_GROUP_BY.has(foldCase(after.text));
}

/** True if the statement (outside parentheses) groups by `()` alone. */
export function groupsByEmptySet(tokens: readonly Token[]): boolean {
  let depth = 0;
  return tokens.some((t, i) => {
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    return depth === 0 && isEmptyGroupingSet(tokens, i);
  });
}

function binaryMarker(op: string): string {
  return `|| "${MARK.binary}${op}" ||`;
}

function typePlaceholder(type: readonly Token[], originals: Originals): string {
  originals.types.push(joinTokens(type));
  return `${TYPE_PLACEHOLDER}(${originals.types.length - 1})`;
}

/**
 * node-sql-parser reads DISTINCT and FILTER in the argument list of `count` but not of `avg`,
 * `stddev` or `bool_and`: each splittable aggregate call is shown to it as `count`, wrapped in
 * a marker call that keeps the real name: `stddev(DISTINCT x) FILTER (WHERE c)` becomes
 * `__pgfan_agg_stddev(count(DISTINCT x) FILTER (WHERE c))`.
 */
function wrapAggregate(
  tokens: readonly Token[],
  i: number,
  closing: Map<number, number>,
  take: (from: number, to: number, text: string) => void,
  edit: (from: number, to: number, text: string) => void,
): void {
  const close = closing.get(i + 1) ?? tokens.length - 1;
  let last = close;
  if (isWord(tokens[last + 1], 'filter') && tokens[last + 2]?.text === '(') last = closing.get(last + 2) ?? tokens.length - 1;
  if (isWord(tokens[last + 1], 'over')) return; // a window function: not split either way
  take(i, i + 1, `${MARK.aggregate}${foldCase((tokens[i] as Token).text)}(count`);
  edit(last + 1, last + 1, ')');
  // count takes one argument: corr(y, x) becomes count("__pgfan_args"(y, x)).
  if (lastAtDepth(tokens, i + 2, close, closing, ',') !== null) {
    edit(i + 2, i + 2, `"${MARK.args}"(`);
    edit(close, close, ')');
  }
}

/** `(operand).name` → `"__pgfan_field"((operand), name)`; `(x).*` and `(x).a.b` are left as they are. */
function fieldSelection(
  tokens: readonly Token[],
  open: number,
  closing: Map<number, number>,
  take: (from: number, to: number, text: string) => void,
  edit: (from: number, to: number, text: string) => void,
): void {
  const close = closing.get(open);
  if (close === undefined || tokens[close + 1]?.text !== '.') return;
  const name = tokens[close + 2];
  if (!name || (name.kind !== 'ident' && name.kind !== 'quoted-ident') || tokens[close + 3]?.text === '.' || tokens[close + 3]?.text === '(') return;
  edit(open, open, `"${MARK.field}"(`);
  take(close + 1, close + 2, ',');
  edit(close + 3, close + 3, ')');
}

/** True if `token` ends an operand, so that an operator after it is binary. */
function endsOperand(token: Token | undefined): boolean {
  if (!token) return false;
  if (token.kind === 'op') return token.text === ')' || token.text === ']';
  if (token.kind === 'ident') return !EXPRESSION_START.has(foldCase(token.text));
  return true;
}

/** True if a `(` after `token` opens a call's arguments rather than a parenthesized expression. */
function endsFunctionName(token: Token | undefined): boolean {
  return token !== undefined && (token.kind === 'quoted-ident' || (token.kind === 'ident' && !EXPRESSION_START.has(foldCase(token.text))));
}

/** Index of each `(`'s matching `)`. */
function matchingParens(tokens: readonly Token[]): Map<number, number> {
  const open: number[] = [];
  const pairs = new Map<number, number>();
  tokens.forEach((t, i) => {
    if (t.kind !== 'op') return;
    if (t.text === '(') open.push(i);
    else if (t.text === ')' && open.length > 0) pairs.set(open.pop() as number, i);
  });
  return pairs;
}

/** The last `word` (a keyword or punctuation) between `from` and `to` outside any parentheses, or null. */
function lastAtDepth(tokens: readonly Token[], from: number, to: number, closing: Map<number, number>, word: string): number | null {
  let found: number | null = null;
  for (let k = from; k < to; k++) {
    if (tokens[k]?.text === '(') k = closing.get(k) ?? to;
    else if (isWord(tokens[k], word) || (tokens[k]?.kind === 'op' && tokens[k]?.text === word)) found = k;
  }
  return found;
}

/** The `AND` that ends a BETWEEN's lower bound: the first outside parentheses and CASE … END. */
function firstAnd(tokens: readonly Token[], from: number, closing: Map<number, number>): number | null {
  let cases = 0;
  for (let k = from; k < tokens.length; k++) {
    const t = tokens[k] as Token;
    if (t.text === '(') k = closing.get(k) ?? tokens.length;
    else if (t.text === ')') return null;
    else if (isWord(t, 'case')) cases++;
    else if (isWord(t, 'end')) cases--;
    else if (cases === 0 && isWord(t, 'and')) return k;
  }
  return null;
}

const INTERVAL_FIELDS: Record<string, string[]> = {
  year: ['month'],
  month: [],
  day: ['hour', 'minute', 'second'],
  hour: ['minute', 'second'],
  minute: ['second'],
  second: [],
};

/**
 * Reads a type name from `tokens[i]`, as PostgreSQL's `Typename`: a (qualified) name or one of
 * SQL's multi-word types, type modifiers, array bounds. Returns the index after it, or null.
 */
export function readTypeName(tokens: readonly Token[], i: number): number | null {
  const first = tokens[i];
  if (!first || (first.kind !== 'ident' && first.kind !== 'quoted-ident')) return null;
  const word = first.kind === 'ident' ? foldCase(first.text) : null;
  let j = i + 1;
  if (word === 'double') {
    if (!isWord(tokens[j], 'precision')) return null;
    j++;
  } else if (word === 'national') {
    if (!isWord(tokens[j], 'character') && !isWord(tokens[j], 'char')) return null;
    j++;
    if (isWord(tokens[j], 'varying')) j++;
  } else if (word === 'character' || word === 'char' || word === 'nchar' || word === 'bit') {
    if (isWord(tokens[j], 'varying')) j++;
  } else if (word === 'time' || word === 'timestamp') {
    j = typeModifiers(tokens, j);
    if ((isWord(tokens[j], 'with') || isWord(tokens[j], 'without')) && isWord(tokens[j + 1], 'time') && isWord(tokens[j + 2], 'zone')) j += 3;
    return arrayBounds(tokens, j);
  } else if (word === 'interval') {
    const field = tokens[j]?.kind === 'ident' ? foldCase((tokens[j] as Token).text) : '';
    if (field in INTERVAL_FIELDS) {
      j++;
      const to = tokens[j + 1]?.kind === 'ident' ? foldCase((tokens[j + 1] as Token).text) : '';
      if (isWord(tokens[j], 'to') && INTERVAL_FIELDS[field]?.includes(to)) j += 2;
    }
  } else {
    while (tokens[j]?.text === '.' && (tokens[j + 1]?.kind === 'ident' || tokens[j + 1]?.kind === 'quoted-ident')) j += 2;
  }
  return arrayBounds(tokens, typeModifiers(tokens, j));
}

/** `(10)`, `(10, 2)`: constants only. */
function typeModifiers(tokens: readonly Token[], j: number): number {
  if (tokens[j]?.text !== '(') return j;
  let k = j + 1;
  while (tokens[k]?.kind === 'number') {
    if (tokens[k + 1]?.text === ')') return k + 2;
    if (tokens[k + 1]?.text !== ',') return j;
    k += 2;
  }
  return j;
}

/** `[]`, `[3]`, repeated; or `ARRAY`, `ARRAY[3]`. */
function arrayBounds(tokens: readonly Token[], j: number): number {
  if (isWord(tokens[j], 'array')) {
    return tokens[j + 1]?.text === '[' && tokens[j + 2]?.kind === 'number' && tokens[j + 3]?.text === ']' ? j + 4 : j + 1;
  }
  for (;;) {
    if (tokens[j]?.text !== '[') return j;
    if (tokens[j + 1]?.text === ']') j += 2;
    else if (tokens[j + 1]?.kind === 'number' && tokens[j + 2]?.text === ']') j += 3;
    else return j;
  }
}

/** Tokens as text, spaced as a person would write them: `varchar(10)`, `int[]`, `s.t`. */
export function joinTokens(tokens: readonly Token[]): string {
  let out = '';
  tokens.forEach((t, k) => {
    const previous = tokens[k - 1]?.text;
    const tight = k === 0 || ['(', ')', '[', ']', ',', '.'].includes(t.text) || previous === '(' || previous === '[' || previous === '.';
    out += (tight ? '' : ' ') + t.text + (t.text === ',' ? ' ' : '');
  });
  return out.replace(/, +/g, ', ');
}

/** The text of `tokens` with `edits` applied; what lies between tokens (spaces, comments) is kept. */
function applyEdits(sql: string, tokens: readonly Token[], edits: Edit[]): string {
  if (tokens.length === 0) return '';
  const ordered = [...edits].sort((a, b) => a.from - b.from || (a.from === a.to ? 0 : 1) - (b.from === b.to ? 0 : 1) || a.order - b.order);
  // An insert before token k goes right after token k - 1; a replacement where its first token starts.
  const insertAt = (k: number) => (k === 0 ? (tokens[0] as Token).start : (tokens[k - 1] as Token).end);
  let out = '';
  let at = (tokens[0] as Token).start;
  for (const e of ordered) {
    const from = e.from === e.to ? insertAt(e.from) : (tokens[e.from] as Token).start;
    // A name or quoted name inserted after a word must not run into it (`select"…"`).
    const spaced = e.from === e.to && /^[\w"]/.test(e.text) ? ` ${e.text}` : e.text;
    out += sql.slice(at, from) + spaced;
    at = e.from === e.to ? from : (tokens[e.to - 1] as Token).end;
  }
  return out + sql.slice(at, (tokens[tokens.length - 1] as Token).end);
}
