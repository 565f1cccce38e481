/**
 * What query events carry for one process beside the events themselves (`queryEventsMessage`): a
 * worker's ending carries the finished record to the API waiting to answer with it, and a
 * fragment's end carries its rows to the API coordinating the fan-out, which combines them without
 * waiting for the combine job. Small ones only: every process subscribed reads each message.
 *
 * Redis is not trusted with answers, as it is not with jobs (signing.ts): each is signed with
 * JOB_SIGNING_KEY and names its query (and a fragment's, its generation and index), so nothing
 * written into Redis by anyone else, or replayed from another query or generation, is taken. What
 * is not taken costs only time: the waiter reads the store, the combine job combines.
 */
import { FragmentOutput, type QueryView } from '@pgfan/contracts';
import type { Ending } from './events';
import type { Signed } from './queues';
import { ForgedJobError, type JobSigner } from './signing';

/** Past these a payload stays where it is (the store, the job's return value). */
const CARRIED_MAX_CELLS = 1000;
const CARRIED_MAX_CHARACTERS = 32 * 1024;

/** Whether a payload of `cells` values is small enough to carry: the count is checked first, so a large one is never serialized for it. */
function carriable(payload: object, cells: number): boolean {
  return cells <= CARRIED_MAX_CELLS && JSON.stringify(payload).length <= CARRIED_MAX_CHARACTERS;
}

/** The payload `kind` signed, or null if no key of this deployment signed it as that. */
function verified(signer: JobSigner, kind: 'query-record' | 'fragment-result', carried: unknown): Record<string, unknown> | null {
  try {
    return signer.verify(kind, carried);
  } catch (error) {
    if (error instanceof ForgedJobError) return null;
    throw error;
  }
}

/** A finished record to carry with its ending, signed; undefined when it is too large to. */
export function recordToCarry(signer: JobSigner, record: QueryView): Signed<QueryView> | undefined {
  const cells = (record.result?.rows.length ?? 0) * (record.result?.columns.length ?? 0);
  return carriable(record, cells) ? signer.sign('query-record', record) : undefined;
}

/** The finished record an ending carried, if this deployment signed it and it is `queryId`'s: else null, and the waiter reads the store. */
export function carriedRecord(signer: JobSigner, ending: Ending | null, queryId: string): QueryView | null {
  if (!ending || ending.carried === undefined) return null;
  const record = verified(signer, 'query-record', ending.carried) as QueryView | null;
  return record?.id === queryId ? record : null;
}

/** Which fragment's rows a delivery holds. */
export interface FragmentOf {
  queryId: string;
  generation: number;
  index: number;
}

/** A fragment's rows to carry with its end, signed with the fragment they are of; undefined when spilled or too large. */
export function outputToCarry(signer: JobSigner, of: FragmentOf, output: FragmentOutput): object | undefined {
  if (output.rows === null) return undefined;
  const delivery = { ...of, output };
  return carriable(delivery, output.rows.length * output.fields.length) ? signer.sign('fragment-result', delivery) : undefined;
}

/** The rows a fragment's end carried, if this deployment signed them as `of`'s: else null, and the combine job combines. */
export function carriedOutput(signer: JobSigner, carried: unknown, of: FragmentOf): FragmentOutput | null {
  if (carried === undefined) return null;
  const delivery = verified(signer, 'fragment-result', carried);
  if (!delivery || delivery.queryId !== of.queryId || delivery.generation !== of.generation || delivery.index !== of.index) return null;
  const output = FragmentOutput.safeParse(delivery.output);
  return output.success ? output.data : null;
}
