/** Example queries over the demo table `events` (npm run seed). */
export interface Example {
  label: string;
  sql: string;
}

export const EXAMPLES: Example[] = [
  {
    label: 'Views and time on page by country',
    sql: 'SELECT country, count(*) AS views, round(avg(duration_ms)) AS avg_ms\nFROM events\nGROUP BY country\nORDER BY views DESC',
  },
  {
    label: 'Revenue by device',
    sql: 'SELECT device, sum(revenue) AS revenue, count(*) FILTER (WHERE revenue > 0) AS purchases\nFROM events\nWHERE NOT is_bot\nGROUP BY device\nORDER BY revenue DESC NULLS LAST',
  },
  { label: 'Unique visitors per page', sql: 'SELECT path, count(DISTINCT user_id) AS visitors\nFROM events\nGROUP BY path\nORDER BY visitors DESC' },
  {
    label: 'Daily traffic',
    sql: "SELECT date_trunc('day', ts) AS day, count(*) AS views, sum(revenue) AS revenue\nFROM events\nGROUP BY 1\nORDER BY 1\nLIMIT 14",
  },
  { label: 'Slowest page views', sql: 'SELECT id, path, browser, duration_ms\nFROM events\nORDER BY duration_ms DESC, id\nLIMIT 20' },
  {
    label: 'Spread of time on page (stddev)',
    sql: 'SELECT browser, stddev(duration_ms) AS stddev_ms, variance(duration_ms) AS variance\nFROM events\nGROUP BY browser\nORDER BY browser',
  },
  {
    label: 'Bot share (window function: runs as written)',
    sql: 'SELECT is_bot, count(*) AS views,\n       round(100.0 * count(*) / sum(count(*)) OVER (), 2) AS percent\nFROM events\nGROUP BY is_bot',
  },
];
