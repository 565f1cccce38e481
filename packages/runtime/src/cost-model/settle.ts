/**
 * Which measurement of the database the cost model plans with. A measurement is taken under
 * whatever else runs on the server, and load only ever makes it look worse: fewer sessions at full
 * speed, more time per unit of PostgreSQL's estimate, slower parallel workers. One taken while
 * `npm start` brought its processes up measured 1.5 sessions where the same idle server measured
 * 2.0; planned with it for an hour, PostgreSQL's parallel plans looked too slow to pay, and the
 * 1M-row COUNT(*) ran serially at 0.72× PostgreSQL's own time (docs/benchmarks.md, run 23).
 *
 * So a measurement clearly worse than the figures in force is believed only when a second one,
 * minutes later, says so too, and the better of the two is then kept; the very first measurement
 * is used at once (better than none) and confirmed the same way. One as good, or within the
 * noise, replaces the figures at once.
 */
import type { MEASURED_FIGURES } from '@pgfan/planner';

/** What the API measures of a database for the cost model (`measureParallelism`, `msPerCostOf`, `measureParallelStart`), every figure measured. */
export type DatabaseFigures = Record<(typeof MEASURED_FIGURES)[number], number>;

/** The figures in force, and a measurement waiting for a second one to confirm it. */
export interface SettledFigures {
  inForce: DatabaseFigures;
  /** Null when nothing waits to be confirmed. */
  pending: DatabaseFigures | null;
}

/** How far a figure may move the worse way and still be noise: 10%, and half a millisecond of a start-up. */
const TOLERANCE = 0.1;
const START_SLACK_MS = 0.5;

/** Each figure at its better of the two: the server's own capacity shows through the lighter load. */
export function betterOf(a: DatabaseFigures, b: DatabaseFigures): DatabaseFigures {
  return {
    databaseParallelism: Math.max(a.databaseParallelism, b.databaseParallelism),
    msPerCost: Math.min(a.msPerCost, b.msPerCost),
    parallelStartMs: Math.min(a.parallelStartMs, b.parallelStartMs),
    parallelWorkerStartMs: Math.min(a.parallelWorkerStartMs, b.parallelWorkerStartMs),
  };
}

/** Whether `measured` is worse than `inForce` by more than the noise in any figure. */
export function clearlyWorse(measured: DatabaseFigures, inForce: DatabaseFigures): boolean {
  const slower = (now: number, before: number, slack = 0) => now > before * (1 + TOLERANCE) + slack;
  return (
    measured.databaseParallelism < inForce.databaseParallelism * (1 - TOLERANCE) ||
    slower(measured.msPerCost, inForce.msPerCost) ||
    slower(measured.parallelStartMs, inForce.parallelStartMs, START_SLACK_MS) ||
    slower(measured.parallelWorkerStartMs, inForce.parallelWorkerStartMs, START_SLACK_MS)
  );
}

/** What a new measurement makes of the figures in force and of one waiting to be confirmed. */
export function settleMeasurement(inForce: DatabaseFigures | null, pending: DatabaseFigures | null, measured: DatabaseFigures): SettledFigures {
  if (pending) return { inForce: betterOf(pending, measured), pending: null };
  if (!inForce) return { inForce: measured, pending: measured };
  if (clearlyWorse(measured, inForce)) return { inForce, pending: measured };
  return { inForce: measured, pending: null };
}
