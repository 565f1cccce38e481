/**
 * @pgfan/planner — splits one analytical SELECT into per-partition fragment queries and a
 * combine query that PostgreSQL runs over the fragments' partial rows. Pure: facts about the
 * database come in as data; see `plan.ts` for the order of the steps.
 */
export { QueryRejectedError, positionAt, type QueryErrorCode, type SqlPosition } from './errors';
export { parseQuery, type ParsedQuery } from './parse';
export { statementText } from './statement';
export { forbiddenCallInExpression, forbiddenCalls, isForbiddenFunction } from './functions';
export { catalogRequest, type CatalogRequest } from './shape';
export { readsTransactionTime } from './transaction-time';
export {
  asWritten,
  asWrittenSql,
  buildPlan,
  prepareSplit,
  planAsWritten,
  storesPartialRows,
  type FragmentPlan,
  type Plan,
  type PlanOptions,
  type PlanPrediction,
  type Preparation,
  withRewrite,
} from './plan';
export { distinctSubquery, expertRewrite, type ExpertRewrite } from './rewrite';
export {
  chooseFanOut,
  EXPLORE_WITHIN,
  exploresAsWritten,
  fanOutFixedMs,
  learn,
  learnFromFanOut,
  learnStatement,
  sameLessons,
  sameMeasurement,
  measurementOf,
  MEASURED_FIGURES,
  type DatabaseMeasurement,
  stillNear,
  STATEMENT_FACTORS,
  type StatementFactors,
  MIN_LEARNING_MS,
  parallelDivisor,
  partialRowsPerFragment,
  predictAsWrittenPlan,
  type AsWrittenPrediction,
  predictFanOutMs,
  queueWaitMs,
  DEFAULT_COST_MODEL,
  QUERY_CLASSES,
  TAUGHT_BY,
  type LearnedFactors,
  queryClass,
  type QueryClass,
  type CostModel,
  type FinishedFanOut,
  type Observation,
  type Prediction,
  type QueryEstimate,
} from './cost';
export { callPartialRows, renderCombine, renderFragmentCopy, PARTIALS, type PartialRowsFunction, type PartialSource } from './render';
export {
  choosePartitions,
  pageRanges,
  keyRanges,
  isKeyRange,
  DEFAULT_PARTITION_POLICY,
  MAX_PARTITIONS,
  type FragmentRange,
  type KeyRange,
  type PageRange,
  type PartitionPolicy,
} from './partition';
export { quoteIdent } from './print';
export type { CombineTemplate } from './decompose';
export type { CatalogFacts, ColumnFacts, FunctionFacts, ProbeColumn, RelationKind, TableFacts } from './facts';
export type { TableRef } from './ir';
export { bindParameters } from './parameters';
