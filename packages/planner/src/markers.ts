/**
 * The names `corrections.ts` writes into the text node-sql-parser reads, and `convert.ts` and
 * `restore.ts` read back. Each is a name no query of a user can hold: the gate refuses nothing
 * here, but a marker that survived into printed SQL would name nothing, and fail.
 */
export const MARK = {
  /** Function-name prefix: `stddev(DISTINCT x)` is shown as `__pgfan_agg_stddev(count(DISTINCT x))`. */
  aggregate: '__pgfan_agg_',
  /** Quoted column name standing between two `||` for a binary operator node-sql-parser lacks: `a || "__pgfan_op #" || b`. */
  binary: '__pgfan_op ',
  /** Quoted column name before one `||` for a prefix operator: `"__pgfan_prefix |/" || x`. */
  prefix: '__pgfan_prefix ',
  /** Function `"__pgfan_field"(operand, name)` for `(operand).name`. */
  field: '__pgfan_field',
  /** Function around the arguments of an aggregate with several, inside the aggregate wrapper: `corr(y, x)`. */
  args: '__pgfan_args',
  /** Function `"__pgfan_row"(…)` for `ROW(…)`. */
  row: '__pgfan_row',
  /** Function around the lower bound of `BETWEEN SYMMETRIC`. */
  symmetric: '__pgfan_symmetric',
  /** Quoted column name for an SQL keyword that reads as a value: `"__pgfan_kw current_user"`. */
  keyword: '__pgfan_kw ',
  /** String constant `'__pgfan_s3'`: the statement's string constant number 3. */
  string: '__pgfan_s',
  /** Quoted name `"__pgfan_n3"`: the statement's misread quoted name number 3. */
  name: '__pgfan_n',
} as const;

/** A cast's target type stands as `numeric(N)`, the N-th type name of the statement. */
export const TYPE_PLACEHOLDER = 'numeric';

/** True for any name that only a marker has. */
export function isMarker(name: string): boolean {
  return name.startsWith('__pgfan_');
}
