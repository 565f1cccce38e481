/** print: the IR back to SQL, every name quoted and every operator parenthesized, so it reads back as the same tree. */
import type { Expr } from './ir';
import { parseQuery } from './parse';
import { printExpr, printFunctionName, printSelect, printTable, quoteIdent } from './print';

const col = (name: string): Expr => ({ kind: 'column', table: null, name });
const lit = (sql: string): Expr => ({ kind: 'literal', sql });

test('names are quoted as PostgreSQL stores them, double quotes doubled', () => {
  expect(quoteIdent('country')).toBe('"country"');
  expect(quoteIdent('Mixed Case')).toBe('"Mixed Case"');
  expect(quoteIdent('a"b')).toBe('"a""b"');
  expect(printTable({ schema: 'public', name: 'events', alias: 'e' })).toBe('"public"."events" AS "e"');
});

test('plain lower-case function names stay bare (coalesce and greatest stop working quoted); others are quoted', () => {
  expect(printFunctionName('coalesce')).toBe('coalesce');
  expect(printFunctionName('date_trunc')).toBe('date_trunc');
  expect(printFunctionName('MyFunc')).toBe('"MyFunc"');
  expect(printFunctionName('a b')).toBe('"a b"');
});

test('every operator application is parenthesized, whatever the precedence', () => {
  const e: Expr = {
    kind: 'binary',
    op: '*',
    left: { kind: 'binary', op: '+', left: col('a'), right: col('b') },
    right: { kind: 'unary', op: '-', operand: col('c') },
  };
  expect(printExpr(e)).toBe('(("a" + "b") * (- "c"))');
});

test.each<[string, Expr, string]>([
  ['IS NOT NULL', { kind: 'is', operand: col('a'), test: 'NULL', negated: true }, '("a" IS NOT NULL)'],
  ['NOT BETWEEN', { kind: 'between', operand: col('a'), low: lit('1'), high: lit('2'), negated: true, symmetric: false }, '("a" NOT BETWEEN 1 AND 2)'],
  [
    'BETWEEN SYMMETRIC',
    { kind: 'between', operand: col('a'), low: lit('2'), high: lit('1'), negated: false, symmetric: true },
    '("a" BETWEEN SYMMETRIC 2 AND 1)',
  ],
  ['a prefix operator', { kind: 'unary', op: '|/', operand: col('a') }, '(|/ "a")'],
  ['a field of a composite', { kind: 'field', operand: col('p'), field: 'A b' }, '("p")."A b"'],
  [
    'a named argument',
    {
      kind: 'call',
      schema: null,
      name: 'make_interval',
      args: [{ kind: 'named-arg', name: 'days', value: lit('3') }],
      star: false,
      distinct: false,
      filter: null,
    },
    'make_interval("days" => 3)',
  ],
  ['ROW', { kind: 'call', schema: null, name: 'row', args: [lit('1'), col('a')], star: false, distinct: false, filter: null, keyword: 'row' }, 'ROW(1, "a")'],
  ['IN', { kind: 'in', operand: col('a'), list: [lit("'x'"), lit("'y'")], negated: false }, `("a" IN ('x', 'y'))`],
  [
    'ILIKE with ESCAPE',
    { kind: 'like', op: 'ILIKE', operand: col('a'), pattern: lit("'a!%%'"), escape: lit("'!'"), negated: false },
    `("a" ILIKE 'a!%%' ESCAPE '!')`,
  ],
  ['CASE', { kind: 'case', operand: null, whens: [{ when: col('b'), then: lit('1') }], otherwise: lit('0') }, 'CASE WHEN "b" THEN 1 ELSE 0 END'],
  ['CAST', { kind: 'cast', operand: col('a'), type: 'numeric(12,2)' }, 'CAST("a" AS numeric(12,2))'],
  [
    'an aggregate with DISTINCT and FILTER',
    { kind: 'call', schema: null, name: 'count', args: [col('a')], star: false, distinct: true, filter: col('b') },
    'count(DISTINCT "a") FILTER (WHERE "b")',
  ],
  ['count(*)', { kind: 'call', schema: null, name: 'count', args: [], star: true, distinct: false, filter: null }, 'count(*)'],
  [
    'a schema-qualified call',
    { kind: 'call', schema: 'pg_catalog', name: 'lower', args: [col('a')], star: false, distinct: false, filter: null },
    '"pg_catalog".lower("a")',
  ],
  [
    'a bare keyword',
    { kind: 'call', schema: null, name: 'current_date', args: [], star: false, distinct: false, filter: null, keyword: 'bare' },
    'CURRENT_DATE',
  ],
  [
    'EXTRACT',
    { kind: 'call', schema: null, name: 'extract', args: [lit('year'), col('ts')], star: false, distinct: false, filter: null, keyword: 'extract' },
    'EXTRACT(year FROM "ts")',
  ],
  ['an array and a subscript', { kind: 'subscript', operand: { kind: 'array', elements: [lit('1'), lit('2')] }, index: lit('1') }, '(ARRAY[1, 2])[1]'],
  ['AT TIME ZONE', { kind: 'at-time-zone', operand: col('ts'), zone: lit("'UTC'") }, `("ts" AT TIME ZONE 'UTC')`],
  ['COLLATE', { kind: 'collate', operand: col('a'), collation: 'C' }, '("a" COLLATE "C")'],
  ['a partial column', { kind: 'ref', name: 'a0_sum' }, '"a0_sum"'],
])('%s', (_, e, sql) => {
  expect(printExpr(e)).toBe(sql);
});

test('a parsed query prints whole, in one canonical form', () => {
  const { query } = parseQuery(
    'select Country, count(*) n from events e where e.id > 1 group by 1 having count(*) > 2 order by 2 desc nulls last limit 5 offset 1',
  );
  expect(printSelect(query!)).toBe(
    'SELECT "country", count(*) AS "n" FROM "events" AS "e" WHERE ("e"."id" > 1) GROUP BY 1 HAVING (count(*) > 2) ORDER BY 2 DESC NULLS LAST LIMIT 5 OFFSET 1',
  );
});
