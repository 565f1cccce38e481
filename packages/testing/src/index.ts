/** @pgfan/testing — support for the tests of every package. Not shipped. */
export {
  createTestDatabase,
  databaseUrl,
  ADMIN_URL,
  SESSION_DIRTYING_FUNCTIONS_SQL,
  SLOW_FUNCTION_SQL,
  TEST_DATABASE_PREFIX,
  type TestDatabase,
} from './database';
export { diffResults, diffSubset, sameAllowingFloatRounding, type RowOrder } from './compare';
export { DIFFERENTIAL_CASES, SPLIT_SHARE, type DifferentialCase } from './corpus';
export { randomQuery, type RandomQuery } from './random-queries';
export {
  startPrivateCluster,
  startPrivatePostgres,
  startPrivateRedis,
  freePort,
  type PrivateCluster,
  type PrivatePostgres,
  type PrivateRedis,
} from './servers';
export { startSystem, createQueryRole, eventually, type System, type SystemOptions, type RunningProcess, type HttpResult } from './system';
export { deepQueries } from './deep-queries';
export { bankSql, startTransfers } from './bank';
export { testSessions, type Sessions } from './sessions';
export { recordingLogger, logLines, LEVEL, type LogLine } from './logs';
export { metricSample } from './metrics';
