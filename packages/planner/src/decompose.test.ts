/**
 * decompose: a shaped query and its probe become the query every fragment runs (partial columns
 * named by role) and the combine's template over their partial rows.
 */
import { EVENTS } from './__tests__/helpers';
import { decompose } from './decompose';
import type { ProbeColumn } from './facts';
import { parseQuery } from './parse';
import { printExpr, printSelectItem } from './print';
import { shapeQuery } from './shape';

/** Decomposes `sql` with a probe that names outputs `out<i>` and types hidden columns from `types` (bigint otherwise). */
function decomposed(sql: string, types: string[] = [], collations: (string | null)[] = []) {
  const shape = shapeQuery(parseQuery(sql).query!, EVENTS);
  const probe: ProbeColumn[] = [
    ...shape.items.map((_, i) => ({ name: `out${i}`, type: 'unknown', collation: null })),
    ...shape.hidden.map((_, i) => ({ name: `h${i}`, type: types[i] ?? 'bigint', collation: collations[i] ?? null })),
  ];
  return decompose(shape, probe);
}

test('grouped: fragments group by the keys and compute aggregate parts; the combine groups again and aggregates the parts', () => {
  const { fragment, combine } = decomposed('SELECT country, count(*), avg(amount) FROM events GROUP BY country HAVING sum(amount) > 10', [
    'text',
    'bigint',
    'numeric',
    'numeric',
  ]);
  expect(fragment.columns.map((c) => `${printExpr(c.expr)} AS ${c.name}`)).toEqual([
    '"country" AS k0',
    'count(*) AS a0_count',
    'sum("amount") AS a1_sum',
    'count("amount") AS a1_count',
    'sum("amount") AS a2_sum',
  ]);
  expect(fragment).toMatchObject({ groupBy: 1, distinct: false, orderBy: [], limit: null });
  expect(combine.groupBy).toEqual(['k0']);
  expect(combine.items.map(printSelectItem)).toEqual([
    '"k0" AS "out0"',
    'CAST(coalesce(sum("a0_count"), 0) AS bigint) AS "out1"',
    'CAST((sum("a1_sum") / nullif(sum("a1_count"), 0)) AS numeric) AS "out2"',
  ]);
  expect(combine.having && printExpr(combine.having)).toBe('(CAST(sum("a2_sum") AS numeric) > 10)');
});

test("a DISTINCT aggregate's argument is grouped by in the fragments and counted once in the combine", () => {
  const { fragment, combine } = decomposed('SELECT count(DISTINCT user_id) FROM events', ['integer', 'bigint']);
  expect(fragment.columns.map((c) => c.name)).toEqual(['d0']);
  expect(fragment.groupBy).toBe(1);
  expect(combine.items.map(printSelectItem)).toEqual(['CAST(count(DISTINCT "d0") AS bigint) AS "out0"']);
});

test('a collation the probe reports is restored in the combine', () => {
  const { combine } = decomposed('SELECT country, count(*) FROM events GROUP BY country', ['text', 'bigint'], ['C']);
  expect(combine.columns).toEqual([
    { name: 'k0', collation: 'C' },
    { name: 'a0_count', collation: null },
  ]);
});

test('rows: outputs and extra sort keys are partial columns; with an integer LIMIT each fragment keeps its own top LIMIT + OFFSET', () => {
  const { fragment, combine } = decomposed('SELECT country, device FROM events ORDER BY user_id DESC, 2 LIMIT 3 OFFSET 2');
  expect(fragment.columns.map((c) => c.name)).toEqual(['c0', 'c1', 's0']);
  expect(fragment).toMatchObject({
    groupBy: 0,
    orderBy: [
      { position: 3, direction: 'DESC', nulls: null },
      { position: 2, direction: null, nulls: null },
    ],
    limit: '5',
  });
  expect(combine.orderBy.map((o) => printExpr(o.expr))).toEqual(['"s0"', '2']);
  expect([combine.limit, combine.offset].map((e) => e && printExpr(e))).toEqual(['3', '2']);
});

test('without plain integers in LIMIT and OFFSET, fragments return every row and only the combine orders', () => {
  expect(decomposed('SELECT country FROM events ORDER BY 1 LIMIT 3 OFFSET 1.5').fragment).toMatchObject({ orderBy: [], limit: null });
  expect(decomposed('SELECT country FROM events ORDER BY 1').fragment).toMatchObject({ orderBy: [], limit: null });
});

test('a probe of the wrong width is an error, not a plan', () => {
  const shape = shapeQuery(parseQuery('SELECT count(*) FROM events').query!, EVENTS);
  expect(() => decompose(shape, [])).toThrow('probe returned 0 columns, expected 2');
});

test('an ORDER BY position outside the select list is not split', () => {
  expect(() => decomposed('SELECT country FROM events ORDER BY 2')).toThrow('ORDER BY position 2 is not in the select list');
});

test('the per-fragment limit is exact however large, and not pushed down past the bigint maximum', () => {
  const limitOf = (clause: string) => decomposed(`SELECT id FROM events ORDER BY id ${clause}`).fragment.limit;
  expect(limitOf('LIMIT 9007199254740993')).toBe('9007199254740993');
  expect(limitOf('LIMIT 9223372036854775807')).toBe('9223372036854775807');
  expect(limitOf('LIMIT 9223372036854775800 OFFSET 7')).toBe('9223372036854775807');
  expect(limitOf('LIMIT 9223372036854775807 OFFSET 1')).toBeNull();
});

test.each(['record', 'record[]'])('an anonymous composite (%s) among the partial columns is not split', (type) => {
  expect(() => decomposed('SELECT count(DISTINCT user_id) FROM events', [type, 'bigint'])).toThrow(
    'anonymous ROW values are not split: PostgreSQL cannot read them back from text',
  );
});
