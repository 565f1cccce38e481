/** Which measurement of the database the cost model plans with: a worse one must be seen twice. */
import { betterOf, clearlyWorse, settleMeasurement, type DatabaseFigures } from './settle';

// As measured here on an idle server, and while `npm start` brought its processes up.
const idle: DatabaseFigures = { databaseParallelism: 2.0, msPerCost: 0.0012, parallelStartMs: 3.6, parallelWorkerStartMs: 0.4 };
const loaded: DatabaseFigures = { databaseParallelism: 1.48, msPerCost: 0.00125, parallelStartMs: 5.8, parallelWorkerStartMs: 0.5 };

test('the first measurement is used at once, and waits for a second to confirm it', () => {
  expect(settleMeasurement(null, null, loaded)).toEqual({ inForce: loaded, pending: loaded });
});

test('confirming keeps each figure at the better of the two measurements', () => {
  expect(settleMeasurement(loaded, loaded, idle)).toEqual({ inForce: idle, pending: null });
  // Load in the second, not the first: the first's figures stand.
  expect(settleMeasurement(idle, idle, loaded)).toEqual({ inForce: idle, pending: null });
  // Figure by figure: a faster start from one, more sessions from the other.
  const mixed = { ...idle, parallelStartMs: 9 };
  expect(settleMeasurement(loaded, loaded, mixed).inForce).toEqual({ ...idle, parallelStartMs: loaded.parallelStartMs });
});

test('a measurement clearly worse than the figures in force changes nothing until a second one says so too', () => {
  const waiting = settleMeasurement(idle, null, loaded);
  expect(waiting).toEqual({ inForce: idle, pending: loaded });
  // The server really is smaller now (moved, shared): both measurements say so, the better of them stands.
  const smaller = { ...loaded, databaseParallelism: 1.4 };
  expect(settleMeasurement(waiting.inForce, waiting.pending, smaller)).toEqual({ inForce: loaded, pending: null });
});

test('one as good, or worse only within the noise, replaces the figures at once', () => {
  expect(settleMeasurement(loaded, null, idle)).toEqual({ inForce: idle, pending: null });
  const drifted = { databaseParallelism: 1.9, msPerCost: 0.0013, parallelStartMs: 4.2, parallelWorkerStartMs: 0.8 };
  expect(clearlyWorse(drifted, idle)).toBe(false);
  expect(settleMeasurement(idle, null, drifted)).toEqual({ inForce: drifted, pending: null });
});

test.each([
  ['fewer sessions at full speed', { databaseParallelism: 1.7 }],
  ['more time per unit of the estimate', { msPerCost: 0.0014 }],
  ['a slower first parallel worker', { parallelStartMs: 5 }],
  ['slower further workers', { parallelWorkerStartMs: 1 }],
])('clearly worse: %s', (_, change) => {
  expect(clearlyWorse({ ...idle, ...change }, idle)).toBe(true);
  expect(betterOf({ ...idle, ...change }, idle)).toEqual(idle);
});
