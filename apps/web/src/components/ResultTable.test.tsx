import { fireEvent, render, screen } from '@testing-library/react';
import { stubFetch } from '../test/fetch-stub';
import { ErrorView } from './ErrorView';
import { ResultTable } from './ResultTable';

test('columns show their names and types; NULL is marked; numbers align right', () => {
  render(
    <ResultTable
      result={{
        columns: [
          { name: 'country', type: 'text' },
          { name: 'views', type: 'bigint' },
        ],
        rows: [[null, '42']],
        rowCount: 1,
        truncated: false,
      }}
    />,
  );
  expect(screen.getByRole('columnheader', { name: 'country text' })).toBeInTheDocument();
  expect(screen.getByRole('columnheader', { name: 'views bigint' })).toHaveClass('num');
  expect(screen.getByText('NULL')).toHaveClass('null');
  expect(screen.getByRole('cell', { name: '42' })).toHaveClass('num');
  expect(screen.getByText('1 row')).toBeInTheDocument();
});

test('a preview says how much of the result was kept', () => {
  render(<ResultTable result={{ columns: [{ name: 'id', type: 'integer' }], rows: [[1], [2]], rowCount: 12_345, truncated: true, stored: false }} />);
  expect(screen.getByText('12,345 rows — only the first 2 were kept')).toBeInTheDocument();
});

test('a page at a time: from the record while it holds the rows, then from the stored result', async () => {
  const preview = Array.from({ length: 200 }, (_, i) => [i + 1]);
  const fetchMock = stubFetch((_method, path) => {
    if (path === '/api/queries/q-1/result?offset=200&limit=100') {
      return [200, { columns: [{ name: 'id', type: 'integer' }], rows: Array.from({ length: 100 }, (_, i) => [201 + i]), rowCount: 1_000, nextCursor: 'x' }];
    }
    return undefined;
  });
  render(<ResultTable queryId="q-1" result={{ columns: [{ name: 'id', type: 'integer' }], rows: preview, rowCount: 1_000, truncated: true, stored: true }} />);
  expect(screen.getByText('rows 1–100 of 1,000')).toBeInTheDocument();
  expect(screen.getByRole('cell', { name: '100' })).toBeInTheDocument();
  fireEvent.click(screen.getByRole('button', { name: 'Next ›' }));
  expect(await screen.findByRole('cell', { name: '101' })).toBeInTheDocument();
  expect(fetchMock).not.toHaveBeenCalled();
  fireEvent.click(screen.getByRole('button', { name: 'Next ›' }));
  expect(await screen.findByRole('cell', { name: '201' })).toBeInTheDocument();
  expect(screen.getByText('rows 201–300 of 1,000')).toBeInTheDocument();
  expect(fetchMock).toHaveBeenCalledTimes(1);
});

test('an error shows its code, and a caret under its position', () => {
  render(
    <ErrorView
      error={{ code: 'SYNTAX_ERROR', message: 'syntax error at or near "AND"', position: { offset: 20, line: 2, column: 7 } }}
      sql={'SELECT 1\nWHERE AND x'}
    />,
  );
  expect(screen.getByRole('alert')).toHaveTextContent('SYNTAX_ERROR syntax error at or near "AND"');
  expect(screen.getByLabelText('line 2, column 7').textContent).toBe('WHERE AND x\n      ^');
});
