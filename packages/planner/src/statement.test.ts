import { rejectionBy } from './__tests__/helpers';
import { parseQuery } from './parse';
import { checkSingleReadOnlySelect, statementText } from './statement';

function rejection(sql: string): { code: string; message: string; offset?: number } {
  const error = rejectionBy(() => checkSingleReadOnlySelect(sql), sql);
  return { code: error.code, message: error.message, offset: error.position?.offset };
}

describe('checkSingleReadOnlySelect', () => {
  test.each([
    'INSERT INTO t VALUES (1)',
    'update t SET a = 1',
    'DELETE FROM t',
    'MERGE INTO t USING u ON true WHEN MATCHED THEN DELETE',
    'CREATE TABLE x (a int)',
    'DROP TABLE t',
    'ALTER TABLE t ADD COLUMN b int',
    'TRUNCATE t',
    "COPY t TO '/tmp/x'",
    'SET statement_timeout = 0',
    'CALL p()',
    'DO $$ BEGIN PERFORM 1; END $$',
    'GRANT SELECT ON t TO public',
    'VACUUM t',
    'BEGIN',
    'LOCK TABLE t',
  ])('refuses %s as NOT_READ_ONLY', (sql) => {
    expect(rejection(sql)).toMatchObject({ code: 'NOT_READ_ONLY', offset: 0 });
  });

  test.each([
    ['SELECT a INTO new_table FROM t', 'SELECT … INTO creates a table'],
    ['SELECT * FROM t FOR UPDATE', 'FOR UPDATE/SHARE locks rows'],
    ['SELECT * FROM t FOR NO KEY UPDATE', 'FOR UPDATE/SHARE locks rows'],
    ['SELECT * FROM t FOR SHARE', 'FOR UPDATE/SHARE locks rows'],
    ['SELECT * FROM t FOR KEY SHARE', 'FOR UPDATE/SHARE locks rows'],
    ['WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d', 'DELETE inside a query'],
    ['WITH i AS (INSERT INTO t VALUES (1) RETURNING *) SELECT 1', 'INSERT inside a query'],
    ['with u as (update t set a = 1 returning a) select * from u', 'UPDATE inside a query'],
  ])('refuses %s', (sql, message) => {
    const r = rejection(sql);
    expect(r.code).toBe('NOT_READ_ONLY');
    expect(r.message).toContain(message);
  });

  test.each(['EXPLAIN SELECT 1', 'SHOW work_mem'])('refuses %s as UNSUPPORTED_STATEMENT', (sql) => {
    expect(rejection(sql).code).toBe('UNSUPPORTED_STATEMENT');
  });

  test('refuses several statements, pointing at the second', () => {
    expect(rejection('SELECT 1; DROP TABLE t')).toMatchObject({ code: 'MULTIPLE_STATEMENTS', offset: 10 });
    expect(rejection('SELECT 1;SELECT 2;').code).toBe('MULTIPLE_STATEMENTS');
  });

  test.each(['', '   ', '-- nothing\n', '/* nothing */', ';', ' ; ; '])('refuses %j as EMPTY_QUERY', (sql) => {
    expect(rejection(sql).code).toBe('EMPTY_QUERY');
  });

  test('refuses unbalanced parentheses, which could escape a wrapping query', () => {
    expect(rejection('SELECT 1) AS q, pg_sleep(10) AS (x')).toMatchObject({ code: 'SYNTAX_ERROR', offset: 8 });
    expect(rejection('SELECT (1').code).toBe('SYNTAX_ERROR');
  });

  test('refuses statements that do not start like a query', () => {
    expect(rejection('FOO BAR')).toMatchObject({ code: 'SYNTAX_ERROR', message: 'syntax error at or near "FOO": expected a SELECT query' });
  });

  test.each([
    "SELECT ';DROP TABLE x' AS s",
    "SELECT 'INSERT INTO t' FROM t",
    'SELECT "update" FROM t',
    'SELECT 1; -- trailing comment',
    'SELECT 1;;',
    '(SELECT 1)',
    'SELECT $$ ; DELETE FROM t $$',
    'SELECT substring(a FOR 2) FROM t',
    'WITH x AS (SELECT 1) SELECT * FROM x',
    'SELECT /* ; DROP TABLE t; */ 1',
  ])('accepts the harmless look-alike %s', (sql) => {
    expect(() => checkSingleReadOnlySelect(sql)).not.toThrow();
  });

  test('reports where the statement ends, before a trailing semicolon', () => {
    expect(checkSingleReadOnlySelect('SELECT 1 ; -- done').end).toBe(8);
  });
});

describe('parameters', () => {
  test.each([
    ['SELECT count(*) FROM t WHERE $1 = 1', '$1', 29],
    ['SELECT $2::int', '$2', 7],
  ])('%s has no value for %s: refused as PostgreSQL refuses it, with the position', (sql, param, offset) => {
    expect(rejection(sql)).toEqual({ code: 'INVALID_QUERY', message: `there is no parameter ${param}`, offset });
  });

  test.each(["SELECT '$1' AS text", 'SELECT $$ $1 $$ AS dollar', 'SELECT 1 AS "$1"'])('%s is no parameter', (sql) => {
    expect(() => checkSingleReadOnlySelect(sql)).not.toThrow();
  });
});

test.each(["VALUES (1, 'a'), (2, NULL)", 'TABLE t', '(VALUES (1)) ORDER BY 1', 'values (1) limit 1'])('%s is a read-only query, accepted', (sql) => {
  expect(() => checkSingleReadOnlySelect(sql)).not.toThrow();
});

test("a statement's text, as its plan carries it: what follows its end left out, anything else as sent", () => {
  const sql = 'SELECT count(*)  FROM events';
  for (const sent of [sql, `${sql};`, `${sql} ; `, `${sql}\n-- a comment\n`, `${sql} /* c */;`]) {
    expect(statementText(sent)).toBe(sql);
    expect(parseQuery(sent).sql).toBe(sql);
  }
  // Not one statement: as sent (planning refuses it, and it teaches nothing).
  for (const sent of ['SELECT 1; SELECT 2', '', ';', "SELECT 'unterminated"]) expect(statementText(sent)).toBe(sent);
});
