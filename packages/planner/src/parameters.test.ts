import { bindParameters } from './parameters';

test('each $n becomes its value as a typed constant, NULL included', () => {
  expect(bindParameters('SELECT count(*) FROM events WHERE country = $1 AND flags > $2', ['de', '3'], ['text', 'integer'])).toBe(
    "SELECT count(*) FROM events WHERE country = ('de'::text) AND flags > ('3'::integer)",
  );
  expect(bindParameters('SELECT $1 IS NULL', [null], ['bigint'])).toBe('SELECT (NULL::bigint) IS NULL');
  expect(bindParameters('SELECT $2, $1, $2', ['a', 'b'], ['text', 'text'])).toBe("SELECT ('b'::text), ('a'::text), ('b'::text)");
});

test('quotes in values are doubled; $n in strings, names and comments is left alone', () => {
  expect(bindParameters('SELECT \'$1\', "$1", $1 -- $1\n/* $1 */', ["it's"], ['text'])).toBe("SELECT '$1', \"$1\", ('it''s'::text) -- $1\n/* $1 */");
  expect(bindParameters('SELECT $$ $1 $$, $1', ['x'], ['character varying'])).toBe("SELECT $$ $1 $$, ('x'::character varying)");
});

test('a parameter without a value or a type, or a value PostgreSQL cannot hold in text, binds nothing', () => {
  expect(bindParameters('SELECT $2', ['a'], ['text'])).toBeNull();
  expect(bindParameters('SELECT $1', ['a'], [])).toBeNull();
  expect(bindParameters('SELECT $1', ['a\0b'], ['text'])).toBeNull();
});
