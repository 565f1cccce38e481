import type { PlanRecord } from '@pgfan/contracts';
import { formatMs } from '../lib/format';

function describeRange(range: PlanRecord['fragments'][number]['range']): string {
  if (!range) return 'whole table';
  if ('fromPage' in range) return `pages ${range.fromPage}–${range.toPage ?? '∞'}`;
  return `${range.column} ${range.from ?? '−∞'} … ${range.to ?? '∞'}`;
}

/** "Predicted 234 ms (344 ms as written) · took 253 ms" */
function predictionLine(prediction: NonNullable<PlanRecord['prediction']>, totalMs: number | null): string {
  const predicted =
    prediction.fanOutMs === null
      ? `Predicted ${formatMs(prediction.asWrittenMs)}`
      : `Predicted ${formatMs(prediction.fanOutMs)} (${formatMs(prediction.asWrittenMs)} as written)`;
  return totalMs === null ? predicted : `${predicted} · took ${formatMs(totalMs)}`;
}

/** How the query was split: mode and reason, the predicted and actual time, every fragment's SQL, and the combine SQL. */
export function PlanView({ plan, totalMs = null }: { plan: PlanRecord; totalMs?: number | null }) {
  return (
    <section className="plan" aria-label="Plan">
      <p>
        <span className={`badge mode-${plan.mode}`}>{plan.mode}</span> {plan.reason}
        {plan.table && <span className="muted"> · {plan.table}</span>}
      </p>
      {plan.prediction && <p className="muted prediction">{predictionLine(plan.prediction, totalMs)}</p>}
      <details>
        <summary>{plan.fragments.length === 1 ? 'Fragment SQL' : `Fragment SQL (${plan.fragments.length} fragments, ${plan.strategy})`}</summary>
        {plan.fragments.map((f) => (
          <div key={f.index} className="sql-block">
            <p className="muted">
              #{f.index + 1} · {describeRange(f.range)}
              {f.params.length > 0 && ` · params ${f.params.join(', ')}`}
            </p>
            <pre>{f.sql}</pre>
          </div>
        ))}
      </details>
      {plan.combineSql && (
        <details>
          <summary>Combine SQL</summary>
          <pre>{plan.combineSql}</pre>
        </details>
      )}
    </section>
  );
}
