/**
 * SQL as long or as deeply nested as a length limit allows, in the shapes that exhaust a
 * recursive parser or planner: long operator chains (a parser builds them as trees as deep as
 * they are long), long lists, and nesting of every kind.
 */

/** `piece(i)` joined by `separator` until the text would pass `limit` characters with `prefix` and `suffix`. */
function chain(limit: number, prefix: string, piece: (i: number) => string, separator: string, suffix = ''): string {
  const parts: string[] = [];
  let length = prefix.length + suffix.length;
  for (let i = 0; ; i++) {
    const next = piece(i);
    if (length + next.length + separator.length > limit) break;
    parts.push(next);
    length += next.length + separator.length;
  }
  return prefix + parts.join(separator) + suffix;
}

/** `open` n times, `core`, `close` n times, with n as large as `limit` allows. */
function nest(limit: number, prefix: string, open: string, core: string, close: string): string {
  const n = Math.floor((limit - prefix.length - core.length) / (open.length + close.length));
  return prefix + open.repeat(n) + core + close.repeat(n);
}

/** Named queries of the fixture table `events`, each within `limit` characters and within 100 of it. */
export function deepQueries(limit: number): [string, string][] {
  return [
    ['a long OR chain', chain(limit, 'SELECT count(*) FROM events WHERE ', (i) => `id = ${i}`, ' OR ')],
    ['a long AND chain', chain(limit, 'SELECT count(*) FROM events WHERE ', (i) => `id <> ${i}`, ' AND ')],
    ['a long sum', chain(limit, 'SELECT ', () => '1', ' + ', ' AS n FROM events')],
    ['a long concatenation', chain(limit, 'SELECT ', () => "'a'", ' || ', ' AS s FROM single_event')],
    ['a long IN list', chain(limit, 'SELECT count(*) FROM events WHERE id IN (', (i) => String(i), ', ', ')')],
    ['a long sum of aggregates', chain(limit, 'SELECT ', (i) => `sum(id + ${i})`, ' + ', ' FROM events')],
    ['nested parentheses', nest(limit, 'SELECT ', '(', '1', ')')],
    ['nested function calls', nest(limit, 'SELECT ', 'abs(', '1', ')')],
    ['nested CASE', nest(limit, 'SELECT ', 'CASE WHEN true THEN ', '1', ' END')],
    ['nested subqueries', nest(limit, 'SELECT ', '(SELECT ', '1', ')')],
    ['NOT after NOT', nest(limit, 'SELECT count(*) FROM events WHERE ', 'NOT ', 'true', '')],
    ['minus after minus', nest(limit, 'SELECT ', '- ', '1', '')],
  ];
}
