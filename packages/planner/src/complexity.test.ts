/**
 * Any SQL up to the API's length limit gets a plan or a rejection, never a stack overflow: the
 * planner measures how long and how deeply nested a query is before it reads it recursively,
 * and one past what it splits runs as written, where PostgreSQL is the judge.
 */
import { deepQueries } from '@pgfan/testing';
import { MAX_SPLIT_DEPTH, MAX_SPLIT_NESTING, MAX_SPLIT_TOKENS, expressionDepth, readingBudget } from './complexity';
import { tokenize } from './lexer';
import { parseQuery } from './parse';

/** The API's default MAX_SQL_LENGTH. */
const LIMIT = 100_000;

test.each(deepQueries(LIMIT))('%s at the length limit runs as written, with the reason', (_, sql) => {
  expect(sql.length).toBeGreaterThan(LIMIT - 100);
  const parsed = parseQuery(sql);
  expect(parsed.query).toBeNull();
  expect(parsed.notSplittable).toMatch(/^the query (has|nests)/);
});

test.each(deepQueries(2_000))('%s of 2,000 characters is read as it always was', (_, sql) => {
  // Short enough for the planner: whether it splits is up to the query, not its size.
  expect(() => parseQuery(sql)).not.toThrow();
});

test('the budget names what is past it, and the limit', () => {
  expect(readingBudget(tokenize(`SELECT ${'1 + '.repeat(MAX_SPLIT_TOKENS)}1`))).toBe(
    `the query has ${2 * MAX_SPLIT_TOKENS + 2} tokens, past the ${MAX_SPLIT_TOKENS} the planner reads to split a query`,
  );
  expect(readingBudget(tokenize(`SELECT ${'('.repeat(MAX_SPLIT_NESTING + 1)}1${')'.repeat(MAX_SPLIT_NESTING + 1)}`))).toBe(
    `the query nests ${MAX_SPLIT_NESTING + 1} levels deep, past the ${MAX_SPLIT_NESTING} the planner reads to split a query`,
  );
  expect(readingBudget(tokenize('SELECT CASE WHEN a THEN (CASE WHEN b THEN [1] END) END'))).toBeNull();
});

test('expression depth is measured without recursion, however deep', () => {
  let deep: unknown = { value: 1 };
  for (let i = 0; i < 100_000; i++) deep = { left: deep, right: { value: i } };
  expect(expressionDepth(deep, MAX_SPLIT_DEPTH)).toBe(MAX_SPLIT_DEPTH + 1);
  expect(expressionDepth({ a: [{ b: 1 }, { c: { d: 2 } }] }, MAX_SPLIT_DEPTH)).toBe(4);
});

test('a chain deeper than the planner converts runs as written', () => {
  const sql = `SELECT count(*) FROM events WHERE ${Array.from({ length: MAX_SPLIT_DEPTH + 10 }, (_, i) => `id = ${i}`).join(' OR ')}`;
  expect(parseQuery(sql).notSplittable).toMatch(/^the query nests expressions more than \d+ levels deep/);
});
