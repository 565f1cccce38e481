/** @pgfan/store — the query history and spilled partial rows, in PostgreSQL schema `pgfan`. */
export { migrate, migrations, type Migration } from './migrate';
export {
  insertQuery,
  getQuery,
  queryClient,
  getQueryWork,
  listQueries,
  decodeCursor,
  beginGeneration,
  markCombining,
  finishQuery,
  cancelQuery,
  failOverdue,
  purgeHistory,
  historySize,
  vacuumHistoryIfNeeded,
  type Db,
  type NewQuery,
  type QueryWork,
  type ListOptions,
  type Owner,
  type Retention,
  type Outcome,
  type Admission,
  type AdmissionLimits,
  type InsertOptions,
} from './queries';
export { activeKeyDigests, createApiKey, revokeApiKey, listApiKeys, keyDigest, type ApiKeyInfo, type KeyHolder } from './api-keys';
export { writePartialRows, clearPartialRows, PARTIAL_ROWS, type PartialKey } from './partials';
