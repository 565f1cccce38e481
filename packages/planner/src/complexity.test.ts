/**
 * Any SQL up to the API's length limit gets a plan or a rejection, never a stack overflow: the
 * planner measures how deeply a query nests before it recurses into it, and a query deeper than
 * it splits runs as written, where PostgreSQL is the judge.
 */
import { parseQuery } from './parse';

/** The API's default MAX_SQL_LENGTH. */
const LIMIT = 100_000;

/** `piece(i)` joined by `separator` until the text would pass `LIMIT` characters with `prefix` and `suffix`. */
function upTo(prefix: string, piece: (i: number) => string, separator: string, suffix = ''): string {
  const parts: string[] = [];
  let length = prefix.length + suffix.length;
  for (let i = 0; ; i++) {
    const next = piece(i);
    if (length + next.length + separator.length > LIMIT) break;
    parts.push(next);
    length += next.length + separator.length;
  }
  return prefix + parts.join(separator) + suffix;
}

/** `open` n times, the core, `close` n times: as deep as LIMIT allows. */
function nested(prefix: string, open: string, core: string, close: string): string {
  const n = Math.floor((LIMIT - prefix.length - core.length) / (open.length + close.length));
  return prefix + open.repeat(n) + core + close.repeat(n);
}

const SHAPES: [string, string][] = [
  ['a long OR chain', upTo('SELECT count(*) FROM events WHERE ', (i) => `id = ${i}`, ' OR ')],
  ['a long AND chain', upTo('SELECT count(*) FROM events WHERE ', (i) => `id <> ${i}`, ' AND ')],
  ['a long sum', upTo('SELECT ', () => '1', ' + ', ' AS n FROM events')],
  ['a long concatenation', upTo('SELECT ', () => "'a'", ' || ', ' AS s FROM events')],
  ['a long IN list', upTo('SELECT count(*) FROM events WHERE id IN (', (i) => String(i), ', ', ')')],
  ['nested parentheses', nested('SELECT ', '(', '1', ')')],
  ['nested function calls', nested('SELECT ', 'abs(', '1', ')')],
  ['nested CASE', nested('SELECT ', 'CASE WHEN true THEN ', '1', ' END')],
  ['nested subqueries', nested('SELECT ', '(SELECT ', '1', ')')],
  ['NOT after NOT', nested('SELECT count(*) FROM events WHERE ', 'NOT ', 'true', '')],
  ['minus after minus', nested('SELECT ', '- ', '1', '')],
  ['a long aggregate sum', upTo('SELECT ', (i) => `sum(id + ${i})`, ' + ', ' FROM events')],
];

test.each(SHAPES)('%s at the length limit is planned or rejected, never a stack overflow', (_, sql) => {
  expect(sql.length).toBeLessThanOrEqual(LIMIT);
  expect(sql.length).toBeGreaterThan(LIMIT - 100);
  let outcome: string;
  try {
    const parsed = parseQuery(sql);
    outcome = parsed.query ? 'split' : `as written: ${parsed.notSplittable}`;
  } catch (error) {
    outcome = `${(error as Error).name}: ${(error as Error).message}`.slice(0, 200);
  }
  expect(outcome).not.toMatch(/RangeError|call stack/);
});
