import { render, screen, within } from '@testing-library/react';
import { completedQuery, runningQuery } from '../test/records';
import { Pipeline, stagesOf } from './Pipeline';

test('a running query: fragments active, combine and result still to come', () => {
  const view = runningQuery({ fragments: runningQuery().fragments.map((f, i) => (i === 0 ? { ...f, state: 'running', worker: 'w2' } : f)) });
  expect(stagesOf(view).map((s) => [s.name, s.state])).toEqual([
    ['Plan', 'done'],
    ['Queue', 'done'],
    ['Fragments', 'active'],
    ['Combine', 'pending'],
    ['Result', 'pending'],
  ]);
  render(<Pipeline view={view} />);
  const first = screen.getByRole('listitem', { name: 'fragment 1: running' });
  expect(within(first).getByText('w2')).toBeInTheDocument();
  expect(screen.getByRole('listitem', { name: 'fragment 2: waiting' })).toBeInTheDocument();
});

test('a completed query: every stage done, with timings; each fragment with its worker, rows and time', () => {
  render(<Pipeline view={completedQuery()} />);
  expect(stagesOf(completedQuery()).map((s) => s.state)).toEqual(['done', 'done', 'done', 'done', 'done']);
  expect(screen.getByText('Completed')).toBeInTheDocument();
  expect(screen.getByText('50 ms')).toBeInTheDocument();
  const second = screen.getByRole('listitem', { name: 'fragment 2: done' });
  expect(within(second).getByText('w2')).toBeInTheDocument();
  expect(within(second).getByText('13 ms')).toBeInTheDocument();
});

test('a failed query marks where it stopped', () => {
  const failed = { ...runningQuery(), status: 'failed' as const, fragments: runningQuery().fragments.map((f) => ({ ...f, state: 'failed' as const })) };
  expect(
    stagesOf(failed)
      .map((s) => [s.name, s.state])
      .slice(2),
  ).toEqual([
    ['Fragments', 'failed'],
    ['Combine', 'pending'],
    ['Failed', 'failed'],
  ]);
});
