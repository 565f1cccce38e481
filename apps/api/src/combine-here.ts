/**
 * A fan-out the API coordinates for a waiting client (coordinations.ts) is combined here, as soon
 * as every fragment's end has carried its rows (dispatch/carried.ts): without the combine job's
 * hop (its queue, its reads of the record and of the fragments' return values) nor the ending's
 * way back. Only the plain case: the first failed fragment, a fragment whose rows were too many to
 * carry or spilled, a combine that fails or cannot be exact, leave the query to its combine job,
 * which is still in the flow and records every other outcome. The job waits for the API before it
 * reads anything (dispatch/handoff.ts), and finds a query combined here finished.
 */
import { FINAL_EVENTS, type FragmentOutput, type QueryEventType, type QueryView } from '@pgfan/contracts';
import { carriedOutput, type JobSigner, type QueryEventBus, type WatchedEvent } from '@pgfan/dispatch';
import { combineOutputs, concludeCombined, type CombineContext } from '@pgfan/runtime';
import type { Plan } from '@pgfan/planner';

/** A generation whose fragments' rows are being collected. */
export interface Collecting {
  /** Every fragment's output in the plan's order, or null once the combine job is to combine. */
  outputs: Promise<FragmentOutput[] | null>;
  /** Stops collecting (`outputs` resolves null if it had not resolved). */
  stop(): void;
}

/**
 * Collects what generation `generation`'s fragments carry at their ends. Call it before adding the
 * flow, so that no fragment's end passes unheard. Gives up (null) at the first fragment that fails
 * or carried nothing this deployment signed for it, when the query ends otherwise, or after `ms`.
 */
export function collectOutputs(
  events: QueryEventBus,
  signer: JobSigner,
  { queryId, generation }: { queryId: string; generation: number },
  plan: Plan,
  ms: number,
): Collecting {
  const indexes = plan.fragments.map((f) => f.index);
  const outputs = new Map<number, FragmentOutput>();
  let settle: (value: FragmentOutput[] | null) => void = () => undefined;
  const settled = new Promise<FragmentOutput[] | null>((resolve) => (settle = resolve));
  const finish = (value: FragmentOutput[] | null) => {
    unwatch();
    clearTimeout(timer);
    settle(value);
  };
  const onEvent = (event: WatchedEvent) => {
    if (event.type === 'fragment-done' && typeof event.index === 'number') {
      if (outputs.has(event.index)) return;
      const output = carriedOutput(signer, event.carried, { queryId, generation, index: event.index });
      if (!output) return finish(null);
      outputs.set(event.index, output);
      if (indexes.every((i) => outputs.has(i))) finish(indexes.map((i) => outputs.get(i) as FragmentOutput));
    } else if (event.type === 'fragment-failed' || FINAL_EVENTS.includes(event.type as QueryEventType)) {
      finish(null);
    }
  };
  const unwatch = events.watch(queryId, onEvent);
  const timer = setTimeout(() => finish(null), ms);
  return { outputs: settled, stop: () => finish(null) };
}

/**
 * Combines the collected outputs and records the query completed, here. Returns the finished
 * record, or null when the combine job is to combine (not every output came, the combine failed)
 * or the query ended otherwise meanwhile (cancelled, past its deadline).
 */
export async function combineHere(
  ctx: CombineContext,
  run: { queryId: string; generation: number; startedAt: number; previewOnly: boolean },
  plan: Plan,
  collecting: Collecting,
): Promise<QueryView | null> {
  const ordered = await collecting.outputs;
  if (!ordered) return null;
  const combineStarted = Date.now();
  try {
    const combined = await combineOutputs(ctx, plan, ordered, { previewOnly: run.previewOnly });
    const combinedRun = { ...run, combineStarted, combineAttempts: 1, cut: null, by: 'api' as const };
    // Answered with the record itself: its events go out behind the answer.
    return await concludeCombined(ctx, combinedRun, plan, ordered, combined, {
      precededBy: [{ type: 'combining', id: run.queryId }],
      eventsInBackground: true,
    });
  } catch (error) {
    ctx.logger.info(
      { queryId: run.queryId, err: error },
      `the combine of ${run.queryId} is left to its combine job: ${error instanceof Error ? error.message : String(error)}`,
    );
    return null;
  }
}
