import { act, render, screen } from '@testing-library/react';
import { App, parseHash } from './App';
import { FakeSocket } from './test/fake-socket';
import { stubFetch } from './test/fetch-stub';

test('hash routes', () => {
  expect(parseHash('')).toEqual({ name: 'console' });
  expect(parseHash('#/overview')).toEqual({ name: 'overview' });
  expect(parseHash('#/history')).toEqual({ name: 'history', id: null });
  expect(parseHash('#/history/abc')).toEqual({ name: 'history', id: 'abc' });
});

test('a banner says when the connection to the API is lost, and when it is back', () => {
  stubFetch(() => [200, { queries: [], nextCursor: null }]);
  const socket = new FakeSocket();
  render(<App socket={socket.asSocket()} />);
  expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  act(() => socket.disconnect());
  expect(screen.getByRole('alert')).toHaveTextContent('Connection to the API lost — reconnecting…');
  act(() => socket.reconnect());
  expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  expect(screen.getByText('Reconnected.')).toBeInTheDocument();
});

test('navigation is links: keyboard usable, the current page marked', () => {
  render(<App socket={new FakeSocket().asSocket()} />);
  expect(screen.getByRole('link', { name: 'Console' })).toHaveAttribute('aria-current', 'page');
  expect(screen.getByRole('link', { name: 'Queues ↗' })).toHaveAttribute('href', '/admin/queues');
});
