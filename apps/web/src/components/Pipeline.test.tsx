import { render, screen, within } from '@testing-library/react';
import { completedQuery, runningQuery } from '../test/records';
import { lanesOf, Pipeline, stagesOf } from './Pipeline';

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

test('spread over two replicas: a lane per server, and the cut it read', () => {
  const base = completedQuery();
  const servers = ['10.0.0.2:5432', '10.0.0.3:5432'];
  const view = {
    ...base,
    fragments: base.fragments.map((f, i) => ({ ...f, server: servers[i % 2] })),
    plan: { ...base.plan!, cut: { lsn: '0/3000060', servers, guarantee: 'equal-replay-position' as const, ms: 12, attempts: 1, shared: false } },
  };
  render(<Pipeline view={view} />);
  for (const server of servers) expect(within(screen.getByRole('region', { name: `server ${server}` })).getAllByRole('listitem').length).toBeGreaterThan(0);
  expect(screen.getByText('Read 2 replicas at one exact cut, up to WAL position 0/3000060 (cut: 12 ms).')).toBeInTheDocument();
});

test('lanes: by server in order of appearance, fragments not started last; one lane without servers', () => {
  const f = (index: number, server?: string) => ({
    index,
    range: null,
    state: 'waiting' as const,
    rows: null,
    ms: null,
    attempts: 0,
    worker: null,
    ...(server ? { server } : {}),
  });
  expect(lanesOf([f(0, 'b'), f(1), f(2, 'a'), f(3, 'b')]).map((l) => [l.server, l.fragments.map((x) => x.index)])).toEqual([
    ['b', [0, 3]],
    ['a', [2]],
    [null, [1]],
  ]);
  expect(lanesOf([f(0), f(1)]).map((l) => [l.server, l.fragments.length])).toEqual([[null, 2]]);
});
