import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeSocket } from '../test/fake-socket';
import { stubFetch } from '../test/fetch-stub';
import { QUERY_ID, completedQuery } from '../test/records';
import { History } from './History';

test('lists recent queries; the status filter asks the API; opening one shows its record', async () => {
  const { result: _, ...summary } = completedQuery();
  const fetchMock = stubFetch((_method, path) => {
    if (path.startsWith('/api/queries?')) return [200, { queries: path.includes('status=failed') ? [] : [{ ...summary, rowCount: 2 }], nextCursor: null }];
    if (path === `/api/queries/${QUERY_ID}`) return [200, completedQuery()];
    return undefined;
  });
  const socket = new FakeSocket(new Map([[QUERY_ID, completedQuery()]]));
  const onOpen = jest.fn();
  const { rerender } = render(<History socket={socket.asSocket()} openId={null} onOpen={onOpen} />);
  const link = await screen.findByRole('button', { name: 'SELECT country, count(*) FROM events GROUP BY 1' });
  expect(screen.getByRole('row', { name: /completed/ })).toHaveTextContent('fan-out · 2');
  await userEvent.click(link);
  expect(onOpen).toHaveBeenCalledWith(QUERY_ID);
  rerender(<History socket={socket.asSocket()} openId={QUERY_ID} onOpen={onOpen} />);
  expect(await screen.findByRole('article', { name: 'Query' })).toHaveTextContent('completed');

  await userEvent.selectOptions(screen.getByLabelText('Status'), 'failed');
  expect(fetchMock).toHaveBeenCalledWith('/api/queries?status=failed&limit=50', expect.objectContaining({ method: 'GET' }));
  expect(await screen.findByText('No queries yet.')).toBeInTheDocument();
});
