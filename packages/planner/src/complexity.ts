/**
 * How much of a query the planner reads. node-sql-parser and the planner's own stages recurse
 * over a query's structure, and a long chain of operators is a tree as deep as it is long: past
 * some depth that exhausts the stack, and what overflows depends on what else is on it. So the
 * planner measures first, without recursion, and leaves a query past these bounds to run as
 * written: PostgreSQL, not the planner, judges it, and the answer is the same. Real queries are
 * far inside them; parsing takes about 3 µs a character, so the token bound also keeps one
 * request from holding the API's event loop for long.
 */
import type { Token } from './lexer';

/** Most tokens in a query the planner reads to split. */
export const MAX_SPLIT_TOKENS = 10_000;
/** Deepest nesting of parentheses, brackets and CASE … END it reads. */
export const MAX_SPLIT_NESTING = 100;
/** Deepest parse tree it converts (a chain of n ORs is n levels deep). */
export const MAX_SPLIT_DEPTH = 500;

const OPENS = new Set(['(', '[']);
const CLOSES = new Set([')', ']']);

/** Why the planner does not read these tokens (too many, or nested too deeply), or null when it does. */
export function readingBudget(tokens: readonly Token[]): string | null {
  if (tokens.length > MAX_SPLIT_TOKENS) {
    return `the query has ${tokens.length} tokens, past the ${MAX_SPLIT_TOKENS} the planner reads to split a query`;
  }
  let depth = 0;
  let deepest = 0;
  for (const token of tokens) {
    const word = token.kind === 'ident' ? token.text.toLowerCase() : null;
    if ((token.kind === 'op' && OPENS.has(token.text)) || word === 'case') deepest = Math.max(deepest, ++depth);
    else if ((token.kind === 'op' && CLOSES.has(token.text)) || word === 'end') depth--;
  }
  return deepest > MAX_SPLIT_NESTING ? `the query nests ${deepest} levels deep, past the ${MAX_SPLIT_NESTING} the planner reads to split a query` : null;
}

/**
 * How many levels of objects and arrays `root` holds, counted without recursion and up to
 * `cap + 1` (deeper is not counted further).
 */
export function expressionDepth(root: unknown, cap: number): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[root, 1]];
  while (pending.length > 0) {
    const [value, depth] = pending.pop() as [unknown, number];
    if (typeof value !== 'object' || value === null) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > cap) return cap + 1;
    for (const child of Object.values(value)) pending.push([child, depth + 1]);
  }
  return deepest;
}
