/**
 * The REST API, from the browser (same origin), through @pgfan/client: the key from this browser's
 * storage on every request, and a refused key asked for again.
 */
import { PgfanApiError, PgfanClient, PgfanUnreachableError } from '@pgfan/client';
import type { QueryPage, QueryStatus, QueryView, ResultPage } from '@pgfan/contracts';
import { apiKey, keyRefused } from './credentials';

export { PgfanApiError as ApiError } from '@pgfan/client';

const client = new PgfanClient({
  baseUrl: window.location.origin,
  apiKey,
  onError: (error) => {
    if (error.status === 401) keyRefused();
  },
});

/** The client's call, with "cannot be reached" as an error the dashboard shows like the API's own. */
async function call<T>(request: (api: PgfanClient) => Promise<T>): Promise<T> {
  try {
    return await request(client);
  } catch (error) {
    if (error instanceof PgfanUnreachableError) throw new PgfanApiError(0, { code: 'UNAVAILABLE', message: 'the API cannot be reached' }, null);
    throw error;
  }
}

export async function submitQuery(sql: string, partitions?: number): Promise<QueryView> {
  return (await call((api) => api.submit({ sql, ...(partitions ? { partitions } : {}) }))).query;
}

export function fetchQuery(id: string): Promise<QueryView> {
  return call((api) => api.query(id));
}

/** Rows `offset` to `offset + limit` of a completed query's whole result. */
export function fetchResultPage(id: string, offset: number, limit: number): Promise<ResultPage> {
  return call((api) => api.resultPage(id, { offset, limit }));
}

/** A completed query's whole result as CSV (what PostgreSQL's COPY … CSV HEADER writes). */
export async function fetchResultCsv(id: string): Promise<Blob> {
  return new Blob([await call((api) => api.resultCsv(id))], { type: 'text/csv' });
}

export function cancelQuery(id: string): Promise<QueryView> {
  return call((api) => api.cancel(id));
}

export function listQueries(options: { status?: QueryStatus; limit?: number; cursor?: string | null } = {}): Promise<QueryPage> {
  return call((api) => api.list({ limit: 50, ...options }));
}
