import { clickBenchQueries, sameAnswer, type ClickBenchQuery } from './clickbench';

test("ClickBench's 43 queries, on the bench's table, with HAVING thresholds scaled from its 100M rows", () => {
  const queries = clickBenchQueries('bench_hits_1m', 1_000_000);
  expect(queries.map((q) => q.number)).toEqual([...Array(43).keys()]);
  expect(queries[0]!.sql).toBe('SELECT COUNT(*) FROM bench_hits_1m');
  expect(queries.every((q) => !/\bhits\b/.test(q.sql) && !q.sql.endsWith(';'))).toBe(true);
  expect(queries.filter((q) => q.sql.includes('HAVING')).map((q) => /HAVING COUNT\(\*\) > (\d+)/.exec(q.sql)?.[1])).toEqual(['1000', '1000']);
  expect(clickBenchQueries('t', 3000)[27]!.sql).toContain('HAVING COUNT(*) > 3 ');
  // Ties are declared only where an ORDER BY or a LIMIT can leave them (keys past a row throw: see below).
  expect(queries.filter((q) => q.tiedKeys).every((q) => /ORDER BY|LIMIT/.test(q.sql))).toBe(true);
  expect(queries[17]).toMatchObject({ tiedKeys: [] });
  expect(queries[24]!.tiedKeys).toBeUndefined();
  // Every other ORDER BY decides its rows: by EventTime (unique in the generated table), by the only
  // column returned (tied rows are equal), or by the group key. A new one must be placed on one side.
  const decided = [23, 24, 25, 26, 42];
  expect(queries.filter((q) => /ORDER BY/.test(q.sql) && !q.tiedKeys).map((q) => q.number)).toEqual(decided);
});

describe('sameAnswer: an answer PostgreSQL could have given', () => {
  const query = (sql: string, tiedKeys?: number[]): ClickBenchQuery => ({ number: 0, sql, ...(tiedKeys ? { tiedKeys } : {}) });
  /** Rows written as lines of space-separated values: `rows('a 5', 'b 3')`. */
  const rows = (...lines: string[]) => lines.map((line) => line.split(' '));

  test('a decided order must match row for row; floats within 1e-9 relative', () => {
    const q = query('SELECT a, b FROM t ORDER BY a');
    expect(sameAnswer(q, rows('1 x', '2 y'), rows('1 x', '2 y'))).toBe(true);
    expect(sameAnswer(q, rows('1 x', '2 y'), rows('2 y', '1 x'))).toBe(false);
    expect(sameAnswer(q, rows('1 0.1'), rows('1 0.10000000000000001'))).toBe(true);
    expect(sameAnswer(q, rows('1 0.1'), rows('1 0.1001'))).toBe(false);
    expect(sameAnswer(q, rows('1 x'), [])).toBe(false);
  });

  test('rows tied on the ORDER BY may come in any order, but must be the same rows', () => {
    const q = query('SELECT k, c FROM t GROUP BY k ORDER BY c DESC', [1]);
    const expected = rows('a 5', 'b 3', 'c 3', 'd 1');
    expect(sameAnswer(q, expected, rows('a 5', 'c 3', 'b 3', 'd 1'))).toBe(true);
    expect(sameAnswer(q, expected, rows('a 5', 'c 3', 'e 3', 'd 1'))).toBe(false);
    expect(sameAnswer(q, expected, rows('a 5', 'b 3', 'd 1', 'c 3'))).toBe(false);
  });

  test('a tie cut by the LIMIT may keep other tied rows; one cut by OFFSET too; keys must still match', () => {
    const limited = query('SELECT k, c FROM t GROUP BY k ORDER BY c DESC LIMIT 3', [1]);
    const expected = rows('a 5', 'b 3', 'c 3');
    expect(sameAnswer(limited, expected, rows('a 5', 'b 3', 'z 3'))).toBe(true);
    expect(sameAnswer(limited, expected, rows('z 5', 'b 3', 'c 3'))).toBe(false);
    expect(sameAnswer(limited, expected, rows('a 5', 'b 3', 'c 2'))).toBe(false);
    const offset = query('SELECT k, c FROM t GROUP BY k ORDER BY c DESC LIMIT 3 OFFSET 1', [1]);
    expect(sameAnswer(offset, expected, rows('z 5', 'b 3', 'y 3'))).toBe(true);
    // Without an ORDER BY, any rows of the right count and width.
    expect(sameAnswer(query('SELECT k FROM t LIMIT 2', []), rows('a', 'b'), rows('x', 'y'))).toBe(true);
    expect(sameAnswer(query('SELECT k FROM t LIMIT 2', []), rows('a', 'b'), rows('x'))).toBe(false);
    expect(sameAnswer(query('SELECT k FROM t LIMIT 2', []), rows('a', 'b'), rows('x 1', 'y 2'))).toBe(false);
  });

  test('a tied key past the rows is a mistake in the table of keys, not a pass', () => {
    expect(() => sameAnswer(query('SELECT k, c FROM t ORDER BY c LIMIT 2', [2]), rows('a 5', 'b 3'), rows('x 5', 'y 3'))).toThrow(
      'Q0: a tied key past its 2 columns',
    );
  });
});
