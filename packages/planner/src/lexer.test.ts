import { QueryRejectedError } from './errors';
import { tokenize } from './lexer';

const kinds = (sql: string) => tokenize(sql).map((t) => `${t.kind}:${t.text}`);

describe('tokenize', () => {
  test('reads identifiers, quoted identifiers, numbers, operators', () => {
    expect(kinds('SELECT "My Col", x1$ FROM t WHERE a::int >= 1.5e3')).toEqual([
      'ident:SELECT',
      'quoted-ident:"My Col"',
      'op:,',
      'ident:x1$',
      'ident:FROM',
      'ident:t',
      'ident:WHERE',
      'ident:a',
      'op:::',
      'ident:int',
      'op:>=',
      'number:1.5e3',
    ]);
  });

  test("splits operators as scan.l does: a trailing + or - is its own operator, unless the operator could not be SQL's", () => {
    expect(kinds('2*-3 a<=-b x?-y p@-q m|/n')).toEqual([
      'number:2',
      'op:*',
      'op:-',
      'number:3',
      'ident:a',
      'op:<=',
      'op:-',
      'ident:b',
      'ident:x',
      'op:?-',
      'ident:y',
      'ident:p',
      'op:@-',
      'ident:q',
      'ident:m',
      'op:|/',
      'ident:n',
    ]);
  });

  test('reads every string form as one token', () => {
    expect(kinds(`'it''s' E'a\\'b' $$x;y$$ $tag$ $$ ; $tag$ B'101' X'1F' U&'d\\0061t'`)).toEqual([
      "string:'it''s'",
      "string:E'a\\'b'",
      'string:$$x;y$$',
      'string:$tag$ $$ ; $tag$',
      "string:B'101'",
      "string:X'1F'",
      "string:U&'d\\0061t'",
    ]);
  });

  test('skips nested block comments and line comments', () => {
    expect(kinds('SELECT /* a /* b */ ; */ 1 -- ; DROP\n;')).toEqual(['ident:SELECT', 'number:1', 'op:;']);
  });

  test('tells parameters from dollar quotes', () => {
    expect(kinds('$1 + $2')).toEqual(['param:$1', 'op:+', 'param:$2']);
  });

  test.each([
    ["SELECT 'abc", 'unterminated quoted string at or near "\'abc"', 7],
    ['SELECT "abc', 'unterminated quoted identifier at or near ""abc"', 7],
    ['SELECT 1 /* /* */', 'unterminated /* comment at or near "/* /* */"', 9],
    ['SELECT $x$ abc', 'unterminated dollar-quoted string at or near "$x$ abc"', 7],
  ])('rejects %s with a position', (sql, message, offset) => {
    expect(() => tokenize(sql)).toThrow(message);
    try {
      tokenize(sql);
    } catch (error) {
      expect(error).toBeInstanceOf(QueryRejectedError);
      expect((error as QueryRejectedError).code).toBe('SYNTAX_ERROR');
      expect((error as QueryRejectedError).position?.offset).toBe(offset);
    }
  });
});
