/** Running queries through the API: submit, follow the fragments, fetch the record. */
import { PgfanApiError, type PgfanClient } from '@pgfan/client';
import { toQueryRecord, type ErrorRecord, type JsonValue, type QueryRecord, type QueryView } from '@pgfan/contracts';

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

/**
 * Submits `sql` and follows it to the end.
 * @param onProgress called with each poll while it runs.
 * @returns the query's full record from the API (a failed CLI record if the API refused it).
 */
export async function runRemote(
  api: PgfanClient,
  sql: string,
  request: { partitions?: number | undefined; servers?: number | undefined },
  onProgress?: (view: QueryView) => void,
): Promise<QueryView | QueryRecord> {
  const { partitions, servers } = request;
  try {
    return await api.run(
      { sql, ...(partitions ? { partitions } : {}), ...(servers ? { servers } : {}) },
      { waitMs: 1000, pollMs: 100, ...(onProgress ? { onProgress } : {}) },
    );
  } catch (error) {
    if (!(error instanceof PgfanApiError)) throw error;
    return failedRecord(sql, error.status === 401 ? { ...error.error, message: `${error.message} (for this CLI, set API_KEY)` } : error.error);
  }
}

/**
 * The view with every row of its result: a record keeps only a preview (RESULT_MAX_ROWS), the
 * rest is read page by page. Unchanged when it has them all, or only a preview was kept.
 */
export async function withAllRows(api: PgfanClient, view: QueryView): Promise<QueryView> {
  const result = view.result;
  if (view.status !== 'completed' || !result?.truncated || result.stored !== true) return view;
  const rows: JsonValue[][] = [];
  let cursor: string | null = null;
  do {
    const page = await api.resultPage(view.id, { cursor, limit: 10_000 });
    rows.push(...page.rows);
    cursor = page.nextCursor;
  } while (cursor);
  return { ...view, result: { ...result, rows, truncated: false } };
}

/** The CLI record of whatever `runRemote` returned. */
export function asRecord(outcome: QueryView | QueryRecord): QueryRecord {
  return 'id' in outcome ? toQueryRecord(outcome) : outcome;
}
