import type { PlanRecord } from '@pgfan/contracts';
import { render, screen } from '@testing-library/react';
import { PlanView } from './PlanView';

const plan: PlanRecord = {
  mode: 'fan-out',
  reason: 'predicted 234 ms in 2 fragments, 344 ms as written',
  partitions: 2,
  strategy: 'page-range',
  table: 'public.events',
  fragments: [
    { index: 0, sql: 'SELECT count(*) FROM events WHERE ctid < $1', params: ['(5000,0)'], range: { fromPage: 0, toPage: 5000 } },
    { index: 1, sql: 'SELECT count(*) FROM events WHERE ctid >= $1', params: ['(5000,0)'], range: { fromPage: 5000, toPage: null } },
  ],
  combineSql: 'SELECT sum(c) FROM partials',
  prediction: { asWrittenMs: 344, fanOutMs: 234 },
};

test("the cost model's prediction is shown beside the time the query took", () => {
  render(<PlanView plan={plan} totalMs={253} />);
  expect(screen.getByText(/^Predicted/)).toHaveTextContent('Predicted 234 ms (344 ms as written) · took 253 ms');
});

test('a query run as written shows one prediction; a running one, no actual time yet', () => {
  render(<PlanView plan={{ ...plan, mode: 'as-written', prediction: { asWrittenMs: 3.4, fanOutMs: null } }} />);
  expect(screen.getByText(/^Predicted/).textContent).toBe('Predicted 3.4 ms');
});

test('records from before the cost model have no prediction line', () => {
  const { prediction: _, ...older } = plan;
  render(<PlanView plan={older} totalMs={10} />);
  expect(screen.queryByText(/^Predicted/)).toBeNull();
});
