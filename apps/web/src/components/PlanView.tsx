import type { PlanRecord } from '@pgfan/contracts';

function describeRange(range: PlanRecord['fragments'][number]['range']): string {
  if (!range) return 'whole table';
  if ('fromPage' in range) return `pages ${range.fromPage}–${range.toPage ?? '∞'}`;
  return `${range.column} ${range.from ?? '−∞'} … ${range.to ?? '∞'}`;
}

/** How the query was split: mode and reason, every fragment's SQL, and the combine SQL. */
export function PlanView({ plan }: { plan: PlanRecord }) {
  return (
    <section className="plan" aria-label="Plan">
      <p>
        <span className={`badge mode-${plan.mode}`}>{plan.mode}</span> {plan.reason}
        {plan.table && <span className="muted"> · {plan.table}</span>}
      </p>
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
