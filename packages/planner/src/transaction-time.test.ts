import { parseQuery } from './parse';
import { printSelect } from './print';
import { pinTransactionTime, readsTransactionTime } from './transaction-time';

const AT = '2026-12-05 14:40:33.123456+00';
const T = `CAST('${AT}' AS timestamp with time zone)`;
const query = (sql: string) => {
  const q = parseQuery(sql).query;
  if (!q) throw new Error(`not read: ${sql}`);
  return q;
};
const pinned = (sql: string) => printSelect(pinTransactionTime(query(sql), AT));

test.each([
  ['now()', T],
  ['transaction_timestamp()', T],
  ['statement_timestamp()', T],
  ['current_timestamp', T],
  ['current_timestamp(3)', `CAST(${T} AS timestamp(3) with time zone)`],
  ['current_date', `CAST(${T} AS date)`],
  ['localtimestamp', `CAST(${T} AS timestamp without time zone)`],
  ['current_time', `CAST(${T} AS time with time zone)`],
  ['localtime(0)', `CAST(${T} AS time(0) without time zone)`],
])('%s reads the one pinned start of the transaction', (call, replacement) => {
  expect(readsTransactionTime(query(`SELECT count(*) FROM t WHERE ts < ${call}`))).toBe(true);
  expect(pinned(`SELECT count(*) FROM t WHERE ts < ${call}`)).toBe(`SELECT count(*) FROM "t" WHERE ("ts" < ${replacement})`);
});

test('everywhere in the query: outputs, grouping, HAVING, ORDER BY', () => {
  expect(pinned("SELECT date_trunc('day', now()) AS d, count(*) FROM t GROUP BY 1, now() HAVING max(ts) < now() ORDER BY now()")).toBe(
    `SELECT date_trunc('day', ${T}) AS "d", count(*) FROM "t" GROUP BY 1, ${T} HAVING (max("ts") < ${T}) ORDER BY ${T}`,
  );
});

test('a query that reads no time needs none', () => {
  expect(readsTransactionTime(query("SELECT count(*) FROM t WHERE ts < date_trunc('day', ts)"))).toBe(false);
  expect(() => pinTransactionTime(query('SELECT count(*) FROM t'), undefined)).not.toThrow();
});

test.each([
  ['SELECT now() FROM t', undefined, 'now reads the time the transaction started, which would differ between fragments'],
  ['SELECT pg_backend_pid() FROM t', AT, 'pg_backend_pid() reads its session, which differs between fragments'],
  ['SELECT inet_client_addr() FROM t', AT, 'inet_client_addr() reads its session, which differs between fragments'],
  ['SELECT age(ts) FROM t', AT, 'age() reads its session, which differs between fragments'],
  ["SELECT count(*) FROM t WHERE day < 'today'::date", AT, "'today' may be read as the time the transaction started, which would differ between fragments"],
])('%s is not split', (sql, at, reason) => {
  expect(() => pinTransactionTime(query(sql), at)).toThrow(reason);
});

test('age with two arguments reads no clock', () => {
  expect(pinned('SELECT age(a, b) FROM t')).toBe('SELECT age("a", "b") FROM "t"');
});

test('the pinned time must be the unambiguous form the engine gives', () => {
  expect(() => pinTransactionTime(query('SELECT now() FROM t'), "2026-12-05'; DROP TABLE t; --")).toThrow('a transaction time must read');
});
