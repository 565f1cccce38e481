import { act, fireEvent, render, screen } from '@testing-library/react';
import { fetchQuery } from '../lib/api';
import { apiKey, setApiKey } from '../lib/credentials';
import { stubFetch } from '../test/fetch-stub';
import { KeyPrompt } from './KeyPrompt';

afterEach(() => setApiKey(null));

test('appears when the API refuses the key, and the key entered is sent from then on', async () => {
  const fetchMock = stubFetch(() => [401, { error: { code: 'UNAUTHORIZED', message: 'an API key is required' } }]);
  render(<KeyPrompt />);
  expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  await act(async () => {
    await fetchQuery('00000000-0000-4000-8000-000000000000').catch(() => undefined);
  });
  expect(screen.getByRole('dialog', { name: 'API key required' })).toBeInTheDocument();
  fireEvent.change(screen.getByLabelText('API key'), { target: { value: ' my-key-0123456789abcdef ' } });
  fireEvent.click(screen.getByRole('button', { name: 'Use key' }));
  expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  expect(apiKey()).toBe('my-key-0123456789abcdef');
  await act(async () => {
    await fetchQuery('00000000-0000-4000-8000-000000000000').catch(() => undefined);
  });
  expect(fetchMock.mock.calls.at(-1)?.[1]?.headers).toEqual({ authorization: 'Bearer my-key-0123456789abcdef' });
});
