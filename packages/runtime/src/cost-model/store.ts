/**
 * The cost model's learned factors (two per class of query and two per statement: as written,
 * fanned out; and a fan-out's fixed cost and fragment time), shared by every API and worker
 * process through Redis: the API reads them to plan, and whoever finishes a query records how its
 * time compared with the prediction, writing only the fields that moved. Concurrent updates of one
 * field may overwrite each other; a lost observation only slows learning.
 */
import { createHash } from 'node:crypto';
import {
  DEFAULT_COST_MODEL,
  learnFromFanOut,
  learnStatement,
  MEASURED_FIGURES,
  measurementOf,
  QUERY_CLASSES,
  STATEMENT_FACTORS,
  statementText,
  TAUGHT_BY,
  type CostModel,
  type FinishedFanOut,
  type LearnedFactors,
  type Observation,
  type QueryClass,
  type StatementFactors,
} from '@pgfan/planner';
import type { FragmentOutput } from '@pgfan/contracts';
import type { Redis } from 'ioredis';
import type { DatabaseFigures, SettledFigures } from './settle';

const KEY = 'pgfan:cost-model';
/**
 * One hash field per factor and class, `costScale:<class>` and `fanOutScale:<class>`. Older
 * versions kept a single `costScale`, which is ignored; scales they learned from fan-outs too are
 * kept, and unlearn as queries run as written.
 */
const FIELD_PREFIX: Record<LearnedFactors, string> = { costScales: 'costScale', fanOutScales: 'fanOutScale' };
const FIELDS = Object.values(TAUGHT_BY).flatMap((factors) => QUERY_CLASSES.map((cls) => ({ factors, cls })));
const field = (factors: LearnedFactors, cls: QueryClass) => `${FIELD_PREFIX[factors]}:${cls}`;

/** What a sensible value is for each figure the API measures (`MEASURED_FIGURES`), not learned. */
const SENSIBLE: Record<(typeof MEASURED_FIGURES)[number], (v: number) => boolean> = {
  databaseParallelism: (v) => v >= 1,
  msPerCost: (v) => v > 0,
  parallelStartMs: (v) => v >= 0,
  parallelWorkerStartMs: (v) => v >= 0,
};
/** The measured figures: field and model name, and what a sensible value is. */
const MEASURED = MEASURED_FIGURES.map((name) => ({ name, sensible: SENSIBLE[name] }));
/** Learned from finished fan-outs (`learnFromFanOut`), one field each beside the scales. */
const LEARNED = [
  { name: 'fanOutMs', sensible: (v: number) => v > 0 },
  { name: 'fragmentMs', sensible: (v: number) => v > 0 },
] as const;
/** The model's single numbers, each a field of its own name. */
const SCALARS = [...MEASURED, ...LEARNED];

/** A stored factor: a positive number, or null for a field unset or damaged. */
function storedFactor(stored: string | null | undefined): number | null {
  const value = Number(stored ?? NaN);
  return Number.isFinite(value) && value > 0 ? value : null;
}

export async function readCostModel(redis: Redis): Promise<CostModel> {
  const stored = await redis.hmget(KEY, ...FIELDS.map((f) => field(f.factors, f.cls)), ...SCALARS.map((m) => m.name));
  const model = { ...DEFAULT_COST_MODEL, costScales: { ...DEFAULT_COST_MODEL.costScales }, fanOutScales: { ...DEFAULT_COST_MODEL.fanOutScales } };
  FIELDS.forEach(({ factors, cls }, i) => {
    const value = storedFactor(stored[i]);
    if (value !== null) model[factors][cls] = value;
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
  await writeChanges(redis, before, teach(before));
}

async function writeChanges(redis: Redis, before: CostModel, after: CostModel): Promise<void> {
  if (after === before) return;
  const old = fieldsOf(before);
  const changed = Object.entries(fieldsOf(after)).filter(([name, value]) => old[name] !== value);
  if (changed.length > 0) await redis.hset(KEY, Object.fromEntries(changed));
}

/**
 * One hash per statement, by a digest of its text as its plan carries it (`statementText`: the
 * API plans with the text as sent, the runs teach with the plan's), with the factors its own runs
 * taught (`StatementFactors`); forgotten a week after its last run taught something.
 */
export const statementKey = (sql: string) => `${KEY}:statement:${createHash('sha256').update(statementText(sql)).digest('base64url')}`;
const STATEMENT_TTL_SECONDS = 7 * 24 * 3600;
/** Beside the factors: set once a run as written was planned to learn the statement's time (`exploresAsWritten`). */
const EXPLORED_FIELD = 'explored';

/** What `sql`'s own earlier runs taught the cost model; empty for a statement it has not seen (or has forgotten). */
export async function readStatementFactors(redis: Redis, sql: string): Promise<StatementFactors> {
  const stored = await redis.hmget(statementKey(sql), ...STATEMENT_FACTORS, EXPLORED_FIELD);
  const factors: StatementFactors = {};
  STATEMENT_FACTORS.forEach((name, i) => {
    const value = storedFactor(stored[i]);
    if (value !== null) factors[name] = value;
  });
  if (stored[STATEMENT_FACTORS.length] === '1') factors.explored = true;
  return factors;
}

/** Notes that a run as written of `sql` was planned to learn its time: the model tries that once. */
export async function recordExplored(redis: Redis, sql: string): Promise<void> {
  const key = statementKey(sql);
  await redis.multi().hset(key, EXPLORED_FIELD, '1').expire(key, STATEMENT_TTL_SECONDS).exec();
}

/** Teaches `sql`'s own factors and, from its first run on a side, its class's (`learnStatement`). */
async function recordStatementLearning(
  redis: Redis,
  sql: string,
  observation: Observation,
  teachModel: (model: CostModel) => CostModel = (m) => m,
): Promise<void> {
  const [before, statement] = await Promise.all([readCostModel(redis), readStatementFactors(redis, sql)]);
  const learned = learnStatement(before, statement, observation);
  await writeChanges(redis, before, teachModel(learned.model));
  if (learned.statement === statement) return;
  const key = statementKey(sql);
  await redis
    .multi()
    .hset(
      key,
      Object.fromEntries(STATEMENT_FACTORS.flatMap((name) => (learned.statement[name] === undefined ? [] : [[name, String(learned.statement[name])]]))),
    )
    .expire(key, STATEMENT_TTL_SECONDS)
    .exec();
}

/** A measurement waiting for a second to confirm it (settle.ts), as JSON; it lapses if none comes. */
const PENDING_KEY = `${KEY}:measurement:pending`;

/** The database's figures the model plans with, or null until the API has measured them. */
export function measuredFigures(model: CostModel): DatabaseFigures | null {
  const measurement = measurementOf(model);
  return MEASURED_FIGURES.every((f) => measurement[f] !== null) ? (measurement as DatabaseFigures) : null;
}

/** The measurement waiting to be confirmed, if any (a damaged one reads as none). */
export async function readPendingMeasurement(redis: Redis): Promise<DatabaseFigures | null> {
  const stored = await redis.get(PENDING_KEY);
  try {
    const parsed = (stored === null ? {} : JSON.parse(stored)) as Record<string, unknown>;
    const values = MEASURED.map(({ name, sensible }) => {
      const value = Number(parsed[name] ?? NaN);
      return Number.isFinite(value) && sensible(value) ? value : null;
    });
    if (values.some((value) => value === null)) return null;
    return Object.fromEntries(MEASURED.map(({ name }, i) => [name, values[i]])) as unknown as DatabaseFigures;
  } catch {
    return null;
  }
}

/** Whether a measurement waits to be confirmed (health says so). */
export async function measurementPending(redis: Redis): Promise<boolean> {
  return (await redis.exists(PENDING_KEY)) === 1;
}

/** Records what a measurement settled (`settleMeasurement`): the figures in force, and one kept `pendingTtlMs` to be confirmed. */
export async function recordSettledFigures(redis: Redis, settled: SettledFigures, pendingTtlMs: number): Promise<void> {
  const write = redis.multi().hset(KEY, Object.fromEntries(MEASURED.map(({ name }) => [name, String(settled.inForce[name])])));
  if (settled.pending) write.set(PENDING_KEY, JSON.stringify(settled.pending), 'PX', Math.max(1, Math.round(pendingTtlMs)));
  else write.del(PENDING_KEY);
  await write.exec();
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

/** What a query run as written teaches, as `sql` and of its class (see `learnStatement`). */
export function recordObservation(redis: Redis, sql: string, observation: Observation): Promise<void> {
  return recordStatementLearning(redis, sql, observation);
}

/**
 * What a finished fan-out of `sql` teaches, in one read and one write of the shared model: its
 * fixed costs (see `learnFromFanOut`), if it can tell them, and, if the model chose it, how its
 * scan compared with the prediction (see `learnStatement`).
 */
export function recordFanOut(redis: Redis, sql: string, finished: FinishedFanOut | null, observation: Observation | null = null): Promise<void> {
  const teachFixedCosts = (model: CostModel) => (finished ? learnFromFanOut(model, finished) : model);
  return observation ? recordStatementLearning(redis, sql, observation, teachFixedCosts) : recordLearning(redis, teachFixedCosts);
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
