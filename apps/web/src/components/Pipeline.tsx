import type { FragmentProgress, QueryView } from '@pgfan/contracts';
import { formatCount, formatMs } from '../lib/format';

type StageState = 'pending' | 'active' | 'done' | 'failed';

interface Stage {
  name: string;
  state: StageState;
  detail: string;
}

/** The pipeline of a query, stage by stage, from what its record says now. */
export function stagesOf(view: QueryView): Stage[] {
  const { status, timings, fragments } = view;
  const done = fragments.filter((f) => f.state === 'done').length;
  const ended = status === 'completed' || status === 'failed' || status === 'cancelled';
  const fragmentsFinished = done === fragments.length && fragments.length > 0;
  const endState: StageState = status === 'completed' ? 'done' : ended ? 'failed' : 'pending';
  return [
    { name: 'Plan', state: 'done', detail: `${view.plan?.mode ?? ''} · ${formatMs(timings.planMs)}` },
    { name: 'Queue', state: status === 'queued' ? 'active' : 'done', detail: status === 'queued' ? 'waiting for a worker' : formatMs(timings.queueMs) },
    {
      name: 'Fragments',
      state: status === 'running' ? 'active' : fragmentsFinished || status === 'combining' || status === 'completed' ? 'done' : ended ? 'failed' : 'pending',
      detail: `${done}/${fragments.length} done${timings.executeMs !== null ? ` · ${formatMs(timings.executeMs)}` : ''}`,
    },
    {
      name: 'Combine',
      state: status === 'combining' ? 'active' : status === 'completed' ? 'done' : ended && fragmentsFinished ? 'failed' : 'pending',
      detail: view.plan?.mode === 'as-written' ? 'not needed' : formatMs(timings.combineMs),
    },
    { name: ended ? status[0]!.toUpperCase() + status.slice(1) : 'Result', state: endState, detail: ended ? formatMs(timings.totalMs) : '' },
  ];
}

/**
 * Fragments by the database server they ran on, in order of first appearance; those not yet
 * started (no server yet) last. One unnamed lane when nothing names a server (no replicas).
 */
export function lanesOf(fragments: readonly FragmentProgress[]): { server: string | null; fragments: FragmentProgress[] }[] {
  const lanes = new Map<string | null, FragmentProgress[]>();
  for (const f of fragments) lanes.set(f.server ?? null, [...(lanes.get(f.server ?? null) ?? []), f]);
  if (lanes.size === 1 || !fragments.some((f) => f.server)) return [{ server: [...lanes.keys()][0] ?? null, fragments: [...fragments] }];
  const waiting = lanes.get(null);
  lanes.delete(null);
  return [...[...lanes].map(([server, list]) => ({ server, fragments: list })), ...(waiting ? [{ server: null, fragments: waiting }] : [])];
}

/** Where the query read the database: one server, or several at one exact cut. */
function cutLine(view: QueryView): string | null {
  const cut = view.plan?.cut;
  if (!cut) return null;
  const where = cut.guarantee === 'equal-replay-position' ? `${cut.servers.length} replicas at one exact cut` : cut.servers[0];
  const cost = cut.ms !== undefined ? ` (${cut.shared ? 'shared cut' : 'cut'}: ${formatMs(cut.ms)})` : '';
  return `Read ${where}, up to WAL position ${cut.lsn}${cost}.${cut.reason ? ` ${cut.reason[0]?.toUpperCase()}${cut.reason.slice(1)}.` : ''}`;
}

function FragmentCard({ fragment }: { fragment: FragmentProgress }) {
  return (
    <li className={`fragment fragment-${fragment.state}`} aria-label={`fragment ${fragment.index + 1}: ${fragment.state}`}>
      <div className="fragment-head">
        <span className="fragment-index">#{fragment.index + 1}</span>
        <span className="fragment-state">{fragment.state}</span>
      </div>
      <div className={`fragment-bar ${fragment.state === 'running' ? 'indeterminate' : ''}`}>
        <span style={{ width: fragment.state === 'done' ? '100%' : fragment.state === 'failed' ? '100%' : '0%' }} />
      </div>
      <dl>
        <dt>worker</dt>
        <dd>{fragment.worker ?? '–'}</dd>
        <dt>rows</dt>
        <dd>{formatCount(fragment.rows)}</dd>
        <dt>time</dt>
        <dd>{formatMs(fragment.ms)}</dd>
        {fragment.attempts > 1 && (
          <>
            <dt>attempts</dt>
            <dd>{fragment.attempts}</dd>
          </>
        )}
      </dl>
    </li>
  );
}

function FragmentCards({ fragments }: { fragments: readonly FragmentProgress[] }) {
  return (
    <ul className="fragments">
      {fragments.map((f) => (
        <FragmentCard key={f.index} fragment={f} />
      ))}
    </ul>
  );
}

/** Stages with their timings, then a card per fragment (state, worker, rows, time), in a lane per database server when there are several. */
export function Pipeline({ view }: { view: QueryView }) {
  const lanes = lanesOf(view.fragments);
  const cut = cutLine(view);
  return (
    <section className="pipeline" aria-label="Pipeline">
      <ol className="stages" aria-live="polite">
        {stagesOf(view).map((stage) => (
          <li key={stage.name} className={`stage stage-${stage.state}`}>
            <span className="stage-name">{stage.name}</span>
            <span className="stage-detail">{stage.detail}</span>
          </li>
        ))}
      </ol>
      {view.generation > 1 && <p className="muted">Started over on a fresh snapshot {view.generation - 1}× (a snapshot holder or its server stopped).</p>}
      {cut && <p className="muted cut">{cut}</p>}
      {lanes.length === 1 && lanes[0]?.server === null ? (
        <FragmentCards fragments={lanes[0].fragments} />
      ) : (
        lanes.map((lane) => (
          <section key={lane.server ?? 'waiting'} className="lane" aria-label={lane.server ? `server ${lane.server}` : 'not started'}>
            <h4 className="lane-name">{lane.server ?? 'not started'}</h4>
            <FragmentCards fragments={lane.fragments} />
          </section>
        ))
      )}
    </section>
  );
}
