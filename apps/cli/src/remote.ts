/** Running queries through the API: submit, follow the fragments, fetch the record. */
import { QueryView, toQueryRecord, type ErrorRecord, type JsonValue, type QueryRecord, type ResultPage } from '@pgfan/contracts';
import { apiFetch, type ApiTarget } from './api';

export class ApiUnreachableError extends Error {
  override readonly name = 'ApiUnreachableError';
}

/** A one-line progress bar for a running query, e.g. `[######------] 3/6 fragments · running · 1.2 s`. */
export function progressLine(view: QueryView, elapsedMs: number, width = 24): string {
  const total = view.fragments.length;
  const done = view.fragments.filter((f) => f.state === 'done').length;
  const filled = total === 0 ? 0 : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} fragment${total === 1 ? '' : 's'} · ${view.status} · ${(elapsedMs / 1000).toFixed(1)} s`;
}

function failedRecord(sql: string, error: ErrorRecord): QueryRecord {
  return { sql, status: 'failed', plan: null, result: null, error, timings: { totalMs: 0, planMs: 0, executeMs: 0, combineMs: 0 } };
}

async function call(api: ApiTarget, path: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await apiFetch(api, path, init);
  } catch (error) {
    throw new ApiUnreachableError(
      `cannot reach the API at ${api.url} (${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}); start it with npm start, or run with --local`,
    );
  }
  return { status: response.status, body: await response.json().catch(() => null) };
}

/**
 * Submits `sql` and follows it to the end.
 * @param onProgress called with each poll while it runs.
 * @returns the query's full record from the API (a failed CLI record if the API refused it).
 */
export async function runRemote(
  api: ApiTarget,
  sql: string,
  request: { partitions?: number | undefined; servers?: number | undefined },
  onProgress?: (view: QueryView) => void,
): Promise<QueryView | QueryRecord> {
  const { partitions, servers } = request;
  const submitted = await call(api, '/api/queries?wait=1000', {
    method: 'POST',
    body: JSON.stringify({ sql, ...(partitions ? { partitions } : {}), ...(servers ? { servers } : {}) }),
  });
  if (submitted.status >= 400) {
    const error = (submitted.body as { error?: ErrorRecord } | null)?.error ?? { code: 'HTTP_ERROR', message: `the API answered ${submitted.status}` };
    return failedRecord(sql, submitted.status === 401 ? { ...error, message: `${error.message} (for this CLI, set API_KEY)` } : error);
  }
  let view = QueryView.parse(submitted.body);
  while (!['completed', 'failed', 'cancelled'].includes(view.status)) {
    onProgress?.(view);
    await new Promise((r) => setTimeout(r, 100));
    view = QueryView.parse((await call(api, `/api/queries/${view.id}`)).body);
  }
  return view;
}

/**
 * The view with every row of its result: a record keeps only a preview (RESULT_MAX_ROWS), the
 * rest is read page by page. Unchanged when it has them all, or only a preview was kept.
 */
export async function withAllRows(api: ApiTarget, view: QueryView): Promise<QueryView> {
  const result = view.result;
  if (view.status !== 'completed' || !result?.truncated || result.stored !== true) return view;
  const rows: JsonValue[][] = [];
  let cursor: string | null = null;
  do {
    const page = (await call(api, `/api/queries/${view.id}/result?limit=10000${cursor ? `&cursor=${cursor}` : ''}`)).body as ResultPage;
    rows.push(...page.rows);
    cursor = page.nextCursor;
  } while (cursor);
  return { ...view, result: { ...result, rows, truncated: false } };
}

/** A completed query's whole result as CSV, as the API writes it (PostgreSQL's COPY … CSV HEADER). */
export async function resultCsv(api: ApiTarget, id: string): Promise<string> {
  const response = await apiFetch(api, `/api/queries/${id}/result`, { headers: { accept: 'text/csv' } });
  const text = await response.text();
  if (!response.ok) throw new Error(`cannot read the result: ${text}`);
  return text;
}

/** The CLI record of whatever `runRemote` returned. */
export function asRecord(outcome: QueryView | QueryRecord): QueryRecord {
  return 'id' in outcome ? toQueryRecord(outcome) : outcome;
}
