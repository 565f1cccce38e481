/** Answers the dashboard's REST calls in component tests: a function from (method, path, body) to (status, body). */
export type Route = (method: string, path: string, body: unknown) => [number, unknown] | undefined;

export function stubFetch(route: Route): jest.Mock {
  const fetchMock = jest.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const method = init?.method ?? 'GET';
    const path = String(input);
    const answer = route(method, path, init?.body ? JSON.parse(String(init.body)) : undefined);
    if (!answer) throw new Error(`unexpected request ${method} ${path}`);
    const [status, body] = answer;
    return { ok: status < 400, status, json: async () => body } as Response;
  });
  global.fetch = fetchMock as unknown as typeof fetch;
  return fetchMock;
}
