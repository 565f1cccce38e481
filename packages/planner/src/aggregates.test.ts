/** aggregates: each splittable aggregate as partial columns per fragment and one combine expression over them. */
import { isSplittableAggregate, splitAggregate } from './aggregates';
import type { Call, Expr } from './ir';
import { printExpr } from './print';

const x: Expr = { kind: 'column', table: null, name: 'x' };
const call = (name: string, extra: Partial<Call> = {}): Call => ({
  kind: 'call',
  schema: null,
  name,
  args: [x],
  star: false,
  distinct: false,
  filter: null,
  ...extra,
});

/** The split as SQL text: partial columns, combine, and the window means. */
function split(c: Call, resultType: string) {
  const s = splitAggregate(c, resultType, 'a0');
  return {
    parts: s.parts.map((p) => `${printExpr(p.expr)} AS ${p.name}`),
    combine: printExpr(s.combine),
    means: s.means,
    ...(s.guard ? { guard: s.guard } : {}),
  };
}

/** The guard's partial column: the largest finite |x|. */
const ABSMAX = `max(abs(CAST("x" AS double precision))) FILTER (WHERE (abs(CAST("x" AS double precision)) < CAST('Infinity' AS double precision))) AS a0_absmax`;

test.each(['count', 'sum', 'avg', 'min', 'max', 'bool_and', 'every', 'bool_or', 'bit_xor', 'stddev', 'var_pop', 'variance'])('%s splits', (name) => {
  expect(isSplittableAggregate(name)).toBe(true);
});

test.each(['string_agg', 'array_agg', 'percentile_cont', 'mode', 'json_agg', 'lower'])('%s does not', (name) => {
  expect(isSplittableAggregate(name)).toBe(false);
});

test('count sums its partial counts, 0 where no fragment had a row, and keeps its FILTER in the fragments', () => {
  const filter: Expr = { kind: 'column', table: null, name: 'ok' };
  expect(split(call('count', { args: [], star: true, filter }), 'bigint')).toEqual({
    parts: ['count(*) FILTER (WHERE "ok") AS a0_count'],
    combine: 'CAST(coalesce(sum("a0_count"), 0) AS bigint)',
    means: [],
  });
});

test('min, max and the boolean and bit aggregates combine as themselves; every as bool_and', () => {
  expect(split(call('max'), 'integer')).toEqual({ parts: ['max("x") AS a0_max'], combine: 'max("a0_max")', means: [] });
  expect(split(call('every'), 'boolean').combine).toBe('bool_and("a0_every")');
});

test('sum of real sums double precision partials and rounds once, to real, guarded against an overflow a split cannot reproduce', () => {
  expect(split(call('sum'), 'real')).toEqual({
    parts: ['sum(CAST("x" AS double precision)) AS a0_sum', ABSMAX, 'count("x") AS a0_n'],
    combine: 'CAST(sum("a0_sum") AS real)',
    means: [],
    guard: { aggregate: 'sum("x")', absMax: 'a0_absmax', count: 'a0_n', bound: 3e38 },
  });
  expect(split(call('sum'), 'double precision').guard).toMatchObject({ bound: 1e307 });
  // Exact sums cannot overflow as floats do: no guard.
  expect(split(call('sum'), 'numeric')).toEqual({ parts: ['sum("x") AS a0_sum'], combine: 'CAST(sum("a0_sum") AS numeric)', means: [] });
});

test("a guard keeps the aggregate's FILTER", () => {
  const filter: Expr = { kind: 'column', table: null, name: 'ok' };
  expect(split(call('sum', { filter }), 'double precision').parts).toEqual([
    'sum("x") FILTER (WHERE "ok") AS a0_sum',
    `max(abs(CAST("x" AS double precision))) FILTER (WHERE ("ok" AND (abs(CAST("x" AS double precision)) < CAST('Infinity' AS double precision)))) AS a0_absmax`,
    'count("x") FILTER (WHERE "ok") AS a0_n',
  ]);
});

test('avg is a sum over a count, never an average of averages, in the type PostgreSQL returns', () => {
  expect(split(call('avg'), 'numeric')).toEqual({
    parts: ['sum("x") AS a0_sum', 'count("x") AS a0_count'],
    combine: 'CAST((sum("a0_sum") / nullif(sum("a0_count"), 0)) AS numeric)',
    means: [],
  });
  expect(split(call('avg'), 'double precision').combine).toBe('(sum("a0_sum") / CAST(nullif(sum("a0_count"), 0) AS double precision))');
  expect(() => splitAggregate(call('avg'), 'bigint', 'a0')).toThrow('avg() returning bigint is not split');
});

test('numeric variance is exact: N, Σx and Σx², with the same edge cases as PostgreSQL', () => {
  const { parts, combine } = split(call('stddev_samp'), 'numeric');
  expect(parts).toEqual(['count("x") AS a0_count', 'sum(CAST("x" AS numeric)) AS a0_sum', 'sum((CAST("x" AS numeric) * CAST("x" AS numeric))) AS a0_sumsq']);
  expect(combine).toMatch(/^CASE WHEN \(coalesce\(sum\("a0_count"\), 0\) <= 1\) THEN CAST\(NULL AS numeric\) WHEN .* IN \(CAST\('NaN' AS numeric\)/);
  expect(combine).toContain('sqrt(round(');
});

test('float variance combines per-fragment deviations around a window mean, without cancellation', () => {
  const { parts, combine, means, guard } = split(call('var_pop'), 'double precision');
  expect(guard).toEqual({ aggregate: 'var_pop("x")', absMax: 'a0_absmax', count: 'a0_count', bound: 1e153 });
  expect(parts).toEqual([
    'count("x") AS a0_count',
    'sum(CAST("x" AS double precision)) AS a0_sum',
    '(var_pop(CAST("x" AS double precision)) * CAST(count("x") AS double precision)) AS a0_m2',
    ABSMAX,
  ]);
  expect(means).toEqual([{ name: 'a0_mean', sum: 'a0_sum', count: 'a0_count' }]);
  expect(combine).toContain('"a0_mean"');
  expect(combine).not.toContain('sqrt');
});

test.each<[string, Call, string]>([
  ['an aggregate of two arguments', call('sum', { args: [x, x] }), 'sum() with 2 arguments is not split'],
  ['variance of an integer type', call('variance'), 'variance() returning bigint is not split'],
  ['an aggregate it does not know', call('string_agg'), 'string_agg() is not split'],
])('%s is not split, and says why', (_, c, reason) => {
  expect(() => splitAggregate(c, 'bigint', 'a0')).toThrow(reason);
});

describe('corr, covar_* and regr_* combine PostgreSQL’s own regression state', () => {
  const y: Expr = { kind: 'column', table: null, name: 'y' };
  const pair = (name: string, extra: Partial<Call> = {}) => call(name, { args: [y, x], ...extra });

  test.each(['corr', 'covar_pop', 'covar_samp', 'regr_count', 'regr_slope', 'regr_intercept', 'regr_r2', 'regr_sxx', 'regr_avgy'])('%s splits', (name) => {
    expect(isSplittableAggregate(name)).toBe(true);
  });

  test('regr_count sums the fragments’ counts', () => {
    expect(split(pair('regr_count'), 'bigint')).toEqual({
      parts: ['regr_count("y", "x") AS a0_count'],
      combine: 'CAST(coalesce(sum("a0_count"), 0) AS bigint)',
      means: [],
    });
  });

  test('covar_pop reads only what it needs: n, Σx, Σy over the pairs, and regr_sxy', () => {
    const { parts, combine, means, guard } = split(pair('covar_pop', { filter: { kind: 'column', table: null, name: 'ok' } }), 'double precision');
    expect(parts).toEqual([
      'regr_count("y", "x") FILTER (WHERE "ok") AS a0_count',
      'sum(CAST("x" AS double precision)) FILTER (WHERE ("ok" AND (("y" IS NOT NULL) AND ("x" IS NOT NULL)))) AS a0_sx',
      'sum(CAST("y" AS double precision)) FILTER (WHERE ("ok" AND (("y" IS NOT NULL) AND ("x" IS NOT NULL)))) AS a0_sy',
      'regr_sxy("y", "x") FILTER (WHERE "ok") AS a0_sxy',
      expect.stringMatching(/^max\(greatest\(CASE WHEN .* END, CASE WHEN .* END\)\) FILTER \(WHERE .*\) AS a0_absmax$/),
    ]);
    expect(means.map((m) => m.name)).toEqual(['a0_meanx', 'a0_meany']);
    expect(combine).toMatch(/^CASE WHEN \(coalesce\(sum\("a0_count"\), 0\) < 1\) THEN CAST\(NULL AS double precision\) ELSE \(\(sum\("a0_sxy"\) \+ sum\(/);
    expect(guard).toMatchObject({ absMax: 'a0_absmax', count: 'a0_count', bound: 1e153 });
  });

  test('corr is NULL for a horizontal or vertical line, as float8_corr is', () => {
    expect(split(pair('corr'), 'double precision').combine).toMatch(
      /WHEN \(\(\(sum\("a0_sxx"\) .* = 0\) OR \(\(sum\("a0_syy"\) .* = 0\)\) THEN CAST\(NULL AS double precision\) ELSE .* \/ sqrt\(/,
    );
  });
});
