/**
 * The cost model's learned factors (two per class of query: as written, fanned out; and the fixed
 * cost of a fan-out), shared by every API and worker process through Redis: the API reads them to
 * plan, and whoever finishes a query records how its time compared with the prediction. Concurrent updates may overwrite each
 * other; a lost observation only slows learning.
 */
import {
  DEFAULT_COST_MODEL,
  learn,
  learnFromFanOut,
  QUERY_CLASSES,
  TAUGHT_BY,
  type CostModel,
  type FinishedFanOut,
  type LearnedFactors,
  type Observation,
  type QueryClass,
} from '@pgfan/planner';
import type { FragmentOutput } from '@pgfan/contracts';
import type { Redis } from 'ioredis';

const KEY = 'pgfan:cost-model';
/**
 * One hash field per factor and class, `costScale:<class>` and `fanOutScale:<class>`. Older
 * versions kept a single `costScale`, which is ignored; scales they learned from fan-outs too are
 * kept, and unlearn as queries run as written.
 */
const FIELD_PREFIX: Record<LearnedFactors, string> = { costScales: 'costScale', fanOutScales: 'fanOutScale' };
const FIELDS = Object.values(TAUGHT_BY).flatMap((factors) => QUERY_CLASSES.map((cls) => ({ factors, cls })));
const field = (factors: LearnedFactors, cls: QueryClass) => `${FIELD_PREFIX[factors]}:${cls}`;

/** Measured by the API (`measureParallelism`, `measureParallelStart`), not learned: field and model name, and the least sensible value. */
const MEASURED = [
  { name: 'databaseParallelism', least: 1 },
  { name: 'parallelStartMs', least: 0 },
  { name: 'parallelWorkerStartMs', least: 0 },
] as const;
type Measured = Record<(typeof MEASURED)[number]['name'], number>;

/** Learned from finished fan-outs (`learnFromFanOut`): one field each beside the scales. */
const FAN_OUT_MS = 'fanOutMs';
const FRAGMENT_MS = 'fragmentMs';

export async function readCostModel(redis: Redis): Promise<CostModel> {
  const stored = await redis.hmget(KEY, ...FIELDS.map((f) => field(f.factors, f.cls)), ...MEASURED.map((m) => m.name), FAN_OUT_MS, FRAGMENT_MS);
  const model = { ...DEFAULT_COST_MODEL, costScales: { ...DEFAULT_COST_MODEL.costScales }, fanOutScales: { ...DEFAULT_COST_MODEL.fanOutScales } };
  FIELDS.forEach(({ factors, cls }, i) => {
    const value = Number(stored[i] ?? NaN);
    if (Number.isFinite(value) && value > 0) model[factors][cls] = value;
  });
  MEASURED.forEach(({ name, least }, i) => {
    const value = Number(stored[FIELDS.length + i] ?? NaN);
    if (Number.isFinite(value) && value >= least) model[name] = value;
  });
  const [fanOutMs, fragmentMs] = stored.slice(FIELDS.length + MEASURED.length).map((v) => Number(v ?? NaN));
  if (Number.isFinite(fanOutMs) && (fanOutMs as number) > 0) model.fanOutMs = fanOutMs as number;
  if (Number.isFinite(fragmentMs) && (fragmentMs as number) > 0) model.fragmentMs = fragmentMs as number;
  return model;
}

/** Shares what the API measured of the database with every process that plans. */
export async function recordDatabaseMeasurements(redis: Redis, measured: Measured): Promise<void> {
  await redis.hset(KEY, Object.fromEntries(MEASURED.map(({ name }) => [name, String(measured[name])])));
}

/** Moves the factor the observation teaches, for its class, toward what it saw (see `learn`). */
export async function recordObservation(redis: Redis, observation: Observation): Promise<void> {
  const before = await readCostModel(redis);
  const after = learn(before, observation);
  if (after === before) return;
  const factors = TAUGHT_BY[observation.side];
  await redis.hset(KEY, field(factors, observation.queryClass), String(after[factors][observation.queryClass]));
}

/** Moves the fan-out's learned costs toward what a finished one showed (see `learnFromFanOut`). */
export async function recordFanOut(redis: Redis, observation: FinishedFanOut): Promise<void> {
  const before = await readCostModel(redis);
  const after = learnFromFanOut(before, observation);
  if (after === before) return;
  await redis.hset(KEY, { [FAN_OUT_MS]: String(after.fanOutMs), ...(after.fragmentMs === null ? {} : { [FRAGMENT_MS]: String(after.fragmentMs) }) });
}

/**
 * What a finished fan-out teaches, or null when it cannot tell: a retried fragment or combine,
 * or a later generation, spent time that is neither its fragments' nor its fixed cost, and an
 * older worker's output has no start time. One planned behind other queries' fragments teaches
 * its fragments' time but not its fixed cost: its wait for slots is in its time outside them.
 * @param executeMs from the query's start to the combine's; `combineMs`, the combine itself.
 */
export function fanOutObservation(
  outputs: readonly Pick<FragmentOutput, 'startedAt' | 'ms' | 'attempts' | 'rowCount'>[],
  run: { executeMs: number | null; combineMs: number; generation: number; combineAttempts: number; plannedBehind: boolean },
): FinishedFanOut | null {
  if (outputs.length === 0 || run.executeMs === null || run.generation !== 1 || run.combineAttempts !== 1) return null;
  if (outputs.some((o) => o.startedAt === undefined || o.attempts !== 1)) return null;
  const starts = outputs.map((o) => o.startedAt as number);
  const window = Math.max(...outputs.map((o) => (o.startedAt as number) + o.ms)) - Math.min(...starts);
  return {
    ...(run.plannedBehind ? {} : { outsideFragmentsMs: run.executeMs + run.combineMs - window }),
    partialRows: outputs.reduce((n, o) => n + o.rowCount, 0),
    meanFragmentMs: outputs.reduce((n, o) => n + o.ms, 0) / outputs.length,
  };
}
