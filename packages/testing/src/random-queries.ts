/**
 * Random analytical queries over the `events` fixture, for property-based differential tests.
 * Every query generated is one the planner must split. Predicates are printed with and without
 * parentheses at random, so operator precedence is exercised; ORDER BY, when present, covers
 * every output column, so row order is fully determined.
 *
 * Float aggregates only see columns whose values are multiples of 1/16, so sums are exact in
 * any order and float results differ only where the algorithms do (variance, regr_sxx).
 *
 * Operators node-sql-parser lacks (`#`, `&`, `|`, `<<`, `^`, `IS DISTINCT FROM`, …) are mixed into
 * chains with the ones it reads, so the planner's own reading of them meets PostgreSQL's.
 */
import fc from 'fast-check';

export interface RandomQuery {
  sql: string;
  ordered: boolean;
}

const GROUP_KEYS = ['country', 'country_c', 'device', 'flags', 'day', 'is_bot', 'tag', 'small % 3', "date_trunc('month', ts)", 'user_id % 10'];
const NUMERIC = ['user_id', 'big', 'small', 'duration', 'score', 'revenue', 'price', 'flags', 'revenue * 2', 'duration + flags'];
const ORDERED_VALUES = ['country', 'country_c', 'ts', 'day', 'tag', 'revenue', 'duration', 'spent', 'price'];
const VARIANCE = ['stddev', 'stddev_samp', 'stddev_pop', 'variance', 'var_samp', 'var_pop'];
/** Float results that may differ from PostgreSQL's in the last bits. */
const INEXACT = [...VARIANCE, 'regr_sxx', 'regr_syy'];
const INTEGER_OPERATORS = ['+', '-', '*', '#', '&', '|'];
const SHIFTS = ['<<', '>>'];
const ROW_COLUMNS = ['country', 'country_c', 'device', 'duration', 'revenue', 'price', 'ts', 'is_bot', 'big', 'spent'];

const pick = <T>(values: readonly T[]) => fc.constantFrom(...values);

const atom: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(pick(['user_id', 'flags', 'small', 'duration', 'revenue']), pick(['<', '<=', '>', '>=', '=', '<>']), fc.integer({ min: -50, max: 400 }))
    .map(([c, op, v]) => `${c} ${op} ${v}`),
  fc.tuple(pick(['device', 'country', 'price', 'is_bot', 'duration']), fc.boolean()).map(([c, not]) => `${c} IS ${not ? 'NOT ' : ''}NULL`),
  fc.subarray(['US', 'ab', 'Ab', 'é', 'de', 'Z'], { minLength: 1 }).map((vs) => `country IN (${vs.map((v) => `'${v}'`).join(', ')})`),
  fc.tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 15 })).map(([a, b]) => `flags BETWEEN ${Math.min(a, b)} AND ${Math.max(a, b)}`),
  pick(['is_bot', 'NOT is_bot', "tag LIKE 'tag-1%'", "device ILIKE 'T%'", "day >= date '2024-02-15'"]),
  fc
    .tuple(
      pick(['flags', 'small', 'user_id']),
      pick(INTEGER_OPERATORS),
      pick(['flags', 'small', '3', '5']),
      pick([...INTEGER_OPERATORS, ...SHIFTS]),
      fc.integer({ min: 0, max: 3 }),
      pick(['<', '>', '=', '<>']),
      fc.integer({ min: -50, max: 400 }),
    )
    .map(([a, op1, b, op2, n, cmp, v]) => `${a} ${op1} ${b} ${op2} ${n} ${cmp} ${v}`),
  fc.tuple(pick(['country', 'device']), fc.boolean(), pick(["'US'", "'tv'", 'NULL'])).map(([c, not, v]) => `${c} IS ${not ? 'NOT ' : ''}DISTINCT FROM ${v}`),
  fc
    .tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 15 }), fc.boolean())
    .map(([a, b, not]) => `flags ${not ? 'NOT ' : ''}BETWEEN SYMMETRIC ${a} AND ${b}`),
  pick(['device ISNULL', 'price NOTNULL', '2 ^ flags > 100', '|/ abs(duration) < 20', '@ small > 50', '~flags < -8']),
);

const predicate: fc.Arbitrary<string> = fc.letrec<{ p: string }>((tie) => ({
  p: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc.tuple(tie('p'), pick(['AND', 'OR']), tie('p'), fc.boolean()).map(([l, op, r, paren]) => (paren ? `(${l} ${op} ${r})` : `${l} ${op} ${r}`)),
    tie('p').map((p) => `NOT (${p})`),
  ),
})).p;

const aggregate: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(
      fc.constant('count(*)'),
      pick([...NUMERIC, ...ORDERED_VALUES]).map((c) => `count(${c})`),
      pick(GROUP_KEYS).map((c) => `count(DISTINCT ${c})`),
      fc.tuple(pick(['sum', 'avg']), pick(NUMERIC)).map(([f, c]) => `${f}(${c})`),
      fc.tuple(pick(['sum', 'avg', 'max']), pick(['user_id', 'revenue', 'flags'])).map(([f, c]) => `${f}(DISTINCT ${c})`),
      fc.tuple(pick(VARIANCE), pick(NUMERIC)).map(([f, c]) => `${f}(${c})`),
      fc.tuple(pick(['min', 'max']), pick(ORDERED_VALUES)).map(([f, c]) => `${f}(${c})`),
      fc.tuple(pick(['bool_and', 'bool_or', 'every']), pick(['is_bot', 'flags > 7'])).map(([f, c]) => `${f}(${c})`),
      pick(['bit_or(flags)', 'bit_and(flags + 16)', 'bit_xor(small)', 'bit_or(flags # small)']),
      pick(['regr_count(duration, flags)', 'regr_avgx(duration, flags)', 'regr_sxx(duration, flags)', 'regr_syy(duration, small)']),
    ),
    fc.option(predicate, { freq: 4 }),
  )
  .map(([call, filter]) => (filter ? `${call} FILTER (WHERE ${filter})` : call));

/**
 * ORDER BY every output position, in random order and directions. Variance results go last:
 * float variance may differ from PostgreSQL's in the last bit, which must not decide row order.
 */
const orderBy = (outputs: string[]) =>
  fc
    .tuple(
      fc.shuffledSubarray(
        outputs.map((_, i) => i + 1),
        { minLength: outputs.length, maxLength: outputs.length },
      ),
      fc.array(fc.tuple(pick(['', ' DESC']), pick(['', ' NULLS FIRST', ' NULLS LAST'])), { minLength: outputs.length, maxLength: outputs.length }),
    )
    .map(([positions, styles]) => {
      const isVariance = (p: number) => INEXACT.some((f) => outputs[p - 1]?.startsWith(`${f}(`));
      const ordered = [...positions.filter((p) => !isVariance(p)), ...positions.filter(isVariance)];
      return ordered.map((p, i) => `${p}${styles[i]?.[0] ?? ''}${styles[i]?.[1] ?? ''}`).join(', ');
    });

/** LIMIT and OFFSET, or SQL's OFFSET … ROWS FETCH FIRST … ROWS ONLY | WITH TIES. */
const limit = fc
  .option(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.option(fc.integer({ min: 0, max: 10 })), pick(['LIMIT', 'ONLY', 'WITH TIES'])), { freq: 2 })
  .map((l) => {
    if (l === null) return '';
    const [count, offset, form] = l;
    if (form === 'LIMIT') return ` LIMIT ${count}${offset === null ? '' : ` OFFSET ${offset}`}`;
    return `${offset === null ? '' : ` OFFSET ${offset} ROWS`} FETCH FIRST ${count} ROWS ${form}`;
  });

const groupedQuery: fc.Arbitrary<RandomQuery> = fc
  .record({
    keys: fc.uniqueArray(pick(GROUP_KEYS), { maxLength: 2 }),
    aggregates: fc.array(aggregate, { minLength: 1, maxLength: 4 }),
    where: fc.option(predicate, { freq: 2 }),
    having: fc.option(
      fc.tuple(pick(['count(*)', 'sum(flags)', 'max(revenue)', 'count(DISTINCT device)']), pick(['>', '<']), fc.integer({ min: 0, max: 700 })),
      { freq: 3 },
    ),
    distinct: fc.boolean(),
    ordered: fc.boolean(),
  })
  .chain((q) => {
    const outputs = [...q.keys, ...q.aggregates];
    const order = q.ordered ? orderBy(outputs).map((o) => ` ORDER BY ${o}`) : fc.constant('');
    return fc.tuple(fc.constant(q), order, q.ordered ? limit : fc.constant('')).map(([, orderClause, limitClause]) => ({
      sql:
        `SELECT ${q.distinct ? 'DISTINCT ' : ''}${outputs.join(', ')} FROM events` +
        (q.where ? ` WHERE ${q.where}` : '') +
        (q.keys.length > 0 ? ` GROUP BY ${q.keys.join(', ')}` : '') +
        (q.having ? ` HAVING ${q.having.join(' ')}` : '') +
        orderClause +
        limitClause,
      ordered: q.ordered,
    }));
  });

const rowQuery: fc.Arbitrary<RandomQuery> = fc
  .record({
    columns: fc.uniqueArray(pick(ROW_COLUMNS), { minLength: 1, maxLength: 4 }),
    where: fc.option(predicate, { freq: 4 }),
    distinct: fc.boolean(),
    ordered: fc.boolean(),
  })
  .chain((q) => {
    // Without DISTINCT, id makes every row unique, so ordering by all outputs is total.
    const outputs = q.distinct ? q.columns : ['id', ...q.columns];
    const order = q.ordered ? orderBy(outputs).map((o) => ` ORDER BY ${o}`) : fc.constant('');
    return fc.tuple(order, q.ordered ? limit : fc.constant('')).map(([orderClause, limitClause]) => ({
      sql: `SELECT ${q.distinct ? 'DISTINCT ' : ''}${outputs.join(', ')} FROM events${q.where ? ` WHERE ${q.where}` : ''}${orderClause}${limitClause}`,
      ordered: q.ordered,
    }));
  });

/** A random splittable query. */
export const randomQuery: fc.Arbitrary<RandomQuery> = fc.oneof({ weight: 4, arbitrary: groupedQuery }, { weight: 1, arbitrary: rowQuery });
