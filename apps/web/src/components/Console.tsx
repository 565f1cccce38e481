import type { ErrorRecord } from '@pgfan/contracts';
import { useState, type FormEvent, type KeyboardEvent } from 'react';
import { ApiError, submitQuery } from '../lib/api';
import { EXAMPLES } from '../lib/examples';
import type { ApiSocket } from '../lib/socket';
import { useLiveQuery } from '../lib/use-live-query';
import { ErrorView } from './ErrorView';
import { QueryDetail } from './QueryDetail';

const PARTITIONS = ['auto', '1', '2', '4', '8', '16'];

/** Write SQL, run it (button or Ctrl+Enter), and watch it run. */
export function Console({ socket }: { socket: ApiSocket }) {
  const [sql, setSql] = useState(EXAMPLES[0]?.sql ?? '');
  const [partitions, setPartitions] = useState('4');
  const [submitting, setSubmitting] = useState(false);
  const [rejected, setRejected] = useState<{ error: ErrorRecord; sql: string } | null>(null);
  const [queryId, setQueryId] = useState<string | null>(null);
  const view = useLiveQuery(socket, queryId);

  const run = async () => {
    if (submitting || sql.trim() === '') return;
    setSubmitting(true);
    setRejected(null);
    try {
      const submitted = await submitQuery(sql, partitions === 'auto' ? undefined : Number(partitions));
      setQueryId(submitted.id);
    } catch (error) {
      setQueryId(null);
      setRejected({ error: error instanceof ApiError ? error.error : { code: 'ERROR', message: String(error) }, sql });
    } finally {
      setSubmitting(false);
    }
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void run();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void run();
    }
  };

  return (
    <div className="console">
      <form className="editor panel" onSubmit={onSubmit} aria-label="Query editor">
        <div className="editor-toolbar">
          <label>
            Example{' '}
            <select value="" onChange={(e) => e.target.value && setSql(e.target.value)} aria-label="Load an example query">
              <option value="">choose…</option>
              {EXAMPLES.map((example) => (
                <option key={example.label} value={example.sql}>
                  {example.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Partitions{' '}
            <select value={partitions} onChange={(e) => setPartitions(e.target.value)}>
              {PARTITIONS.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          </label>
        </div>
        <label className="sr-only" htmlFor="sql">
          SQL
        </label>
        <textarea id="sql" value={sql} onChange={(e) => setSql(e.target.value)} onKeyDown={onKeyDown} spellCheck={false} rows={8} />
        <div className="editor-actions">
          <button type="submit" disabled={submitting}>
            {submitting ? 'Planning…' : 'Run'}
          </button>
          <span className="muted">Ctrl+Enter runs the query</span>
        </div>
      </form>
      {rejected && <ErrorView error={rejected.error} sql={rejected.sql} />}
      {view && <QueryDetail view={view} />}
    </div>
  );
}
