import type { QueryEvent } from '@pgfan/contracts';
import { QUERY_ID, completedQuery, runningQuery } from '../test/records';
import { applyEvent } from './query-state';

const at = '2026-11-23T10:00:00.010Z';
const apply = (events: QueryEvent[], start = runningQuery({ status: 'queued' })) => events.reduce(applyEvent, start);

test('a query runs: fragments start, report progress, finish; the query combines and completes', () => {
  const view = apply([
    { type: 'running', id: QUERY_ID, at, generation: 1, coordinator: 'w1' },
    { type: 'fragment-started', id: QUERY_ID, at, index: 0, worker: 'w2', attempt: 1 },
    { type: 'fragment-progress', id: QUERY_ID, at, index: 0, rows: 5000, ms: 500 },
    { type: 'fragment-done', id: QUERY_ID, at, index: 1, rows: 3, ms: 40, worker: 'w1', attempt: 1 },
  ]);
  expect(view.status).toBe('running');
  expect(view.timings.queueMs).toBe(10);
  expect(view.fragments).toEqual([
    expect.objectContaining({ index: 0, state: 'running', worker: 'w2', rows: 5000, ms: 500 }),
    expect.objectContaining({ index: 1, state: 'done', worker: 'w1', rows: 3, ms: 40 }),
  ]);
  const done = apply(
    [
      { type: 'combining', id: QUERY_ID, at },
      { type: 'completed', id: QUERY_ID, at, rowCount: 2, totalMs: 55 },
    ],
    view,
  );
  expect(done).toMatchObject({ status: 'completed', timings: { totalMs: 55 } });
});

test('a new generation starts every fragment over', () => {
  const first = apply([
    { type: 'running', id: QUERY_ID, at, generation: 1, coordinator: 'w1' },
    { type: 'fragment-done', id: QUERY_ID, at, index: 0, rows: 3, ms: 40, worker: 'w2', attempt: 1 },
  ]);
  const again = applyEvent(first, { type: 'running', id: QUERY_ID, at, generation: 2, coordinator: 'w2' });
  expect(again.generation).toBe(2);
  expect(again.fragments.map((f) => f.state)).toEqual(['waiting', 'waiting']);
});

test('a failure carries its error; events after the end, or for other queries, change nothing', () => {
  const failed = apply([
    { type: 'failed', id: QUERY_ID, at, totalMs: 9, error: { code: 'QUERY_FAILED', message: 'fragment 1 of 2 failed: division by zero' } },
  ]);
  expect(failed).toMatchObject({ status: 'failed', error: { code: 'QUERY_FAILED' } });
  expect(applyEvent(failed, { type: 'combining', id: QUERY_ID, at })).toBe(failed);
  const completed = completedQuery();
  expect(applyEvent(runningQuery(), { type: 'combining', id: '99999999-2222-4333-8444-555555555555', at }).status).toBe('running');
  expect(applyEvent(completed, { type: 'cancelled', id: QUERY_ID, at })).toBe(completed);
});
