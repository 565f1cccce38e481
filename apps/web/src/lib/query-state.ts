/**
 * A query record kept current by live events: the dashboard starts from the record (REST or a
 * `watch` answer) and applies each event as it arrives. Pure, so every transition is tested.
 */
import type { FragmentProgress, QueryEvent, QueryView } from '@pgfan/contracts';

function fragment(view: QueryView, index: number, change: Partial<FragmentProgress>): QueryView {
  return { ...view, fragments: view.fragments.map((f) => (f.index === index ? { ...f, ...change } : f)) };
}

const FINAL = new Set(['completed', 'failed', 'cancelled']);

/** The record after `event`; events for other queries, or after the end, change nothing. */
export function applyEvent(view: QueryView, event: QueryEvent): QueryView {
  if (event.id !== view.id || FINAL.has(view.status)) return view;
  switch (event.type) {
    case 'queued':
    case 'planned':
      return view;
    case 'running':
      return {
        ...view,
        status: 'running',
        generation: event.generation,
        coordinator: event.coordinator,
        // A new generation starts over: every fragment waits again.
        fragments:
          event.generation !== view.generation ? view.fragments.map((f) => ({ ...f, state: 'waiting', rows: null, ms: null, worker: null })) : view.fragments,
        timings: {
          ...view.timings,
          startedAt: view.timings.startedAt ?? event.at,
          queueMs: view.timings.queueMs ?? Date.parse(event.at) - Date.parse(view.timings.submittedAt),
        },
      };
    case 'fragment-started':
      return fragment({ ...view, status: 'running' }, event.index, { state: 'running', worker: event.worker, attempts: event.attempt, rows: null, ms: null });
    case 'fragment-progress':
      return fragment(view, event.index, { rows: event.rows, ms: event.ms });
    case 'fragment-done':
      return fragment(view, event.index, { state: 'done', rows: event.rows, ms: event.ms, worker: event.worker, attempts: event.attempt });
    case 'fragment-failed':
      return fragment(view, event.index, { state: 'failed', worker: event.worker, attempts: event.attempt });
    case 'combining':
      return { ...view, status: 'combining' };
    case 'completed':
      return { ...view, status: 'completed', timings: { ...view.timings, totalMs: event.totalMs, finishedAt: event.at } };
    case 'failed':
      return { ...view, status: 'failed', error: event.error, timings: { ...view.timings, totalMs: event.totalMs, finishedAt: event.at } };
    case 'cancelled':
      return { ...view, status: 'cancelled', timings: { ...view.timings, finishedAt: event.at } };
  }
}

export function isFinal(view: Pick<QueryView, 'status'>): boolean {
  return FINAL.has(view.status);
}
