import { QueryStatus, type QueryEvent, type QuerySummary } from '@pgfan/contracts';
import { useCallback, useEffect, useState } from 'react';
import { listQueries } from '../lib/api';
import { formatCount, formatMs, formatTime } from '../lib/format';
import type { ApiSocket } from '../lib/socket';
import { useLiveQuery } from '../lib/use-live-query';
import { QueryDetail } from './QueryDetail';

/** Recent queries, filterable by status; opening one shows its record, live if it still runs. */
export function History({ socket, openId, onOpen }: { socket: ApiSocket; openId: string | null; onOpen: (id: string | null) => void }) {
  const [status, setStatus] = useState<QueryStatus | ''>('');
  const [queries, setQueries] = useState<QuerySummary[] | null>(null);
  const [failed, setFailed] = useState(false);
  const open = useLiveQuery(socket, openId);

  const load = useCallback(() => {
    listQueries({ status: status || undefined, limit: 50 }).then(
      (page) => {
        setQueries(page.queries);
        setFailed(false);
      },
      () => setFailed(true),
    );
  }, [status]);

  useEffect(() => {
    load();
    const onEvent = (event: QueryEvent) => {
      if (event.type === 'queued' || event.type === 'completed' || event.type === 'failed' || event.type === 'cancelled') load();
    };
    const watchAll = () => socket.emit('watch:all');
    watchAll();
    socket.on('connect', watchAll);
    socket.on('connect', load);
    socket.on('query:event', onEvent);
    return () => {
      socket.off('connect', watchAll);
      socket.off('connect', load);
      socket.off('query:event', onEvent);
    };
  }, [socket, load]);

  return (
    <div className="history">
      <section className="panel" aria-label="History">
        <div className="history-toolbar">
          <h2>Recent queries</h2>
          <label>
            Status{' '}
            <select value={status} onChange={(e) => setStatus(e.target.value as QueryStatus | '')}>
              <option value="">all</option>
              {QueryStatus.options.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
        </div>
        {failed && <p className="error">The history could not be loaded; retrying when the connection is back.</p>}
        {queries && queries.length === 0 && <p className="muted">No queries yet.</p>}
        {queries && queries.length > 0 && (
          <div className="table-scroll">
            <table className="history-table">
              <thead>
                <tr>
                  <th scope="col">submitted</th>
                  <th scope="col">status</th>
                  <th scope="col">query</th>
                  <th scope="col">plan</th>
                  <th scope="col" className="num">
                    rows
                  </th>
                  <th scope="col" className="num">
                    duration
                  </th>
                </tr>
              </thead>
              <tbody>
                {queries.map((q) => (
                  <tr key={q.id} className={q.id === openId ? 'selected' : undefined}>
                    <td>{formatTime(q.timings.submittedAt)}</td>
                    <td>
                      <span className={`badge status-${q.status}`}>{q.status}</span>
                    </td>
                    <td className="sql-cell">
                      <button type="button" className="link" onClick={() => onOpen(q.id)} title={q.sql}>
                        {q.sql.replace(/\s+/g, ' ')}
                      </button>
                    </td>
                    <td>{q.plan ? `${q.plan.mode} · ${q.plan.partitions}` : '–'}</td>
                    <td className="num">{formatCount(q.rowCount)}</td>
                    <td className="num">{formatMs(q.timings.totalMs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {open && (
        <section className="panel">
          <button type="button" className="secondary close" onClick={() => onOpen(null)} aria-label="Close the query">
            Close
          </button>
          <pre className="sql-full">{open.sql}</pre>
          <QueryDetail view={open} />
        </section>
      )}
    </div>
  );
}
