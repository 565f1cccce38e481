import { forParser, joinTokens, newOriginals, readTypeName } from './corrections';
import { tokenize } from './lexer';

const corrected = (sql: string) => {
  const originals = newOriginals();
  return { text: forParser(sql, tokenize(sql), originals), originals };
};

test('unquoted names fold to lower case, as PostgreSQL folds them (ASCII letters only); the rest stays as written', () => {
  expect(corrected(`SELECT Sum(X) AS Total, "Mixed", ÄBC FROM Events -- Comment`).text).toBe(
    `select __pgfan_agg_sum(count(x)) as total, "Mixed", Äbc from events`,
  );
});

test('every string constant becomes a numbered placeholder; the original token is kept', () => {
  const { text, originals } = corrected(`SELECT 'a', E'b\\'c', $$d$$, U&'!00e9' UESCAPE '!' FROM t`);
  expect(text).toBe(`select '__pgfan_s0', '__pgfan_s1', '__pgfan_s2', '__pgfan_s3' from t`);
  expect(originals.strings).toEqual([`'a'`, `E'b\\'c'`, '$$d$$', `U&'!00e9' UESCAPE '!'`]);
});

test("a cast's type becomes a placeholder type; the type is kept as written", () => {
  const { text, originals } = corrected('SELECT a::float8, CAST(b AS double precision[]), c::interval day to second(3) FROM t');
  expect(text).toBe('select a::numeric(0), cast(b as numeric(1)), c::numeric(2) from t');
  expect(originals.types).toEqual(['float8', 'double precision[]', 'interval day to second(3)']);
});

test('operators node-sql-parser lacks become markers between ||, prefix ones before one', () => {
  expect(corrected('SELECT a # b, |/ c, - d, e IS NOT DISTINCT FROM f FROM t').text).toBe(
    'select a || "__pgfan_op #" || b, "__pgfan_prefix |/" || c, - d, e || "__pgfan_op IS NOT DISTINCT FROM" || f from t',
  );
});

test.each([
  ['int', 'int'],
  ['double precision', 'double precision'],
  ['character varying(10)', 'character varying(10)'],
  ['numeric(12, 2)[][]', 'numeric(12, 2)[][]'],
  ['timestamp(3) without time zone', 'timestamp(3) without time zone'],
  ['interval hour to minute', 'interval hour to minute'],
  ['public . "My Type" array[4]', 'public."My Type" array[4]'],
])('reads the type name %s', (type, joined) => {
  const tokens = tokenize(`${type} AS x`);
  const end = readTypeName(tokens, 0);
  expect(end).toBe(tokens.length - 2);
  expect(joinTokens(tokens.slice(0, end ?? 0))).toBe(joined);
});
