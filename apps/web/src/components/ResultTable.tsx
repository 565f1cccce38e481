import type { JsonValue, ResultSet } from '@pgfan/contracts';
import { useEffect, useState } from 'react';
import { fetchResultCsv, fetchResultPage } from '../lib/api';
import { formatCount } from '../lib/format';

const NUMERIC = /^(smallint|integer|bigint|real|double precision|numeric|money)/;
/** Rows on one page of the table. */
export const PAGE_ROWS = 100;

function cell(value: JsonValue) {
  return value === null ? <span className="null">NULL</span> : String(value);
}

/** Every row can be read: the record holds them all, or they were stored page by page. */
function allKept(result: ResultSet): boolean {
  return !result.truncated || result.stored === true;
}

/**
 * The rows of page `page`: from the record's preview while it holds them, then from the stored
 * result (null while they load, or when only a preview was kept).
 */
function usePageRows(result: ResultSet, queryId: string | undefined, page: number): { rows: JsonValue[][] | null; error: string | null } {
  const from = page * PAGE_ROWS;
  const inPreview = from + PAGE_ROWS <= result.rows.length || result.rows.length === result.rowCount;
  const [fetched, setFetched] = useState<{ page: number; rows: JsonValue[][] } | { page: number; error: string } | null>(null);
  useEffect(() => {
    if (inPreview || !queryId || !allKept(result)) return;
    let current = true;
    fetchResultPage(queryId, from, PAGE_ROWS).then(
      (p) => current && setFetched({ page, rows: p.rows }),
      (error: Error) => current && setFetched({ page, error: error.message }),
    );
    return () => {
      current = false;
    };
  }, [inPreview, queryId, result, from, page]);
  if (inPreview) return { rows: result.rows.slice(from, from + PAGE_ROWS), error: null };
  if (fetched?.page !== page) return { rows: null, error: null };
  return 'error' in fetched ? { rows: null, error: fetched.error } : { rows: fetched.rows, error: null };
}

/** Saves the whole result as CSV, as the browser saves a download. */
async function downloadCsv(queryId: string): Promise<void> {
  const url = URL.createObjectURL(await fetchResultCsv(queryId));
  const link = document.createElement('a');
  link.href = url;
  link.download = `pgfan-${queryId.slice(0, 8)}.csv`;
  link.click();
  URL.revokeObjectURL(url);
}

/** The result rows, with each column's name and type, a page at a time; every row when it was kept. */
export function ResultTable({ result, queryId }: { result: ResultSet; queryId?: string }) {
  const numeric = result.columns.map((c) => NUMERIC.test(c.type));
  const [page, setPage] = useState(0);
  const readable = allKept(result) ? result.rowCount : result.rows.length;
  const pages = Math.max(1, Math.ceil(readable / PAGE_ROWS));
  const { rows, error } = usePageRows(result, queryId, page);
  const first = page * PAGE_ROWS;
  return (
    <section className="result" aria-label="Result">
      <p className="result-summary">
        {formatCount(result.rowCount)} row{result.rowCount === 1 ? '' : 's'}
        {!allKept(result) && ` — only the first ${formatCount(result.rows.length)} were kept`}
        {queryId && allKept(result) && (
          <button type="button" className="secondary link" onClick={() => void downloadCsv(queryId).catch(() => undefined)}>
            Download CSV
          </button>
        )}
      </p>
      {pages > 1 && (
        <nav className="pager" aria-label="Result pages">
          <button type="button" className="secondary" onClick={() => setPage(page - 1)} disabled={page === 0}>
            ‹ Previous
          </button>
          <span>
            rows {formatCount(first + 1)}–{formatCount(Math.min(first + PAGE_ROWS, readable))} of {formatCount(readable)}
          </span>
          <button type="button" className="secondary" onClick={() => setPage(page + 1)} disabled={page + 1 >= pages}>
            Next ›
          </button>
        </nav>
      )}
      {error && <p role="alert">{error}</p>}
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              {result.columns.map((c, i) => (
                <th key={i} scope="col" className={numeric[i] ? 'num' : undefined}>
                  {c.name}
                  <span className="type">{c.type}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody aria-busy={rows === null}>
            {(rows ?? []).map((row, r) => (
              <tr key={first + r}>
                {row.map((value, c) => (
                  <td key={c} className={numeric[c] ? 'num' : undefined}>
                    {cell(value)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
