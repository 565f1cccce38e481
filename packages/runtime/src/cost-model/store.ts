/**
 * The cost model's learned factors (two per class of query: as written, fanned out; and a
 * fan-out's fixed cost and fragment time), shared by every API and worker process through Redis:
 * the API reads them to plan, and whoever finishes a query records how its time compared with the
 * prediction, writing only the fields that moved. Concurrent updates of one field may overwrite
 * each other; a lost observation only slows learning.
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

/** Measured by the API (`measureParallelism`, `measureParallelStart`), not learned: field and model name, and what a sensible value is. */
const MEASURED = [
  { name: 'databaseParallelism', sensible: (v: number) => v >= 1 },
  { name: 'parallelStartMs', sensible: (v: number) => v >= 0 },
  { name: 'parallelWorkerStartMs', sensible: (v: number) => v >= 0 },
] as const;
type Measured = Record<(typeof MEASURED)[number]['name'], number>;
/** Learned from finished fan-outs (`learnFromFanOut`), one field each beside the scales. */
const LEARNED = [
  { name: 'fanOutMs', sensible: (v: number) => v > 0 },
  { name: 'fragmentMs', sensible: (v: number) => v > 0 },
] as const;
/** The model's single numbers, each a field of its own name. */
const SCALARS = [...MEASURED, ...LEARNED];

export async function readCostModel(redis: Redis): Promise<CostModel> {
  const stored = await redis.hmget(KEY, ...FIELDS.map((f) => field(f.factors, f.cls)), ...SCALARS.map((m) => m.name));
  const model = { ...DEFAULT_COST_MODEL, costScales: { ...DEFAULT_COST_MODEL.costScales }, fanOutScales: { ...DEFAULT_COST_MODEL.fanOutScales } };
  FIELDS.forEach(({ factors, cls }, i) => {
    const value = Number(stored[i] ?? NaN);
    if (Number.isFinite(value) && value > 0) model[factors][cls] = value;
  });
  SCALARS.forEach(({ name, sensible }, i) => {
    const value = Number(stored[FIELDS.length + i] ?? NaN);
    if (Number.isFinite(value) && sensible(value)) model[name] = value;
  });
  return model;
}

/** The hash fields that hold `model` (a scalar not yet known has none). */
function fieldsOf(model: CostModel): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const { factors, cls } of FIELDS) fields[field(factors, cls)] = String(model[factors][cls]);
  for (const { name } of SCALARS) if (model[name] !== null) fields[name] = String(model[name]);
  return fields;
}

/**
 * Applies what a finished query taught to the shared model: one read, and one write of the fields
 * it changed only, so that what other processes wrote meanwhile to other fields stands.
 */
async function recordLearning(redis: Redis, teach: (model: CostModel) => CostModel): Promise<void> {
  const before = await readCostModel(redis);
  const after = teach(before);
  if (after === before) return;
  const old = fieldsOf(before);
  const changed = Object.entries(fieldsOf(after)).filter(([name, value]) => old[name] !== value);
  if (changed.length > 0) await redis.hset(KEY, Object.fromEntries(changed));
}

/** Shares what the API measured of the database with every process that plans. */
export async function recordDatabaseMeasurements(redis: Redis, measured: Measured): Promise<void> {
  await redis.hset(KEY, Object.fromEntries(MEASURED.map(({ name }) => [name, String(measured[name])])));
}

/** Per database server, by name: how many sessions it ran at full speed at once (`measureParallelism`). */
const SERVER_PARALLELISM_KEY = 'pgfan:servers:parallelism';

export async function recordServerParallelism(redis: Redis, server: string, parallelism: number): Promise<void> {
  await redis.hset(SERVER_PARALLELISM_KEY, server, String(parallelism));
}

/** Every measured server's parallelism, by name; a server not measured yet is absent. */
export async function readServerParallelism(redis: Redis): Promise<Map<string, number>> {
  const fields = await redis.hgetall(SERVER_PARALLELISM_KEY);
  return new Map(
    Object.entries(fields)
      .map(([name, value]) => [name, Number(value)] as const)
      .filter(([, value]) => Number.isFinite(value) && value >= 1),
  );
}

/** Moves the factor the observation teaches, for its class, toward what it saw (see `learn`). */
export function recordObservation(redis: Redis, observation: Observation): Promise<void> {
  return recordLearning(redis, (model) => learn(model, observation));
}

/**
 * What a finished fan-out teaches, in one read and one write: its fixed costs (see
 * `learnFromFanOut`), if it can tell them, and, if the model chose it, how its scan compared with
 * the prediction (see `learn`).
 */
export function recordFanOut(redis: Redis, finished: FinishedFanOut | null, observation: Observation | null = null): Promise<void> {
  return recordLearning(redis, (model) => {
    const scaled = observation ? learn(model, observation) : model;
    return finished ? learnFromFanOut(scaled, finished) : scaled;
  });
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
