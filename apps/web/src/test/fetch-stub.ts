/** Answers the dashboard's REST calls in component tests: a function from (method, path, body) to (status, body). */
export type Route = (method: string, path: string, body: unknown) => [number, unknown] | undefined;

/**
 * Replaces `fetch` with `route`'s answers. The mock it returns records each request as
 * `(path, { method, body?, headers })`, for tests to check what was sent.
 */
export function stubFetch(route: Route): jest.Mock {
  const sent = jest.fn();
  global.fetch = (async (request: Request) => {
    const url = new URL(request.url);
    const path = `${url.pathname}${url.search}`;
    const text = await request.text();
    sent(path, { method: request.method, ...(text ? { body: text } : {}), headers: Object.fromEntries(request.headers) });
    const answer = route(request.method, path, text ? JSON.parse(text) : undefined);
    if (!answer) throw new Error(`unexpected request ${request.method} ${path}`);
    const [status, body] = answer;
    return typeof body === 'string'
      ? new Response(body, { status, headers: { 'content-type': 'text/csv' } })
      : new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return sent;
}
