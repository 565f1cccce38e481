/** @pgfan/store — the query history and spilled partial rows, in PostgreSQL schema `pgfan`. */
export { migrate, migrations, type Migration } from './migrate';
export {
  insertQuery,
  getQuery,
  getQueryWork,
  listQueries,
  decodeCursor,
  beginGeneration,
  markCombining,
  finishQuery,
  cancelQuery,
  failOverdue,
  purgeHistory,
  vacuumHistoryIfNeeded,
  type Db,
  type NewQuery,
  type QueryWork,
  type ListOptions,
  type Outcome,
  type Admission,
  type AdmissionLimits,
  type InsertOptions,
} from './queries';
export { activeKeyDigests, createApiKey, revokeApiKey, listApiKeys, keyDigest, type ApiKeyInfo } from './api-keys';
export { writePartialRows, clearPartialRows, PARTIAL_ROWS, type PartialKey } from './partials';
