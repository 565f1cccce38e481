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

/**
 * Decomposes `sql` with a probe that names outputs by their aliases (else `out<i>`), types them from
 * `outputTypes` (unknown otherwise) and hidden columns from `types` (bigint otherwise); split by
 * ranges of `completeBy` when given.
 */
function decomposed(
  sql: string,
  types: string[] = [],
  collations: (string | null)[] = [],
  { outputTypes = [], completeBy = null }: { outputTypes?: string[]; completeBy?: string | null } = {},
) {
  const shape = shapeQuery(parseQuery(sql).query!, EVENTS);
  const probe: ProbeColumn[] = [
    ...shape.items.map((item, i) => ({ name: item.alias ?? `out${i}`, type: outputTypes[i] ?? 'unknown', collation: null })),
    ...shape.hidden.map((_, i) => ({ name: `h${i}`, type: types[i] ?? 'bigint', collation: collations[i] ?? null })),
  ];
  return decompose(shape, probe, completeBy);
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

/** As `decomposed`, split by ranges of `completeBy`. */
const decomposedBy = (completeBy: string, sql: string, outputTypes: string[], types: string[] = []) => decomposed(sql, types, [], { outputTypes, completeBy });

const columnsOf = (fragment: { columns: { name: string; expr: Parameters<typeof printExpr>[0] }[] }) =>
  fragment.columns.map((c) => `${printExpr(c.expr)} AS ${c.name}`);

test('split by the values of a COUNT(DISTINCT) argument: each fragment counts its own values, and the combine adds the counts', () => {
  const { fragment, combine } = decomposedBy(
    'user_id',
    'SELECT count(DISTINCT user_id), count(*) FROM events',
    ['bigint', 'bigint'],
    ['integer', 'bigint', 'bigint'],
  );
  expect(columnsOf(fragment)).toEqual(['count(DISTINCT "user_id") AS a0_count', 'count(*) AS a1_count']);
  expect(fragment).toMatchObject({ groupBy: 0, orderBy: [], limit: null });
  expect(combine.items.map(printSelectItem)).toEqual(['CAST(sum("a0_count") AS bigint) AS "out0"', 'CAST(coalesce(sum("a1_count"), 0) AS bigint) AS "out1"']);
  // Another column's distinct values may lie in several fragments: they travel as partial rows.
  const mixed = decomposedBy('user_id', 'SELECT count(DISTINCT user_id), count(DISTINCT country) FROM events', ['bigint', 'bigint'], ['integer', 'text']);
  expect(mixed.fragment.columns.map((c) => c.name)).toEqual(['d0', 'd1']);
});

test('split by the values of a group key: each fragment keeps its own top N by any exact ORDER BY, and counts distinct values itself', () => {
  const { fragment, combine } = decomposedBy(
    'user_id',
    'SELECT user_id, count(*) AS c, count(DISTINCT device) FROM events GROUP BY user_id ORDER BY c DESC, 1 LIMIT 10 OFFSET 5',
    ['integer', 'bigint', 'bigint'],
    ['integer', 'text', 'bigint', 'bigint'],
  );
  expect(columnsOf(fragment)).toEqual(['"user_id" AS k0', 'count(*) AS a0_count', 'count(DISTINCT "device") AS a1_count', 'count(*) AS o0', '"user_id" AS o1']);
  expect(fragment).toMatchObject({
    groupBy: 1,
    orderBy: [
      { position: 4, direction: 'DESC', nulls: null },
      { position: 5, direction: null, nulls: null },
    ],
    limit: '15',
  });
  expect(combine.columns.map((c) => c.name)).toEqual(['k0', 'a0_count', 'a1_count', 'o0', 'o1']);
  expect(combine.items.map(printSelectItem)[2]).toBe('CAST(sum("a1_count") AS bigint) AS "out2"');
  expect(combine.orderBy.map((o) => printExpr(o.expr))).toEqual(['2', '1']);
});

test('complete groups keep every row to the combine where a fragment could not order exactly as it does', () => {
  const floats = decomposedBy('user_id', 'SELECT user_id, sum(duration_ms::float8) AS s FROM events GROUP BY user_id ORDER BY s DESC LIMIT 10', [
    'integer',
    'double precision',
  ]);
  expect(floats.fragment).toMatchObject({ orderBy: [], limit: null });
  const having = decomposedBy('user_id', 'SELECT user_id, count(*) FROM events GROUP BY user_id HAVING count(*) > 1 ORDER BY 2 DESC LIMIT 10', [
    'integer',
    'bigint',
  ]);
  expect(having.fragment).toMatchObject({ orderBy: [], limit: null });
  // Not a group key: groups span fragments, as with page ranges.
  const other = decomposedBy('id', 'SELECT user_id, count(*) FROM events GROUP BY user_id ORDER BY 2 DESC LIMIT 10', ['integer', 'bigint']);
  expect(other.fragment).toMatchObject({ orderBy: [], limit: null });
});

test('complete groups with a DISTINCT aggregate other than count: its argument stays grouped by, and no count is taken in fragments', () => {
  const { fragment, combine } = decomposedBy(
    'user_id',
    'SELECT user_id, sum(DISTINCT amount), count(DISTINCT device) FROM events GROUP BY user_id ORDER BY 3 DESC LIMIT 5',
    ['integer', 'numeric', 'bigint'],
    ['integer', 'numeric(12,2)', 'text', 'numeric', 'bigint'],
  );
  expect(fragment.columns.map((c) => c.name)).toEqual(['k0', 'd0', 'd1']);
  expect(fragment).toMatchObject({ groupBy: 3, orderBy: [], limit: null });
  expect(combine.items.map(printSelectItem)[2]).toBe('CAST(count(DISTINCT "d1") AS bigint) AS "out2"');
});
