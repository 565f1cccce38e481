/**
 * shape: whether a query can be split, judged with the catalog's facts, and how it groups: keys,
 * aggregates, DISTINCT arguments, and the probe that asks PostgreSQL for their types.
 */
import { EVENTS } from './__tests__/helpers';
import type { CatalogFacts } from './facts';
import { parseQuery } from './parse';
import { printExpr } from './print';
import { catalogRequest, shapeQuery, type GroupedShape } from './shape';

const queryOf = (sql: string) => {
  const { query, notSplittable } = parseQuery(sql);
  if (!query) throw new Error(`not read: ${notSplittable}`);
  return query;
};
const shape = (sql: string, facts: CatalogFacts = EVENTS) => shapeQuery(queryOf(sql), facts);

test('the catalog request names the table and every function called, not SQL keywords', () => {
  expect(catalogRequest(queryOf('SELECT lower(country), count(*), CURRENT_DATE FROM public.events WHERE abs(user_id) > 1 ORDER BY max(id)'))).toEqual({
    table: { schema: 'public', name: 'events', alias: null },
    functions: ['abs', 'count', 'lower', 'max'],
  });
});

test('a query without aggregates returns rows: outputs and extra sort keys are probed', () => {
  const rows = shape('SELECT country, device FROM events ORDER BY user_id DESC LIMIT 3');
  expect(rows).toMatchObject({ kind: 'rows' });
  expect(rows.kind === 'rows' && rows.sortKeys.map(printExpr)).toEqual(['"user_id"']);
  expect(rows.hidden.map(printExpr)).toEqual(['"country"', '"device"', '"user_id"']);
});

test('* is expanded from the catalog', () => {
  expect(shape('SELECT * FROM events').items.map((i) => printExpr(i.expr))).toEqual(EVENTS.table.columns.map((c) => `"${c.name}"`));
});

test('a grouped query: keys, DISTINCT arguments and aggregates, in that order, are probed', () => {
  const grouped = shape('SELECT country, count(DISTINCT user_id), sum(amount) FROM events GROUP BY country') as GroupedShape;
  expect(grouped.kind).toBe('grouped');
  expect(grouped.keys.map(printExpr)).toEqual(['"country"']);
  expect(grouped.distinctArgs.map(printExpr)).toEqual(['"user_id"']);
  expect(grouped.aggregates.map(printExpr)).toEqual(['count(DISTINCT "user_id")', 'sum("amount")']);
  expect(grouped.hidden.map(printExpr)).toEqual(['"country"', '(array_agg("user_id"))[1]', 'count(DISTINCT "user_id")', 'sum("amount")']);
  // No row read, and yet one row back (for the collations): LIMIT 0, right-joined to one row.
  expect(grouped.probeSql).toMatch(/^SELECT q\.\*, pg_collation_for\(.* LIMIT 0\) AS q RIGHT JOIN \(SELECT\) AS one ON TRUE$/);
});

test('columns functionally dependent on a grouped primary key are keys too', () => {
  const grouped = shape('SELECT id, country, count(*) FROM events GROUP BY id') as GroupedShape;
  expect(grouped.keys.map(printExpr)).toEqual(['"id"', '"country"']);
});

test.each<[string, string, CatalogFacts]>([
  ['SELECT random() FROM events', 'random() is volatile: each fragment would get different values', EVENTS],
  ['SELECT country FROM events GROUP BY 3', 'GROUP BY position 3 is not in the select list', EVENTS],
  ['SELECT country, count(*) FROM events', '"country" is used outside an aggregate without being grouped', EVENTS],
  ['SELECT id FROM events HAVING id > 1', 'HAVING without aggregates or GROUP BY is not split', EVENTS],
  ['SELECT count(*) FROM events', 'public.events is a view; views run as written', { ...EVENTS, table: { ...EVENTS.table, kind: 'view' } }],
  [
    'SELECT count(*) FROM events',
    'public.events is a partitioned table; partitioned tables are not split yet',
    { ...EVENTS, table: { ...EVENTS.table, kind: 'partitioned-table' } },
  ],
])('%s is not split: %s', (sql, reason, facts) => {
  expect(() => shape(sql, facts)).toThrow(reason);
});
