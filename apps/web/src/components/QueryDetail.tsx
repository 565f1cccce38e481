import type { QueryView } from '@pgfan/contracts';
import { useState } from 'react';
import { cancelQuery } from '../lib/api';
import { formatTime } from '../lib/format';
import { isFinal } from '../lib/query-state';
import { ErrorView } from './ErrorView';
import { Pipeline } from './Pipeline';
import { PlanView } from './PlanView';
import { ResultTable } from './ResultTable';

/** Everything about one query: pipeline, error or result, plan; a cancel button while it runs. */
export function QueryDetail({ view }: { view: QueryView }) {
  const [cancelling, setCancelling] = useState(false);
  const cancel = () => {
    setCancelling(true);
    cancelQuery(view.id)
      .catch(() => undefined)
      .finally(() => setCancelling(false));
  };
  return (
    <article className="query-detail" aria-label="Query">
      <header className="query-head">
        <h2>
          Query <code>{view.id.slice(0, 8)}</code> <span className={`badge status-${view.status}`}>{view.status}</span>
        </h2>
        <span className="muted">submitted {formatTime(view.timings.submittedAt)}</span>
        {!isFinal(view) && (
          <button type="button" className="secondary" onClick={cancel} disabled={cancelling}>
            {cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
      </header>
      <Pipeline view={view} />
      {view.error && <ErrorView error={view.error} sql={view.sql} />}
      {view.result && <ResultTable key={view.id} result={view.result} queryId={view.status === 'completed' ? view.id : undefined} />}
      {view.plan && <PlanView plan={view.plan} totalMs={view.status === 'completed' ? view.timings.totalMs : null} />}
    </article>
  );
}
