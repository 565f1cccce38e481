/** Values the combine sends as `text[]` arrive in PostgreSQL exactly as they left. */
import { useQueryPool } from './__tests__/harness';
import { queryUserSql } from './connection';
import { textArrayLiteral } from './wire';

const t = useQueryPool('wire');

test('every text survives the array literal, NULL included', async () => {
  const values = ['plain', '', 'NULL', 'a"b', 'back\\slash', '{braces}', 'comma,sep', '  spaced  ', "quote'd", 'line\nbreak', 'é ☃ 𝄞', null];
  const result = await queryUserSql(t.pool, 'SELECT u FROM unnest($1::text[]) WITH ORDINALITY AS a(u, i) ORDER BY i', [textArrayLiteral(values)]);
  expect(result.rows.map(([u]) => u)).toEqual(values);
});

test('an empty list is an empty array', async () => {
  const result = await queryUserSql(t.pool, 'SELECT cardinality($1::text[])', [textArrayLiteral([])]);
  expect(result.rows).toEqual([['0']]);
});
