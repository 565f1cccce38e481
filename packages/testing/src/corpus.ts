/**
 * Hand-written differential cases: every query shape the planner must split, and shapes it must
 * refuse to split (which still have to return the right answer, run as written). Each case runs
 * directly on PostgreSQL and through the planner, and the results must match.
 *
 * Queries with ORDER BY use a total order (ties broken down to unique rows), so the row order
 * is compared exactly; queries without ORDER BY are compared as multisets.
 */

export interface DifferentialCase {
  sql: string;
  /** Whether the planner must split it. @defaultValue true */
  split?: boolean;
  /**
   * Whether an exact split of it exists, made by this planner or not yet: the share of these
   * that are split is what the differential test reports. @defaultValue the value of `split`
   */
  splittable?: boolean;
  /** LIMIT without ORDER BY: any rows of this query's result are a valid answer. */
  anyRowsOf?: string;
}

const splitting = (sqls: string[]): DifferentialCase[] => sqls.map((sql) => ({ sql }));
/** Queries no split reproduces exactly: they run as written. */
const sequential = (sqls: string[]): DifferentialCase[] => sqls.map((sql) => ({ sql, split: false }));
/** Queries a planner could split exactly, which this one runs as written: its gaps, counted. */
const notYet = (sqls: string[]): DifferentialCase[] => sqls.map((sql) => ({ sql, split: false, splittable: true }));

const COLUMNS = ['user_id', 'big', 'small', 'duration', 'score', 'revenue', 'price'];

/** Every splittable aggregate over every numeric type. */
const aggregatesByType: DifferentialCase[] = COLUMNS.flatMap((c) =>
  splitting([
    `SELECT count(${c}), sum(${c}), avg(${c}), min(${c}), max(${c}) FROM events`,
    `SELECT stddev(${c}), stddev_samp(${c}), stddev_pop(${c}) FROM events`,
    `SELECT variance(${c}), var_samp(${c}), var_pop(${c}) FROM events`,
  ]),
);

const aggregates: DifferentialCase[] = splitting([
  'SELECT count(*) FROM events',
  'SELECT count(*), count(device), count(is_bot) FROM events',
  'SELECT count(DISTINCT country) FROM events',
  'SELECT count(DISTINCT country_c), count(DISTINCT device), count(DISTINCT user_id) FROM events',
  'SELECT count(DISTINCT day), count(*) FROM events',
  'SELECT sum(DISTINCT user_id), avg(DISTINCT flags), min(DISTINCT country), max(DISTINCT revenue) FROM events',
  'SELECT stddev(DISTINCT duration), var_pop(DISTINCT revenue) FROM events',
  'SELECT min(country), max(country), min(country_c), max(country_c) FROM events',
  'SELECT min(ts), max(ts), min(day), max(day), min(tag), max(tag) FROM events',
  'SELECT sum(spent), avg(spent), min(spent), max(spent) FROM events',
  'SELECT bool_and(is_bot), bool_or(is_bot), every(is_bot) FROM events',
  'SELECT bool_and(flags > 0), bool_or(flags > 14) FROM events',
  'SELECT bit_and(flags), bit_or(flags), bit_xor(flags), bit_or(small) FROM events',
  'SELECT bit_and(flags + 16), bit_xor(big) FROM events',
  'SELECT avg(ratio), sum(ratio), stddev(ratio), var_samp(ratio) FROM events',
  'SELECT count(*), sum(revenue), avg(revenue) FROM events WHERE false',
  'SELECT sum(big), avg(big), stddev(big), variance(big) FROM events',
  'SELECT avg(small), variance(small), stddev_pop(small) FROM events',
]);

const overExpressions: DifferentialCase[] = splitting([
  'SELECT sum(revenue * (1 - 0.1)), sum(user_id * flags) FROM events',
  'SELECT avg(duration * 2 + 1), max(duration / 3) FROM events',
  "SELECT count(CASE WHEN is_bot THEN 1 END), sum(CASE WHEN country = 'US' THEN revenue ELSE 0 END) FROM events",
  'SELECT max(lower(country)), min(length(device)), max(upper(tag)) FROM events',
  'SELECT sum(extract(epoch FROM spent)), avg(extract(hour FROM ts)) FROM events',
  'SELECT avg(ratio / 3), stddev(ratio * 1e6) FROM events',
  'SELECT sum(price * price), avg(price * 1.10), variance(price * 0.5) FROM events',
  "SELECT count(DISTINCT date_trunc('month', ts)), count(DISTINCT lower(country)) FROM events",
  'SELECT sum(coalesce(duration, 0)), avg(coalesce(user_id, -1)) FROM events',
  'SELECT min(ts + spent), max(day - 3) FROM events',
]);

const filters: DifferentialCase[] = splitting([
  'SELECT count(*) FILTER (WHERE is_bot), count(*) FILTER (WHERE NOT is_bot) FROM events',
  "SELECT sum(revenue) FILTER (WHERE country = 'US' OR device IS NULL AND flags > 3) FROM events",
  'SELECT avg(duration) FILTER (WHERE user_id % 2 = 0), avg(duration) FROM events',
  'SELECT count(DISTINCT user_id) FILTER (WHERE is_bot IS NOT TRUE), count(DISTINCT user_id) FROM events',
  'SELECT stddev(price) FILTER (WHERE flags < 8), var_pop(duration) FILTER (WHERE flags >= 8) FROM events',
  'SELECT min(country) FILTER (WHERE flags = 3), max(ts) FILTER (WHERE is_bot) FROM events',
  'SELECT count(*) FILTER (WHERE false), sum(revenue) FILTER (WHERE false), stddev(revenue) FILTER (WHERE id = 42) FROM events',
  'SELECT country, count(*) FILTER (WHERE is_bot), avg(revenue) FILTER (WHERE revenue > 0) FROM events GROUP BY country ORDER BY country NULLS FIRST',
]);

const overAggregates: DifferentialCase[] = splitting([
  'SELECT sum(user_id) / count(*) FROM events',
  'SELECT round(avg(revenue), 2), round(avg(duration)::numeric, 3) FROM events',
  "SELECT CASE WHEN count(*) > 100 THEN 'many' ELSE 'few' END FROM events",
  'SELECT max(duration) - min(duration), max(revenue) - avg(revenue) FROM events',
  'SELECT sum(revenue) / nullif(sum(price), 0) FROM events',
  'SELECT count(*)::numeric / count(DISTINCT user_id) FROM events',
  "SELECT coalesce(sum(duration), 0), coalesce(max(device), 'none') FROM events WHERE false",
  'SELECT round(stddev(revenue), 4), sqrt(var_pop(duration)) FROM events',
  'SELECT count(*) * 2 + sum(flags), -sum(small) FROM events',
  'SELECT avg(user_id)::int, sum(score)::numeric(20, 3) FROM events',
]);

const grouping: DifferentialCase[] = splitting([
  'SELECT country, count(*) FROM events GROUP BY country',
  'SELECT country_c, count(*), sum(revenue) FROM events GROUP BY country_c',
  'SELECT device, country, count(*), avg(duration) FROM events GROUP BY device, country',
  'SELECT flags % 4 AS bucket, count(*) FROM events GROUP BY flags % 4',
  'SELECT flags % 4 AS bucket, sum(revenue) FROM events GROUP BY bucket',
  'SELECT flags % 4, count(*) FROM events GROUP BY 1',
  'SELECT is_bot, device, count(*) FROM events GROUP BY 2, 1',
  "SELECT date_trunc('week', ts) AS week, count(*), max(revenue) FROM events GROUP BY 1",
  'SELECT extract(month FROM day) AS m, avg(price) FROM events GROUP BY extract(month FROM day)',
  'SELECT day, count(DISTINCT user_id) FROM events GROUP BY day',
  'SELECT lower(country), count(*) FROM events GROUP BY lower(country)',
  'SELECT tag, min(ts), max(ts) FROM events GROUP BY tag',
  'SELECT user_id, count(*), sum(duration), stddev(revenue) FROM events GROUP BY user_id',
  'SELECT country, count(DISTINCT device), count(DISTINCT user_id) FILTER (WHERE is_bot) FROM events GROUP BY country',
  'SELECT flags, bool_and(is_bot), bit_or(small) FROM events GROUP BY flags',
  'SELECT country IS NULL, count(*) FROM events GROUP BY 1',
  'SELECT small % 3 + 1 AS k, (small % 3 + 1) * 10, count(*) FROM events GROUP BY small % 3 + 1',
  'SELECT flags FROM events GROUP BY flags',
  'SELECT events.country, count(events.id) FROM events GROUP BY events.country',
  'SELECT e.device, count(*) FROM events AS e GROUP BY e.device',
  'SELECT id, country, revenue FROM events GROUP BY id HAVING revenue > 900',
  'SELECT country, variance(duration), stddev_samp(price), var_pop(big) FROM events GROUP BY country',
  'SELECT device, avg(spent), sum(score) FROM events GROUP BY device',
]);

const having: DifferentialCase[] = splitting([
  'SELECT country, count(*) FROM events GROUP BY country HAVING count(*) > 600',
  'SELECT device, sum(revenue) FROM events GROUP BY device HAVING sum(revenue) < 0',
  'SELECT flags, avg(duration) FROM events GROUP BY flags HAVING avg(duration) BETWEEN -5 AND 5',
  'SELECT country FROM events GROUP BY country HAVING max(revenue) > 690 AND count(DISTINCT device) = 4',
  "SELECT country, count(*) FROM events GROUP BY country HAVING country > 'b'",
  'SELECT count(*) FROM events HAVING count(*) > 0',
  'SELECT count(*) FROM events HAVING count(*) = 0',
  'SELECT count(*) FROM empty_events HAVING count(*) = 0',
  'SELECT user_id, count(*) FROM events GROUP BY user_id HAVING stddev(duration) > 900 OR count(*) < 14',
]);

const ordering: DifferentialCase[] = splitting([
  'SELECT country, count(*) AS n FROM events GROUP BY country ORDER BY n DESC, country',
  'SELECT country, count(*) FROM events GROUP BY country ORDER BY 2, 1 NULLS FIRST',
  'SELECT country, sum(revenue) FROM events GROUP BY country ORDER BY sum(revenue) DESC NULLS LAST, country',
  'SELECT country FROM events GROUP BY country ORDER BY country',
  'SELECT country FROM events GROUP BY country ORDER BY country DESC NULLS LAST',
  'SELECT country_c FROM events GROUP BY country_c ORDER BY country_c NULLS FIRST',
  'SELECT device, country, max(ts) FROM events GROUP BY device, country ORDER BY device NULLS FIRST, country DESC',
  'SELECT flags % 5 AS b, avg(revenue) FROM events GROUP BY b ORDER BY avg(revenue), b',
  'SELECT lower(country) AS lc, count(*) FROM events GROUP BY lower(country) ORDER BY lc NULLS LAST',
  'SELECT tag, count(*) FROM events GROUP BY tag ORDER BY count(*) * -1, tag',
]);

const limits: DifferentialCase[] = splitting([
  'SELECT user_id, count(*) FROM events GROUP BY user_id ORDER BY user_id LIMIT 10',
  'SELECT user_id, count(*) FROM events GROUP BY user_id ORDER BY user_id DESC NULLS FIRST LIMIT 10 OFFSET 5',
  'SELECT user_id, count(*) AS n FROM events GROUP BY user_id ORDER BY n DESC, user_id LIMIT 10',
  'SELECT day, device, sum(revenue) FROM events GROUP BY day, device ORDER BY day, device NULLS FIRST LIMIT 7',
  'SELECT day, sum(duration) FROM events GROUP BY day ORDER BY 1 OFFSET 100',
  'SELECT country, count(*) FROM events GROUP BY country HAVING count(*) > 10 ORDER BY country LIMIT 3',
  'SELECT count(*) FROM events LIMIT 1',
  'SELECT count(*) FROM events LIMIT 0',
  'SELECT tag, count(DISTINCT user_id) FROM events GROUP BY tag ORDER BY tag LIMIT 5',
]);

const distinct: DifferentialCase[] = splitting([
  'SELECT DISTINCT country FROM events',
  'SELECT DISTINCT country_c FROM events ORDER BY country_c',
  'SELECT DISTINCT country, device FROM events ORDER BY country, device NULLS FIRST',
  'SELECT DISTINCT flags % 3, is_bot FROM events',
  'SELECT DISTINCT lower(device) FROM events ORDER BY 1 LIMIT 2',
  'SELECT DISTINCT day FROM events ORDER BY day DESC LIMIT 5 OFFSET 2',
  'SELECT DISTINCT count(*) FROM events GROUP BY flags',
  'SELECT DISTINCT country, count(*) > 500 FROM events GROUP BY country, device',
]);

const rows: DifferentialCase[] = [
  ...splitting([
    'SELECT id, country FROM events WHERE duration > 100 ORDER BY id LIMIT 20',
    'SELECT id, ts, revenue FROM events ORDER BY ts DESC, id LIMIT 15',
    'SELECT country, id FROM events ORDER BY country NULLS FIRST, id LIMIT 25',
    'SELECT country_c, id FROM events ORDER BY country_c DESC, id DESC LIMIT 25',
    'SELECT * FROM events ORDER BY id LIMIT 5 OFFSET 10',
    'SELECT * FROM events WHERE flags = 7 AND is_bot ORDER BY id',
    "SELECT id FROM events WHERE country = 'US'",
    'SELECT id, duration FROM events ORDER BY duration DESC NULLS LAST, id LIMIT 12',
    'SELECT id, revenue * 2 AS double_revenue FROM events WHERE revenue IS NOT NULL ORDER BY double_revenue, id LIMIT 10',
    'SELECT id FROM events ORDER BY price NULLS FIRST, id LIMIT 10',
    'SELECT id, tag FROM events ORDER BY lower(tag), id LIMIT 8',
    'SELECT upper(device), id FROM events WHERE id < 100 ORDER BY 1 NULLS FIRST, 2',
    'SELECT id, big FROM events ORDER BY big LIMIT 3',
    "SELECT id, spent FROM events WHERE spent > interval '1 hour' ORDER BY spent, id LIMIT 4",
    'SELECT * FROM events WHERE id > 7990',
    'SELECT e.id, e.country FROM events e WHERE e.id % 1000 = 1 ORDER BY e.id',
    'SELECT id FROM events ORDER BY id OFFSET 6790',
    // LIMIT and OFFSET are bigints: the per-fragment limit is their exact sum, or none past the bigint maximum.
    'SELECT id FROM events ORDER BY id LIMIT 9223372036854775807',
    'SELECT id FROM events ORDER BY id LIMIT 9007199254740993 OFFSET 6790',
    'SELECT id FROM events ORDER BY id LIMIT 9223372036854775807 OFFSET 6795',
  ]),
  { sql: 'SELECT id, country FROM events LIMIT 10', anyRowsOf: 'SELECT id, country FROM events' },
  { sql: 'SELECT id FROM events WHERE is_bot LIMIT 5 OFFSET 3', anyRowsOf: 'SELECT id FROM events WHERE is_bot' },
  { sql: 'SELECT DISTINCT device FROM events LIMIT 2', anyRowsOf: 'SELECT DISTINCT device FROM events' },
];

/** The WHERE clause is ANDed with a range: its own ORs and precedence must survive. */
const predicates: DifferentialCase[] = splitting([
  "SELECT count(*) FROM events WHERE country = 'US' OR country = 'de' AND flags > 5",
  "SELECT count(*) FROM events WHERE (country = 'US' OR country = 'de') AND flags > 5",
  'SELECT count(*) FROM events WHERE NOT is_bot OR duration IS NULL',
  'SELECT count(*) FROM events WHERE NOT (is_bot OR duration IS NULL)',
  'SELECT count(*) FROM events WHERE is_bot AND flags > 3 OR device IS NULL AND NOT is_bot',
  'SELECT count(*) FROM events WHERE flags BETWEEN 3 AND 9 OR revenue NOT BETWEEN -100 AND 100',
  "SELECT count(*) FROM events WHERE country IN ('US', 'de', 'é') OR device NOT IN ('mobile')",
  "SELECT count(*) FROM events WHERE tag LIKE 'tag-1%' OR device ILIKE 'TAB%'",
  "SELECT count(*) FROM events WHERE tag NOT LIKE '%3' AND country IS NOT NULL",
  'SELECT count(*) FROM events WHERE price IS NULL OR is_bot IS NOT TRUE',
  "SELECT count(*) FROM events WHERE ts >= timestamp '2024-02-01' AND day < date '2024-03-15'",
  "SELECT count(*) FROM events WHERE tag || '!' = 'tag-3!' OR flags + 1 * 2 = 9",
  'SELECT count(*) FROM events WHERE -small > 50 OR small % 7 = 0',
  "SELECT count(*) FROM events WHERE country ~ '^[a-z]' OR device ~* 'TV'",
  "SELECT count(*) FROM events WHERE flags = ANY (ARRAY[1, 2, 3]) AND spent < interval '30 minutes'",
  'SELECT count(*) FROM events WHERE CASE WHEN is_bot THEN flags > 4 ELSE flags < 4 END',
  'SELECT count(*) FROM events WHERE revenue > 1e2 OR price < .5',
]);

const tables: DifferentialCase[] = splitting([
  'SELECT count(*), sum(revenue), avg(duration), min(country), stddev(price), bool_and(is_bot) FROM empty_events',
  'SELECT country, count(*) FROM empty_events GROUP BY country',
  'SELECT * FROM empty_events ORDER BY id',
  'SELECT count(DISTINCT country) FROM empty_events',
  'SELECT count(*), sum(revenue), avg(duration), stddev(price), stddev_pop(price), var_samp(duration) FROM single_event',
  'SELECT country, count(*), variance(revenue) FROM single_event GROUP BY country',
  'SELECT * FROM single_event',
  'SELECT g, count(*), count(n), sum(x), avg(amount), stddev(amount), bool_or(flag) FROM sparse GROUP BY g ORDER BY g NULLS FIRST',
  'SELECT count(DISTINCT g), min(x), max(amount), var_pop(x) FROM sparse',
  'SELECT id, x FROM sparse WHERE x IS NOT NULL ORDER BY x DESC LIMIT 5',
  'SELECT flag, count(*) FROM sparse GROUP BY flag ORDER BY flag NULLS LAST',
  'SELECT "Country", count(*), sum("Amount") AS "Total Amount", max("lower") FROM "Camel Events" GROUP BY "Country" ORDER BY 1',
  'SELECT "Id" AS Key, "Amount" AS "Mixed" FROM "Camel Events" ORDER BY "Id" DESC LIMIT 3',
  'SELECT count(*) AS Total, sum(flags) AS "Total" FROM events',
  // Every column as schema.table.column, as Metabase writes its questions.
  'SELECT "public"."events"."country" AS "country", count(*) AS "count", sum("public"."events"."revenue") AS "sum" FROM "public"."events" GROUP BY "public"."events"."country" ORDER BY "public"."events"."country" COLLATE "C" ASC',
  'SELECT public.events.device, avg(public.events.duration) FROM events WHERE public.events.flags > 3 GROUP BY public.events.device ORDER BY 1 NULLS FIRST',
  'SELECT "public"."Camel Events"."Country", count(*) FROM "public"."Camel Events" GROUP BY "public"."Camel Events"."Country" ORDER BY 1',
]);

/** TPC-H Q1 and Q6 shapes. */
const tpch: DifferentialCase[] = splitting([
  `SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, sum(l_extendedprice) AS sum_base_price,
          sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price,
          sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge,
          avg(l_quantity) AS avg_qty, avg(l_extendedprice) AS avg_price, avg(l_discount) AS avg_disc, count(*) AS count_order
     FROM lineitem
    WHERE l_shipdate <= date '1998-12-01' - interval '90' day
    GROUP BY l_returnflag, l_linestatus
    ORDER BY l_returnflag, l_linestatus`,
  `SELECT sum(l_extendedprice * l_discount) AS revenue FROM lineitem
    WHERE l_shipdate >= date '1994-01-01' AND l_shipdate < date '1995-01-01'
      AND l_discount BETWEEN 0.06 - 0.01 AND 0.06 + 0.01 AND l_quantity < 24`,
  'SELECT l_shipmode, count(*), avg(l_receiptdate - l_shipdate) FROM lineitem GROUP BY l_shipmode ORDER BY l_shipmode',
  'SELECT l_orderkey, sum(l_extendedprice) FROM lineitem GROUP BY l_orderkey ORDER BY 2 DESC, 1 LIMIT 10',
  'SELECT count(DISTINCT l_partkey), count(DISTINCT l_suppkey) FROM lineitem',
]);

/**
 * SQL that node-sql-parser cannot read, or misreads, and the planner reads itself
 * (`planner/src/corrections.ts`, `row-limit.ts`); and the statistics PostgreSQL combines from
 * transition states in its own parallel plans.
 */
const edges: DifferentialCase[] = splitting([
  // Every form of LIMIT, OFFSET and FETCH PostgreSQL reads.
  'SELECT id FROM events ORDER BY id FETCH FIRST 5 ROWS ONLY',
  'SELECT id FROM events ORDER BY id OFFSET 3 ROWS FETCH NEXT 5 ROWS ONLY',
  'SELECT id FROM events ORDER BY id DESC FETCH FIRST ROW ONLY',
  'SELECT day FROM events ORDER BY day DESC FETCH FIRST 10 ROWS WITH TIES',
  'SELECT flags % 3 AS f FROM events ORDER BY 1 OFFSET 2 ROWS FETCH FIRST 3 ROWS WITH TIES',
  'SELECT day, count(*) FROM events GROUP BY day ORDER BY day FETCH FIRST 3 ROWS WITH TIES',
  'SELECT id FROM events ORDER BY id LIMIT NULL OFFSET 6790',
  "SELECT id FROM events ORDER BY id LIMIT '3'",
  'SELECT id FROM events ORDER BY id LIMIT 2 + 1 OFFSET 1 * 2',
  'SELECT id FROM events ORDER BY id OFFSET 0 LIMIT 2',
  'SELECT id FROM events ORDER BY id USING > LIMIT 3',
  'SELECT country, id FROM events ORDER BY country USING <, id USING > LIMIT 7',
  // GROUP BY (): one group, even of no rows.
  'SELECT count(*), sum(revenue) FROM events GROUP BY ()',
  'SELECT count(*), max(id) FROM empty_events GROUP BY ()',
  // Operators node-sql-parser lacks, at PostgreSQL's precedence.
  'SELECT sum(flags # 3), sum(flags << 1), sum(flags | 2), sum(~flags), sum(flags & 5), sum(flags >> 1) FROM events',
  'SELECT max(|/ abs(duration)), max(@ revenue), sum(2 ^ flags), max(||/ abs(duration)) FROM events',
  'SELECT count(*) FROM events WHERE 2*-3 < flags - 9 AND 2 ^ 3 ^ 2 > flags',
  'SELECT count(*) FROM events WHERE flags BETWEEN SYMMETRIC 9 AND 3 OR price NOT BETWEEN SYMMETRIC 50 AND -50',
  "SELECT count(*) FROM events WHERE country IS DISTINCT FROM 'US'",
  'SELECT count(*) FROM events WHERE country IS NOT DISTINCT FROM NULL OR is_bot IS DISTINCT FROM flags > 7',
  'SELECT id FROM events WHERE device ISNULL ORDER BY id LIMIT 3',
  'SELECT count(*) FILTER (WHERE duration NOTNULL) FROM events',
  'SELECT count(*) FROM events WHERE country COLLATE "C" > \'a\'',
  "SELECT count(*) FROM kinds WHERE addr << '10.1.0.0/16'::inet",
  // Casts keep the type as written (float8 is not float(8)).
  'SELECT count(DISTINCT ts::timetz), count(DISTINCT tag::name), count(DISTINCT spent::interval hour to minute) FROM events',
  'SELECT sum(small)::float8, sum(score)::real, avg(user_id)::numeric(10, 3), max(ts)::timestamp(0) without time zone FROM events',
  "SELECT count(*) FROM events WHERE duration > 'Infinity'::float8 OR duration < CAST('-Infinity' AS double precision)",
  "SELECT sum((doc->>'v')::int), count(*) FILTER (WHERE (doc->>'w')::boolean) FROM kinds",
  'SELECT count(DISTINCT set_masklen(addr, 16)::cidr) FROM kinds',
  // Composite values, keywords that read as values, names.
  'SELECT (p).a, count(*), max((p).b) FROM kinds GROUP BY 1',
  "SELECT count(*) FROM kinds WHERE p = ROW(1, 'Q')::pair",
  'SELECT id, p FROM kinds WHERE (p).a = 3 ORDER BY id LIMIT 5',
  'SELECT count(*), current_user = session_user AS same FROM events',
  'SELECT "by", count(*) FROM kinds GROUP BY "by"',
  'SELECT count(*) AS "a""b" FROM events',
  'SELECT "a""b", count(*) FROM kinds GROUP BY 1',
  // String constants exactly as written.
  "SELECT count(*) FROM events WHERE tag = E'tag-1' OR tag = E'tag\\x2d2'",
  "SELECT count(*) FROM events WHERE country = U&'\\00e9' OR country = U&'!00c4land' UESCAPE '!'",
  "SELECT regexp_replace(tag, '^tag-(\\d)+$', '\\1') AS r, count(*) FROM events GROUP BY 1",
  'SELECT count(*) FROM events WHERE tag = $$tag-1$$ OR tag = $q$tag-2$q$',
  'SELECT sum(extract(epoch FROM make_interval(days => flags))) FROM events',
  'SELECT count(e.*), sum(e.flags) FROM events e WHERE e.is_bot',
  'SELECT count(single_event.*), count(*) FROM single_event',
  'TABLE single_event',
  'TABLE events ORDER BY id LIMIT 5',
  'SELECT count(*) * 1.0 / 7, sum(1.5), avg(id), count(DISTINCT score) FROM events',
  // One transaction start for every fragment, as PostgreSQL gives a query one.
  'SELECT count(DISTINCT now()), max(now()) = min(now()) AS same, count(DISTINCT current_timestamp(2)), count(DISTINCT statement_timestamp()) FROM events',
  'SELECT count(DISTINCT current_date), count(DISTINCT localtimestamp), count(DISTINCT current_time), count(DISTINCT localtime(0)) FROM events',
  'SELECT count(*) FROM events WHERE ts < now() AND day <= current_date',
  // corr, covar_*, regr_*: PostgreSQL's own transition state, combined.
  'SELECT corr(duration, ratio), covar_pop(duration, ratio), covar_samp(duration, ratio) FROM events',
  `SELECT regr_slope(duration, ratio), regr_intercept(duration, ratio), regr_count(duration, ratio), regr_r2(duration, ratio),
          regr_avgx(duration, ratio), regr_avgy(duration, ratio), regr_sxx(duration, ratio), regr_syy(duration, ratio), regr_sxy(duration, ratio)
     FROM events`,
  'SELECT country, corr(duration, flags), regr_slope(price, user_id) FROM events GROUP BY country ORDER BY country NULLS FIRST',
  'SELECT corr(duration, flags) FILTER (WHERE is_bot), covar_samp(small, flags), regr_count(score, revenue) FROM events',
  'SELECT regr_slope(duration, flags * 0), regr_r2(duration, 1), corr(1, ratio), regr_r2(1, ratio) FROM events',
  'SELECT corr(duration, ratio), regr_sxx(duration, ratio), covar_samp(duration, ratio), regr_intercept(duration, ratio) FROM single_event',
  'SELECT corr(duration, ratio), regr_count(duration, ratio), regr_avgx(duration, ratio) FROM empty_events',
  'SELECT g, regr_count(x, n), regr_avgy(x, amount), covar_pop(x, n) FROM sparse GROUP BY g ORDER BY g NULLS FIRST',
]);

/** Shapes that must not be split, with the right answer all the same. */
const notSplit: DifferentialCase[] = [
  ...sequential([
    // Nothing to divide: no table.
    "VALUES (1, 'a'), (2, NULL), (3, 'é')",
    'SELECT 1 + 1',
    // Each fragment would draw different values, or read a session of its own.
    'SELECT count(*) FROM events WHERE random() < 2',
    'SELECT count(*) FROM events WHERE pg_backend_pid() > 0',
    // Anonymous ROW values cannot travel as text to the combine: PostgreSQL cannot read them back.
    'SELECT ROW(id, country) FROM events WHERE id < 20',
  ]),
  ...notYet([
    'SELECT count(DISTINCT ROW(flags, is_bot)) FROM events',
    'SELECT DISTINCT ROW(flags % 3) FROM events',
    'SELECT count(*) FROM events e JOIN lineitem l ON l.l_partkey = e.user_id',
    'SELECT count(*) FROM events WHERE user_id IN (SELECT l_partkey FROM lineitem)',
    'WITH t AS (SELECT country FROM events) SELECT count(*) FROM t',
    'SELECT id, row_number() OVER (ORDER BY id) FROM events ORDER BY id LIMIT 5',
    'SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY duration) FROM events',
    "SELECT string_agg(DISTINCT country, ',' ORDER BY country) FROM events",
    'SELECT array_agg(DISTINCT flags) FROM events',
    'SELECT DISTINCT ON (country) country, id FROM events ORDER BY country, id',
    'SELECT country, count(*) FROM events GROUP BY ROLLUP (country) ORDER BY 1, 2',
    'SELECT generate_series(1, 3) AS g FROM single_event',
    'SELECT count(*) FROM bot_events',
    'SELECT count(*) FROM events UNION ALL SELECT count(*) FROM lineitem',
    'SELECT count(*) FROM ONLY events',
    "SELECT count(*) FROM events WHERE day < 'today'::date",
  ]),
];

export const DIFFERENTIAL_CASES: DifferentialCase[] = [
  ...aggregatesByType,
  ...aggregates,
  ...overExpressions,
  ...filters,
  ...overAggregates,
  ...grouping,
  ...having,
  ...ordering,
  ...limits,
  ...distinct,
  ...rows,
  ...predicates,
  ...tables,
  ...tpch,
  ...edges,
  ...notSplit,
];

/** The corpus's splittable cases, and how many of them the planner splits. */
export const SPLIT_SHARE = {
  splittable: DIFFERENTIAL_CASES.filter((c) => c.splittable ?? c.split !== false).length,
  split: DIFFERENTIAL_CASES.filter((c) => c.split !== false).length,
};
