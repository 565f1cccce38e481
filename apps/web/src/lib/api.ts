/** The REST API, from the browser (same origin). */
import { QueryPage, QueryView, ResultPage, type ErrorRecord, type QueryStatus } from '@pgfan/contracts';
import { authHeaders, keyRefused } from './credentials';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: ErrorRecord,
  ) {
    super(error.message);
  }
}

async function call(path: string, init?: RequestInit): Promise<unknown> {
  let response: Response;
  try {
    const auth = authHeaders();
    response = await fetch(path, auth.authorization ? { ...init, headers: { ...(init?.headers as Record<string, string> | undefined), ...auth } } : init);
  } catch {
    throw new ApiError(0, { code: 'UNAVAILABLE', message: 'the API cannot be reached' });
  }
  const body = (await response.json().catch(() => null)) as { error?: ErrorRecord } | null;
  if (response.status === 401) keyRefused();
  if (!response.ok) throw new ApiError(response.status, body?.error ?? { code: 'HTTP_ERROR', message: `the API answered ${response.status}` });
  return body;
}

export async function submitQuery(sql: string, partitions?: number): Promise<QueryView> {
  return QueryView.parse(
    await call('/api/queries', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sql, ...(partitions ? { partitions } : {}) }),
    }),
  );
}

export async function fetchQuery(id: string): Promise<QueryView> {
  return QueryView.parse(await call(`/api/queries/${id}`));
}

/** Rows `offset` to `offset + limit` of a completed query's whole result. */
export async function fetchResultPage(id: string, offset: number, limit: number): Promise<ResultPage> {
  return ResultPage.parse(await call(`/api/queries/${id}/result?offset=${offset}&limit=${limit}`));
}

/** A completed query's whole result as CSV (what PostgreSQL's COPY … CSV HEADER writes). */
export async function fetchResultCsv(id: string): Promise<Blob> {
  const response = await fetch(`/api/queries/${id}/result`, { headers: { accept: 'text/csv', ...authHeaders() } });
  if (!response.ok) throw new ApiError(response.status, { code: 'HTTP_ERROR', message: `the API answered ${response.status}` });
  return response.blob();
}

export async function cancelQuery(id: string): Promise<QueryView> {
  return QueryView.parse(await call(`/api/queries/${id}`, { method: 'DELETE' }));
}

export async function listQueries(options: { status?: QueryStatus; limit?: number; cursor?: string | null } = {}): Promise<QueryPage> {
  const params = new URLSearchParams({ limit: String(options.limit ?? 50) });
  if (options.status) params.set('status', options.status);
  if (options.cursor) params.set('cursor', options.cursor);
  return QueryPage.parse(await call(`/api/queries?${params}`));
}
