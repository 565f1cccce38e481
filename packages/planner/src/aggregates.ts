/**
 * How each splittable aggregate becomes partial columns computed per fragment and one combine
 * expression over those partial rows. The combine forms reproduce PostgreSQL's own final
 * functions (numeric.c, float.c), so results match direct execution: exactly for integers and
 * numerics, to floating-point rounding for floats.
 *
 * The form depends on the aggregate's result type, which the probe query reports: `avg(int)` is
 * numeric and needs exact sums, `avg(float4)` is double precision and needs float8 sums.
 */
import { NotSplittable } from './convert';
import { bin, caseWhen, cast, fn, lit, ref } from './build';
import type { Call, Expr } from './ir';
import { printExpr } from './print';

const VARIANCE: Record<string, { sample: boolean; root: boolean }> = {
  stddev: { sample: true, root: true },
  stddev_samp: { sample: true, root: true },
  stddev_pop: { sample: false, root: true },
  variance: { sample: true, root: false },
  var_samp: { sample: true, root: false },
  var_pop: { sample: false, root: false },
};

/** Aggregates that combine as themselves: the aggregate of per-fragment aggregates. */
const SELF_COMBINING: Record<string, string> = {
  min: 'min',
  max: 'max',
  bool_and: 'bool_and',
  every: 'bool_and',
  bool_or: 'bool_or',
  bit_and: 'bit_and',
  bit_or: 'bit_or',
  bit_xor: 'bit_xor',
};

/**
 * The two-argument statistics over (Y, X) pairs and the parts of PostgreSQL's float8_regr_accum
 * state each final function reads: Sxx, Syy, Sxy (sums of squared and cross deviations), Sx, Sy.
 */
const REGRESSION: Record<string, ('sxx' | 'syy' | 'sxy' | 'sx' | 'sy')[]> = {
  regr_count: [],
  regr_sxx: ['sxx'],
  regr_syy: ['syy'],
  regr_sxy: ['sxy'],
  regr_avgx: ['sx'],
  regr_avgy: ['sy'],
  covar_pop: ['sxy'],
  covar_samp: ['sxy'],
  corr: ['sxx', 'syy', 'sxy'],
  regr_r2: ['sxx', 'syy', 'sxy'],
  regr_slope: ['sxx', 'sxy'],
  regr_intercept: ['sx', 'sy', 'sxx', 'sxy'],
};

/** Names of the aggregates this module can split. */
export function isSplittableAggregate(name: string): boolean {
  return name === 'count' || name === 'sum' || name === 'avg' || name in VARIANCE || name in SELF_COMBINING || name in REGRESSION;
}

/** A column of the partial rows: its name and how a fragment computes it. */
export interface PartialColumn {
  name: string;
  expr: Expr;
}

/** A per-group mean the combine computes with a window before aggregating (float variance). */
export interface WindowMean {
  name: string;
  sum: string;
  count: string;
}

/**
 * When PostgreSQL accumulates floats it raises `value out of range: overflow` as soon as a running
 * sum overflows, which depends on the order of the rows: no split reproduces it. So a float
 * aggregate is combined only where no order of its rows could overflow: its rows' count times the
 * largest finite magnitude among them stays under `bound`. The combine checks that from two
 * partial columns before it runs; past it, the query runs as written instead.
 */
export interface FloatGuard {
  /** The aggregate, as written, for people. */
  aggregate: string;
  /** Partial column: the largest finite |x| of the fragment's rows (of a group). */
  absMax: string;
  /** Partial column: how many rows it accumulated. */
  count: string;
  bound: number;
}

export interface AggregateSplit {
  parts: PartialColumn[];
  combine: Expr;
  means: WindowMean[];
  /** For an aggregate that accumulates floats. */
  guard?: FloatGuard;
}

const DOUBLE = 'double precision';

/**
 * Bounds on count × largest |x| under which no running sum can overflow: a real sum in real
 * (its largest value is 3.4e38); a double precision sum; and float8_accum, the state of avg,
 * variance and stddev over floats, whose Youngs–Cramer step squares up to 2 × count × largest |x|.
 */
const FLOAT_BOUNDS = { realSum: 3e38, doubleSum: 1e307, accumulator: 1e153 };

/**
 * Splits one (non-DISTINCT) aggregate call.
 * @param resultType `format_type` of the call's result, from the probe.
 * @param prefix unique prefix for its partial column names, e.g. `a2`.
 * @throws NotSplittable for an aggregate or argument type without an exact split.
 */
export function splitAggregate(call: Call, resultType: string, prefix: string): AggregateSplit {
  const filter = call.filter;
  const arg = call.args[0] as Expr;
  const part = (suffix: string, expr: Expr): PartialColumn => ({ name: `${prefix}_${suffix}`, expr });
  const agg = (name: string, a: Expr) => fn(name, [a], { filter });

  if (call.name === 'count') {
    const n = part('count', { ...fn('count', call.args, { filter }), star: call.star });
    return { parts: [n], combine: cast(fn('coalesce', [fn('sum', [ref(n.name)]), lit('0')]), 'bigint'), means: [] };
  }
  if (call.name in REGRESSION && call.args.length === 2 && (resultType === DOUBLE || call.name === 'regr_count')) {
    return splitRegression(call, prefix, part);
  }
  if (call.args.length !== 1) throw new NotSplittable(`${call.name}() with ${call.args.length} arguments is not split`);
  const selfCombining = SELF_COMBINING[call.name];
  if (selfCombining) {
    const m = part(call.name, agg(call.name, arg));
    return { parts: [m], combine: fn(selfCombining, [ref(m.name)]), means: [] };
  }
  if (call.name === 'sum') {
    // sum(real) accumulates in real; summing float8 partials and rounding once is closer to exact.
    const s = part('sum', agg('sum', resultType === 'real' ? cast(arg, DOUBLE) : arg));
    const split = { parts: [s], combine: cast(fn('sum', [ref(s.name)]), resultType), means: [] };
    if (resultType === 'real') return guarded(split, call, arg, part, FLOAT_BOUNDS.realSum);
    if (resultType === DOUBLE) return guarded(split, call, arg, part, FLOAT_BOUNDS.doubleSum);
    return split;
  }
  if (call.name === 'avg') {
    const split = splitAvg(arg, resultType, part, agg);
    return resultType === DOUBLE ? guarded(split, call, arg, part, FLOAT_BOUNDS.accumulator) : split;
  }
  const variance = VARIANCE[call.name];
  if (variance) {
    if (resultType === 'numeric') return splitNumericVariance(arg, variance, part, agg);
    if (resultType === DOUBLE) return guarded(splitFloatVariance(arg, variance, prefix, part, agg), call, arg, part, FLOAT_BOUNDS.accumulator);
    throw new NotSplittable(`${call.name}() returning ${resultType} is not split`);
  }
  throw new NotSplittable(`${call.name}() is not split`);
}

type Part = (suffix: string, expr: Expr) => PartialColumn;
type Agg = (name: string, arg: Expr) => Call;

/**
 * Adds a float aggregate's guard (see FloatGuard): the largest finite |x| among its rows, and
 * their count where the split does not count them already. Infinite and NaN inputs are left
 * out: PostgreSQL does not call a sum that takes an infinite input an overflow.
 */
function guarded(split: AggregateSplit, call: Call, arg: Expr, part: Part, bound: number): AggregateSplit {
  const magnitude = fn('abs', [cast(arg, DOUBLE)]);
  const finite = bin(magnitude, '<', cast(lit(`'Infinity'`), DOUBLE));
  const absMax = part('absmax', fn('max', [magnitude], { filter: call.filter ? bin(call.filter, 'AND', finite) : finite }));
  const counted = split.parts.find((p) => p.name.endsWith('_count'));
  const count = counted ?? part('n', fn('count', [arg], { filter: call.filter }));
  return {
    ...split,
    parts: [...split.parts, absMax, ...(counted ? [] : [count])],
    guard: { aggregate: printExpr(call), absMax: absMax.name, count: count.name, bound },
  };
}

/** |x| as float8 where it is finite, else NULL (which greatest() and max() pass over). */
function finiteMagnitude(x: Expr): Expr {
  const magnitude = fn('abs', [cast(x, DOUBLE)]);
  return caseWhen([[bin(magnitude, '<', cast(lit(`'Infinity'`), DOUBLE)), magnitude]], null);
}

/**
 * corr, covar_*, regr_* over (Y, X): each fragment reports PostgreSQL's own state for its rows
 * (regr_count, Σx, Σy and regr_sxx/syy/sxy, its Youngs–Cramer sums of deviations), and the
 * combine merges them as float8_regr_combine does, for any number of parts at once:
 * Sxy = Σ Sxyᵢ + Σ nᵢ(x̄ᵢ − x̄)(ȳᵢ − ȳ), with x̄ and ȳ from a window. The final expressions are
 * float.c's: NULL below one row (two for covar_samp), NULL for a vertical line, and so on.
 */
function splitRegression(call: Call, prefix: string, part: Part): AggregateSplit {
  const [y, x] = call.args as [Expr, Expr];
  const notNull = (e: Expr): Expr => ({ kind: 'is', operand: e, test: 'NULL', negated: true });
  const pairs = bin(notNull(y), 'AND', notNull(x));
  const inPairs = (e: Call): Call => ({ ...e, filter: call.filter ? bin(call.filter, 'AND', pairs) : pairs });
  const n = part('count', fn('regr_count', [y, x], { filter: call.filter }));
  const N = fn('coalesce', [fn('sum', [ref(n.name)]), lit('0')]);
  if (call.name === 'regr_count') return { parts: [n], combine: cast(N, 'bigint'), means: [] };

  const needs = new Set(REGRESSION[call.name]);
  if (needs.has('sxx') || needs.has('sxy')) needs.add('sx');
  if (needs.has('syy') || needs.has('sxy')) needs.add('sy');
  const own = {
    sx: part('sx', inPairs(fn('sum', [cast(x, DOUBLE)]))),
    sy: part('sy', inPairs(fn('sum', [cast(y, DOUBLE)]))),
    sxx: part('sxx', fn('regr_sxx', [y, x], { filter: call.filter })),
    syy: part('syy', fn('regr_syy', [y, x], { filter: call.filter })),
    sxy: part('sxy', fn('regr_sxy', [y, x], { filter: call.filter })),
  };
  const { sx, sy, sxx, syy, sxy } = own;
  const meanX: WindowMean = { name: `${prefix}_meanx`, sum: sx.name, count: n.name };
  const meanY: WindowMean = { name: `${prefix}_meany`, sum: sy.name, count: n.name };
  const nf = cast(ref(n.name), DOUBLE);
  const dx = bin(bin(ref(sx.name), '/', nf), '-', ref(meanX.name));
  const dy = bin(bin(ref(sy.name), '/', nf), '-', ref(meanY.name));
  const merged = (own: PartialColumn, a: Expr, b: Expr) => bin(fn('sum', [ref(own.name)]), '+', fn('sum', [bin(nf, '*', bin(a, '*', b))]));
  const S = { sxx: merged(sxx, dx, dx), syy: merged(syy, dy, dy), sxy: merged(sxy, dx, dy), sx: fn('sum', [ref(sx.name)]), sy: fn('sum', [ref(sy.name)]) };
  const Nf = cast(N, DOUBLE);
  const NULL = cast(lit('NULL'), DOUBLE);
  const isZero = (e: Expr) => bin(e, '=', lit('0'));
  const result: Record<string, Expr> = {
    regr_sxx: S.sxx,
    regr_syy: S.syy,
    regr_sxy: S.sxy,
    regr_avgx: bin(S.sx, '/', Nf),
    regr_avgy: bin(S.sy, '/', Nf),
    covar_pop: bin(S.sxy, '/', Nf),
    covar_samp: caseWhen([[bin(N, '<', lit('2')), NULL]], bin(S.sxy, '/', bin(Nf, '-', lit('1')))),
    corr: caseWhen([[bin(isZero(S.sxx), 'OR', isZero(S.syy)), NULL]], bin(S.sxy, '/', fn('sqrt', [bin(S.sxx, '*', S.syy)]))),
    regr_r2: caseWhen(
      [
        [isZero(S.sxx), NULL],
        [isZero(S.syy), cast(lit('1'), DOUBLE)],
      ],
      bin(bin(S.sxy, '*', S.sxy), '/', bin(S.sxx, '*', S.syy)),
    ),
    regr_slope: caseWhen([[isZero(S.sxx), NULL]], bin(S.sxy, '/', S.sxx)),
    regr_intercept: caseWhen([[isZero(S.sxx), NULL]], bin(bin(S.sy, '-', bin(bin(S.sx, '*', S.sxy), '/', S.sxx)), '/', Nf)),
  };
  const split: AggregateSplit = {
    parts: [n, ...(Object.keys(own) as (keyof typeof own)[]).filter((key) => needs.has(key)).map((key) => own[key])],
    combine: caseWhen([[bin(N, '<', lit('1')), NULL]], result[call.name] as Expr),
    means: [...(needs.has('sx') ? [meanX] : []), ...(needs.has('sy') ? [meanY] : [])],
  };
  const magnitude = fn('greatest', [finiteMagnitude(y), finiteMagnitude(x)]);
  const absMax = part('absmax', inPairs(fn('max', [magnitude])));
  return {
    ...split,
    parts: [...split.parts, absMax],
    guard: { aggregate: printExpr(call), absMax: absMax.name, count: n.name, bound: FLOAT_BOUNDS.accumulator },
  };
}

/** avg = sum / count, never an average of averages. Mirrors int8_avg, numeric_avg, float8_avg, interval_avg. */
function splitAvg(arg: Expr, resultType: string, part: Part, agg: Agg): AggregateSplit {
  const count = part('count', agg('count', arg));
  const total = fn('sum', [ref(count.name)]);
  if (resultType === 'numeric') {
    const s = part('sum', agg('sum', arg));
    return { parts: [s, count], combine: cast(bin(fn('sum', [ref(s.name)]), '/', fn('nullif', [total, lit('0')])), 'numeric'), means: [] };
  }
  if (resultType === DOUBLE || resultType === 'interval') {
    const s = part('sum', agg('sum', resultType === DOUBLE ? cast(arg, DOUBLE) : arg));
    return { parts: [s, count], combine: bin(fn('sum', [ref(s.name)]), '/', cast(fn('nullif', [total, lit('0')]), DOUBLE)), means: [] };
  }
  throw new NotSplittable(`avg() returning ${resultType} is not split`);
}

/**
 * Exact numeric variance, as numeric_stddev_internal computes it: from N, Σx and Σx², with the
 * division's scale chosen by PostgreSQL's own `/` and the square root rounded to that scale.
 */
function splitNumericVariance(arg: Expr, v: { sample: boolean; root: boolean }, part: Part, agg: Agg): AggregateSplit {
  const x = cast(arg, 'numeric');
  const n = part('count', agg('count', arg));
  const sx = part('sum', agg('sum', x));
  const sxx = part('sumsq', agg('sum', bin(x, '*', x)));
  const N = fn('coalesce', [fn('sum', [ref(n.name)]), lit('0')]);
  const SX = fn('sum', [ref(sx.name)]);
  const numerator = bin(bin(N, '*', fn('sum', [ref(sxx.name)])), '-', bin(SX, '*', SX));
  const denominator = v.sample ? bin(N, '*', bin(N, '-', lit('1'))) : bin(N, '*', N);
  const variance = bin(numerator, '/', denominator);
  const scale = fn('scale', [variance]);
  const result = v.root ? fn('round', [fn('sqrt', [fn('round', [variance, bin(scale, '+', lit('20'))])]), scale]) : variance;
  const notFinite: Expr = { kind: 'in', operand: SX, list: ['NaN', 'Infinity', '-Infinity'].map((s) => cast(lit(`'${s}'`), 'numeric')), negated: false };
  const combine = caseWhen(
    [
      [bin(N, '<=', lit(v.sample ? '1' : '0')), cast(lit('NULL'), 'numeric')],
      [notFinite, cast(lit(`'NaN'`), 'numeric')],
      [bin(numerator, '<=', lit('0')), cast(lit('0'), 'numeric')],
    ],
    result,
  );
  return { parts: [n, sx, sxx], combine, means: [] };
}

/**
 * Float variance from per-fragment (n, Σx, n·var_pop): the sum of squared deviations is
 * Σ M2ᵢ + Σ nᵢ(meanᵢ − mean)², with the overall mean from a window, so no catastrophic
 * cancellation. Mirrors float8_var_samp / float8_var_pop.
 */
function splitFloatVariance(arg: Expr, v: { sample: boolean; root: boolean }, prefix: string, part: Part, agg: Agg): AggregateSplit {
  const x = cast(arg, DOUBLE);
  const n = part('count', agg('count', arg));
  const sx = part('sum', agg('sum', x));
  const m2 = part('m2', bin(agg('var_pop', x), '*', cast(agg('count', arg), DOUBLE)));
  const mean: WindowMean = { name: `${prefix}_mean`, sum: sx.name, count: n.name };
  const nf = cast(ref(n.name), DOUBLE);
  const deviation = bin(bin(ref(sx.name), '/', nf), '-', ref(mean.name));
  const M2 = bin(fn('sum', [ref(m2.name)]), '+', fn('sum', [bin(nf, '*', bin(deviation, '*', deviation))]));
  const N = fn('coalesce', [fn('sum', [ref(n.name)]), lit('0')]);
  const variance = bin(M2, '/', cast(v.sample ? bin(N, '-', lit('1')) : N, DOUBLE));
  const combine = caseWhen([[bin(N, '<=', lit(v.sample ? '1' : '0')), cast(lit('NULL'), DOUBLE)]], v.root ? fn('sqrt', [variance]) : variance);
  return { parts: [n, sx, m2], combine, means: [mean] };
}
