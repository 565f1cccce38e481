/**
 * What the benchmark runs: the query shapes the issue names, over the demo table's columns
 * (`npm run seed`), each with an ORDER BY that decides every row so results can be compared.
 */
export interface BenchQuery {
  name: string;
  /** What the shape stands for. */
  about: string;
  sql: (table: string) => string;
}

export const BENCH_QUERIES: readonly BenchQuery[] = [
  { name: 'count', about: 'COUNT(*)', sql: (t) => `SELECT count(*) FROM ${t}` },
  {
    name: 'sum-filter',
    about: 'SUM with a filter',
    sql: (t) => `SELECT sum(revenue), count(*) FROM ${t} WHERE device = 'mobile' AND duration_ms > 60000`,
  },
  {
    name: 'q1-groupby',
    about: 'low-cardinality GROUP BY (TPC-H Q1 shape)',
    sql: (t) =>
      `SELECT country, device, count(*), sum(revenue), avg(duration_ms), min(ts), max(ts) FROM ${t} WHERE NOT is_bot GROUP BY country, device ORDER BY country, device`,
  },
  {
    name: 'high-card-groupby',
    about: 'high-cardinality GROUP BY … ORDER BY count DESC LIMIT 10',
    sql: (t) => `SELECT user_id, count(*) FROM ${t} GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 10`,
  },
  { name: 'count-distinct', about: 'COUNT(DISTINCT)', sql: (t) => `SELECT count(DISTINCT user_id) FROM ${t}` },
  { name: 'top-n', about: 'top-N rows', sql: (t) => `SELECT id, user_id, duration_ms FROM ${t} ORDER BY duration_ms DESC, id LIMIT 20` },
  { name: 'selective', about: 'a selective filter', sql: (t) => `SELECT count(*), sum(duration_ms) FROM ${t} WHERE user_id = 4242` },
];

/** The reference system's headline query, for throughput. */
export const HEADLINE = (table: string) => `SELECT count(*) FROM ${table}`;

/**
 * What a PostgreSQL expert writes instead of `SELECT count(DISTINCT x) FROM t`: a DISTINCT
 * subquery, which PostgreSQL 15+ runs in parallel (`count(x)`, not `count(*)`: DISTINCT keeps one
 * NULL, which count(DISTINCT x) does not count). Null for any other query.
 */
export function distinctRewrite(sql: string): string | null {
  const match = /^SELECT count\(DISTINCT (\w+)\) FROM (\w+)$/i.exec(sql.trim());
  return match ? `SELECT count(${match[1]}) FROM (SELECT DISTINCT ${match[1]} FROM ${match[2]}) AS d` : null;
}
