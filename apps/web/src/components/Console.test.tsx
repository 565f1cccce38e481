import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeSocket } from '../test/fake-socket';
import { stubFetch } from '../test/fetch-stub';
import { QUERY_ID, completedQuery, runningQuery } from '../test/records';
import { Console } from './Console';

const at = '2026-11-23T10:00:00.010Z';

test('Ctrl+Enter runs the query; the pipeline follows its events to the result', async () => {
  const socket = new FakeSocket(new Map([[QUERY_ID, runningQuery({ status: 'queued' })]]));
  let finished = false;
  const fetchMock = stubFetch((method, path, body) => {
    if (method === 'POST' && path === '/api/queries') return [202, { ...runningQuery({ status: 'queued' }), sql: (body as { sql: string }).sql }];
    if (method === 'GET' && path === `/api/queries/${QUERY_ID}`) return [200, finished ? completedQuery() : runningQuery()];
    return undefined;
  });
  render(<Console socket={socket.asSocket()} />);
  const editor = screen.getByLabelText('SQL');
  await userEvent.clear(editor);
  await userEvent.type(editor, 'SELECT country, count(*) FROM events GROUP BY 1');
  await userEvent.keyboard('{Control>}{Enter}{/Control}');

  expect(fetchMock).toHaveBeenCalledWith(
    '/api/queries',
    expect.objectContaining({ method: 'POST', body: JSON.stringify({ sql: 'SELECT country, count(*) FROM events GROUP BY 1', partitions: 4 }) }),
  );
  expect(await screen.findByRole('listitem', { name: 'fragment 1: waiting' })).toBeInTheDocument();
  expect(socket.watched).toEqual([QUERY_ID]);

  act(() => socket.serverEmit('query:event', { type: 'running', id: QUERY_ID, at, generation: 1, coordinator: 'w1' }));
  act(() => socket.serverEmit('query:event', { type: 'fragment-started', id: QUERY_ID, at, index: 0, worker: 'w2', attempt: 1 }));
  expect(screen.getByRole('listitem', { name: 'fragment 1: running' })).toHaveTextContent('w2');

  finished = true;
  act(() => socket.serverEmit('query:event', { type: 'completed', id: QUERY_ID, at, rowCount: 2, totalMs: 50 }));
  expect(await screen.findByRole('columnheader', { name: 'count bigint' })).toBeInTheDocument();
  expect(screen.getByRole('cell', { name: '680' })).toBeInTheDocument();
  expect(screen.getByText('completed', { selector: '.badge' })).toBeInTheDocument();
});

test('a refused query shows the error at once, with its position', async () => {
  stubFetch((method) =>
    method === 'POST'
      ? [400, { error: { code: 'SYNTAX_ERROR', message: 'syntax error at or near "FORM"', position: { offset: 16, line: 1, column: 17 } } }]
      : undefined,
  );
  render(<Console socket={new FakeSocket().asSocket()} />);
  const editor = screen.getByLabelText('SQL');
  await userEvent.clear(editor);
  await userEvent.type(editor, 'SELECT count(*) FORM events');
  await userEvent.click(screen.getByRole('button', { name: 'Run' }));
  expect(await screen.findByRole('alert')).toHaveTextContent('SYNTAX_ERROR syntax error at or near "FORM"');
});

test('after a reconnect, the watched query is asked for again', async () => {
  const socket = new FakeSocket(new Map([[QUERY_ID, runningQuery()]]));
  stubFetch((method) => (method === 'POST' ? [202, runningQuery()] : [200, completedQuery()]));
  render(<Console socket={socket.asSocket()} />);
  await userEvent.click(screen.getByRole('button', { name: 'Run' }));
  await screen.findByRole('listitem', { name: 'fragment 1: waiting' });
  act(() => socket.disconnect());
  act(() => socket.reconnect());
  expect(socket.watched).toEqual([QUERY_ID, QUERY_ID]);
});
