import { render, screen } from '@testing-library/react';
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

test('a truncated result says how much is shown', () => {
  render(<ResultTable result={{ columns: [{ name: 'id', type: 'integer' }], rows: [[1], [2]], rowCount: 12_345, truncated: true }} />);
  expect(screen.getByText('12,345 rows — showing the first 2')).toBeInTheDocument();
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
