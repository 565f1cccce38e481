/**
 * @pgfan/engine — runs planner output on PostgreSQL. Used by the CLI's in-process mode and by
 * the workers.
 */
export {
  createQueryPool,
  IDLE_SESSION_MS,
  survivingConnectionErrors,
  withClient,
  queryUserSql,
  SESSION_SETTINGS,
  type Queryable,
  type QueryPoolOptions,
} from './connection';
export { RAW_TEXT } from './wire';
export { QueryFailedError, fromDatabaseError, serverLoss, LOCK_NOT_AVAILABLE, RECOVERY_CONFLICT, type ExecutionErrorCode } from './errors';
export { loadCatalogFacts } from './catalog';
export { TypeNames } from './type-names';
export { planOnDatabase, planStillStands, type PlannedQuery, type PlanRecheck } from './planning';
export { OPEN_POLICY, parseAllowList, type QueryPolicy, type RelationPattern } from './policy';
export {
  runFragment,
  runSequential,
  runCombine,
  toResultSet,
  toStoredResult,
  RESULT_PAGE_ROWS,
  InexactSplitError,
  type RawResult,
  type FieldType,
  type ResultLimits,
  type StoredResult,
  type KeptPartials,
} from './execution';
export { runLocal, planRecord, errorRecord, mustRunAsWritten, NUMERIC_VALUE_OUT_OF_RANGE, type LocalRunOptions } from './local';
export { toJsonValue, toPostgresText } from './values';
export { exportSnapshot, SnapshotLostError, type HeldSnapshot, type FragmentSession } from './snapshots';
export { streamFragment, runAsWritten, type StreamOptions, type StreamedFragment, type StreamedRows } from './streaming';
export { storeFragment, NoBinaryFormatError, type StoredFragment, type StoredFragmentOptions } from './stored-fragment';
export {
  parseLsn,
  formatLsn,
  readServerState,
  readPosition,
  readReplayStop,
  PAUSE_REPLAY_SQL,
  RESUME_REPLAY_SQL,
  ServerBehindError,
  type ServerState,
} from './servers';
export { measureParallelism, measureParallelStart, msPerCostOf, type ParallelStart, type ParallelismMeasurement } from './parallelism';
export { auditQueryRole, provisionQueryRole, type QueryRoleSpec, type RoleAudit } from './query-role';
export { header as resultHeader, rowLines as resultLines, RESULT_TYPES, type ResultType } from './result-formats';
