import type { QueryRecord } from '@pgfan/contracts';
import { formatRecord } from './format';

const base: QueryRecord = {
  sql: 'SELECT country, count(*) FROM events GROUP BY 1',
  status: 'completed',
  plan: { mode: 'fan-out', reason: '4 partitions requested', partitions: 4, strategy: 'page-range', table: 'public.events', fragments: [], combineSql: null },
  result: {
    columns: [
      { name: 'country', type: 'text' },
      { name: 'count', type: 'bigint' },
    ],
    rows: [
      ['US', '680'],
      [null, '12'],
    ],
    rowCount: 2,
    truncated: false,
  },
  error: null,
  timings: { totalMs: 12.34, planMs: 2.2, executeMs: 8.9, combineMs: 1.24 },
};

test('a result prints as a table with a summary line', () => {
  expect(formatRecord(base)).toBe(
    [
      ' country | count ',
      '---------+-------',
      ' US      |   680 ',
      ' NULL    |    12 ',
      '(2 rows)',
      'fan-out · 4 fragments over page ranges of public.events · 12 ms (plan 2.2, fragments 8.9, combine 1.2)',
    ].join('\n'),
  );
});

test('an error prints with a caret under its position', () => {
  const failed: QueryRecord = {
    ...base,
    sql: 'SELECT count(*)\nFROM events\nWHERE flags >> AND 1',
    status: 'failed',
    plan: null,
    result: null,
    error: { code: 'SYNTAX_ERROR', message: 'syntax error at or near "AND"', position: { offset: 43, line: 3, column: 16 } },
  };
  expect(formatRecord(failed)).toBe(
    ['error [SYNTAX_ERROR]: syntax error at or near "AND"', '  line 3: WHERE flags >> AND 1', '                         ^', '12 ms'].join('\n'),
  );
});

test('a plan that runs the query as written says why', () => {
  const asWritten: QueryRecord = {
    ...base,
    plan: { ...base.plan!, mode: 'as-written', reason: 'joins are not split yet', strategy: 'none', table: null, partitions: 1 },
  };
  expect(formatRecord(asWritten).split('\n').at(-1)).toBe('as written: joins are not split yet · 12 ms');
});
