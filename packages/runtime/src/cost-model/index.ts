/**
 * The cost model's state, one module: what planning predicts with (`readCostModel`), what a
 * finished query teaches it (`recordObservation`, `recordFanOut`, `fanOutObservation`), and what
 * the database is measured to do (`startDatabaseMeasurement`). The prediction itself, and how an
 * observation moves a factor, are pure and live in the planner (`planner/src/cost.ts`); this
 * module keeps their inputs and outputs in Redis, shared by every process.
 */
export {
  readCostModel,
  readStatementFactors,
  recordExplored,
  statementKey,
  recordObservation,
  recordFanOut,
  fanOutObservation,
  measurementPending,
  recordServerParallelism,
  readServerParallelism,
} from './store';
export { startDatabaseMeasurement, measureDatabaseOnce, MEASUREMENT_APPLICATION_NAME, MEASUREMENT_LOCK, type MeasurementOptions } from './measure';
