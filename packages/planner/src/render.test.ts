/** render: the final SQL of fragments and combines; bounds and partial rows are bind parameters, except in a fragment's COPY form. */
import type { CombineTemplate, FragmentQuery } from './decompose';
import type { Expr } from './ir';
import { renderCombine, renderFragment, renderFragmentCopy } from './render';

const col = (name: string): Expr => ({ kind: 'column', table: null, name });
const ref = (name: string): Expr => ({ kind: 'ref', name });
const table = { schema: 'public', name: 'events', alias: null };

const counting: FragmentQuery = {
  columns: [
    { name: 'k0', expr: col('country') },
    { name: 'a0_count', expr: { kind: 'call', schema: null, name: 'count', args: [], star: true, distinct: false, filter: null } },
  ],
  distinct: false,
  groupBy: 1,
  orderBy: [],
  limit: null,
  withTies: false,
};

describe('a fragment', () => {
  const where: Expr = { kind: 'binary', op: 'OR', left: col('a'), right: col('b') };

  test('reads its page range by ctid, the bounds as parameters, after the WHERE in parentheses', () => {
    expect(renderFragment(counting, table, where, { fromPage: 10, toPage: 20 })).toEqual({
      sql: 'SELECT "country" AS "k0", count(*) AS "a0_count" FROM "public"."events" WHERE (("a" OR "b")) AND "events".ctid >= $1::tid AND "events".ctid < $2::tid GROUP BY 1',
      params: ['(10,0)', '(20,0)'],
    });
  });

  test('the first and last page ranges are open at their ends; without a range a fragment reads the whole table', () => {
    expect(renderFragment(counting, table, null, { fromPage: 0, toPage: 5 }).sql).toContain('WHERE "events".ctid < $1::tid GROUP BY 1');
    expect(renderFragment(counting, table, null, { fromPage: 5, toPage: null }).sql).toContain('WHERE "events".ctid >= $1::tid GROUP BY 1');
    expect(renderFragment(counting, table, null, null)).toEqual({
      sql: 'SELECT "country" AS "k0", count(*) AS "a0_count" FROM "public"."events" GROUP BY 1',
      params: [],
    });
  });

  test("a key range casts its bounds to the column's type; the first holds the NULLs", () => {
    const range = (from: string | null, to: string | null) =>
      renderFragment(counting, { ...table, alias: 'e' }, null, { column: 'day', type: 'date', from, to });
    expect(range(null, '2024-02-01')).toMatchObject({
      sql: expect.stringContaining('WHERE ("e"."day" < $1::date OR "e"."day" IS NULL)'),
      params: ['2024-02-01'],
    });
    expect(range('2024-02-01', '2024-03-01')).toMatchObject({
      sql: expect.stringContaining('WHERE "e"."day" >= $1::date AND "e"."day" < $2::date'),
      params: ['2024-02-01', '2024-03-01'],
    });
    expect(range('2024-03-01', null)).toMatchObject({ sql: expect.stringContaining('WHERE "e"."day" >= $1::date GROUP BY'), params: ['2024-03-01'] });
    // A NOT NULL column has no NULLs to hold: the first range is a plain comparison.
    const notNull = renderFragment(counting, { ...table, alias: 'e' }, null, { column: 'day', type: 'date', from: null, to: '2024-02-01' }, true);
    expect(notNull.sql).toContain('WHERE "e"."day" < $1::date GROUP BY');
  });

  test('a per-fragment top-N orders by position and limits', () => {
    const topN: FragmentQuery = { ...counting, groupBy: 0, distinct: true, orderBy: [{ position: 2, direction: 'DESC', nulls: 'LAST' }], limit: '7' };
    expect(renderFragment(topN, table, null, null).sql).toBe(
      'SELECT DISTINCT "country" AS "k0", count(*) AS "a0_count" FROM "public"."events" ORDER BY 2 DESC NULLS LAST LIMIT 7',
    );
  });

  test('its COPY form writes binary partial rows, the bounds written in as constants of the same types', () => {
    const pages = { fromPage: 10, toPage: 20 };
    expect(renderFragmentCopy(renderFragment(counting, table, where, pages), pages)).toBe(
      'COPY (SELECT "country" AS "k0", count(*) AS "a0_count" FROM "public"."events" WHERE (("a" OR "b")) AND "events".ctid >= (\'(10,0)\'::tid)::tid AND "events".ctid < (\'(20,0)\'::tid)::tid GROUP BY 1) TO STDOUT (FORMAT binary)',
    );
    const names = { column: 'name', type: 'text', from: "O'Brien", to: null };
    expect(renderFragmentCopy(renderFragment(counting, table, null, names), names)).toContain(`WHERE "events"."name" >= ('O''Brien'::text)::text GROUP BY 1`);
    expect(renderFragmentCopy(renderFragment(counting, table, null, null), null)).toBe(
      'COPY (SELECT "country" AS "k0", count(*) AS "a0_count" FROM "public"."events" GROUP BY 1) TO STDOUT (FORMAT binary)',
    );
  });

  test('a per-fragment top-N with ties keeps them', () => {
    const topN: FragmentQuery = { ...counting, groupBy: 0, orderBy: [{ position: 1, direction: null, nulls: null }], limit: '3', withTies: true };
    expect(renderFragment(topN, table, null, null).sql).toMatch(/ ORDER BY 1 FETCH FIRST 3 ROWS WITH TIES$/);
  });
});

describe('a combine', () => {
  const combine: CombineTemplate = {
    columns: [
      { name: 'k0', collation: 'C' },
      { name: 'a0_count', collation: null },
    ],
    floatGuards: [],
    means: [],
    groupBy: ['k0'],
    items: [
      { expr: ref('k0'), alias: 'country' },
      { expr: { kind: 'call', schema: null, name: 'sum', args: [ref('a0_count')], star: false, distinct: false, filter: null }, alias: 'n' },
    ],
    having: null,
    distinct: false,
    orderBy: [{ expr: ref('k0'), direction: null, nulls: null }],
    limit: { kind: 'literal', sql: '10' },
    offset: null,
    withTies: false,
  };

  test('casts each partial column, given as a text[] parameter, back to its type, and restores a collation', () => {
    expect(renderCombine(combine, ['text', 'bigint'])).toBe(
      'WITH partials AS (SELECT CAST(u."k0" AS text) COLLATE "C" AS "k0", CAST(u."a0_count" AS bigint) AS "a0_count" FROM unnest($1::text[], $2::text[]) AS u("k0", "a0_count")) ' +
        'SELECT "k0" AS "country", sum("a0_count") AS "n" FROM partials AS p GROUP BY "k0" ORDER BY "k0" LIMIT 10',
    );
  });

  test('spilled rows come through the spill function, with the query, generation and token as parameters', () => {
    const sql = renderCombine(combine, ['text', 'bigint'], { kind: 'spilled', rows: { schema: 'pgfan_spill', function: 'partial_rows' } });
    expect(sql).toContain(
      '(SELECT * FROM unnest($1::text[], $2::text[]) UNION ALL SELECT s.vals->>0, s.vals->>1 FROM "pgfan_spill"."partial_rows"($3::uuid, $4::int, $5::text) AS s(vals)) AS u("k0", "a0_count")',
    );
  });

  test('stored rows come typed from the stored-rows function, given a column list; only collations are added', () => {
    expect(renderCombine(combine, ['text', 'numeric(10,2)'], { kind: 'stored', rows: { schema: 'pgfan_spill', function: 'partial_tuples' } })).toBe(
      'WITH partials AS (SELECT u."k0" COLLATE "C" AS "k0", u."a0_count" AS "a0_count" FROM "pgfan_spill"."partial_tuples"($1::uuid, $2::int, $3::text) AS u("k0" text, "a0_count" numeric(10,2))) ' +
        'SELECT "k0" AS "country", sum("a0_count") AS "n" FROM partials AS p GROUP BY "k0" ORDER BY "k0" LIMIT 10',
    );
  });

  test('float variance computes per-group means with a window first', () => {
    const withMeans = { ...combine, means: [{ name: 'm0', sum: 'a0_sum', count: 'a0_count' }] };
    expect(renderCombine(withMeans, ['text', 'bigint'])).toContain(
      'FROM (SELECT partials.*, sum("a0_sum") OVER w / CAST(NULLIF(sum("a0_count") OVER w, 0) AS double precision) AS "m0" FROM partials WINDOW w AS (PARTITION BY "k0")) AS p',
    );
  });

  test('with ties, the combine fetches with ties after its offset', () => {
    const withTies = { ...combine, offset: { kind: 'literal', sql: '2' } as Expr, withTies: true };
    expect(renderCombine(withTies, ['text', 'bigint'])).toMatch(/ ORDER BY "k0" OFFSET 2 ROWS FETCH FIRST \(10\) ROWS WITH TIES$/);
  });

  test('the column types must match the partial columns', () => {
    expect(() => renderCombine(combine, ['text'])).toThrow('combine needs 2 column types, got 1');
  });
});
