/**
 * The planner's own representation of one SELECT: small, precisely typed, and printable back to
 * SQL that PostgreSQL reads the same way. node-sql-parser's AST is converted into it once
 * (see `convert.ts`); everything after that works on these types only.
 *
 * Every name here is already folded the way PostgreSQL folds it, so printing a name always
 * quotes it.
 */

export type Expr =
  | ColumnRef
  | WholeRow
  | Literal
  | Unary
  | Binary
  | IsTest
  | Between
  | InList
  | Like
  | Case
  | Cast
  | Call
  | NamedArg
  | ArrayExpr
  | Subscript
  | FieldSelect
  | AtTimeZone
  | Collate
  | Ref;

/** A column of the query's table; `table` is the qualifier as written (name or alias). */
export interface ColumnRef {
  kind: 'column';
  table: string | null;
  name: string;
  /** `schema.table.column`, as BI tools write every column (Metabase): the schema as written. */
  schema?: string;
}

/** `t.*` as a value (`count(t.*)`): the table's whole row; `table` is the qualifier as written. */
export interface WholeRow {
  kind: 'whole-row';
  table: string;
}

/** A constant, kept as safe SQL text: a number as written, a quoted string, TRUE, NULL, DATE '…'. */
export interface Literal {
  kind: 'literal';
  sql: string;
}

/** NOT, a sign, or any prefix operator (`|/`, `@`, `~`). */
export interface Unary {
  kind: 'unary';
  op: string;
  operand: Expr;
}

/** Any binary operator: AND, OR, comparisons, arithmetic, `||`, `->>`, `~`, `#`, `IS DISTINCT FROM`, … */
export interface Binary {
  kind: 'binary';
  op: string;
  left: Expr;
  right: Expr;
}

/** `x IS [NOT] NULL | TRUE | FALSE | UNKNOWN`. */
export interface IsTest {
  kind: 'is';
  operand: Expr;
  test: 'NULL' | 'TRUE' | 'FALSE' | 'UNKNOWN';
  negated: boolean;
}

export interface Between {
  kind: 'between';
  operand: Expr;
  low: Expr;
  high: Expr;
  negated: boolean;
  /** BETWEEN SYMMETRIC: the bounds in either order. */
  symmetric: boolean;
}

export interface InList {
  kind: 'in';
  operand: Expr;
  list: Expr[];
  negated: boolean;
}

export interface Like {
  kind: 'like';
  op: 'LIKE' | 'ILIKE' | 'SIMILAR TO';
  operand: Expr;
  pattern: Expr;
  escape: Expr | null;
  negated: boolean;
}

export interface Case {
  kind: 'case';
  operand: Expr | null;
  whens: { when: Expr; then: Expr }[];
  otherwise: Expr | null;
}

/** `CAST(x AS type)`; `type` is printable SQL for the type name. */
export interface Cast {
  kind: 'cast';
  operand: Expr;
  type: string;
}

/**
 * A function or aggregate call. Whether it aggregates is decided later from its name and the
 * database's catalog; `distinct`, `filter` and `star` only make sense for aggregates.
 * `keyword` calls are SQL keywords with function syntax (CURRENT_DATE, EXTRACT(… FROM …)).
 */
export interface Call {
  kind: 'call';
  schema: string | null;
  name: string;
  args: Expr[];
  star: boolean;
  distinct: boolean;
  filter: Expr | null;
  keyword?: 'bare' | 'extract' | 'row';
}

/** A named argument of a call: `days => 3`. */
export interface NamedArg {
  kind: 'named-arg';
  name: string;
  value: Expr;
}

export interface ArrayExpr {
  kind: 'array';
  elements: Expr[];
}

export interface Subscript {
  kind: 'subscript';
  operand: Expr;
  index: Expr;
}

/** `(operand).field`: a field of a composite value. */
export interface FieldSelect {
  kind: 'field';
  operand: Expr;
  field: string;
}

export interface AtTimeZone {
  kind: 'at-time-zone';
  operand: Expr;
  zone: Expr;
}

export interface Collate {
  kind: 'collate';
  operand: Expr;
  collation: string;
}

/**
 * A reference to a column of the partial rows, used only in combine queries
 * (`p.k0`, `p.a1_sum`). Never produced by parsing.
 */
export interface Ref {
  kind: 'ref';
  name: string;
}

export interface SelectItem {
  expr: Expr;
  /** Output name given with AS, folded; null when PostgreSQL derives the name. */
  alias: string | null;
}

export interface OrderItem {
  expr: Expr;
  direction: 'ASC' | 'DESC' | null;
  nulls: 'FIRST' | 'LAST' | null;
}

export interface TableRef {
  schema: string | null;
  name: string;
  alias: string | null;
}

/** A whole SELECT in the one shape the planner knows how to split (or to explain why not). */
export interface SelectQuery {
  distinct: boolean;
  /** `*` as the only select item. */
  selectStar: boolean;
  items: SelectItem[];
  from: TableRef;
  where: Expr | null;
  groupBy: Expr[];
  /** `GROUP BY ()`: one group of all rows, as with no GROUP BY, even without aggregates. */
  emptyGroupingSet: boolean;
  having: Expr | null;
  orderBy: OrderItem[];
  /** LIMIT's (or FETCH FIRST's) count; null when absent or `LIMIT ALL`. */
  limit: Expr | null;
  offset: Expr | null;
  /** FETCH FIRST … WITH TIES: rows that tie with the last one are kept too. */
  withTies: boolean;
}

/** Every expression of the query: outputs, WHERE, GROUP BY, HAVING, ORDER BY, LIMIT, OFFSET. */
export function queryExpressions(q: SelectQuery): Expr[] {
  return [
    ...q.items.map((i) => i.expr),
    ...(q.where ? [q.where] : []),
    ...q.groupBy,
    ...(q.having ? [q.having] : []),
    ...q.orderBy.map((o) => o.expr),
    ...(q.limit ? [q.limit] : []),
    ...(q.offset ? [q.offset] : []),
  ];
}

/** The query with `f` applied to each of the expressions `queryExpressions` lists. */
export function mapExpressions(q: SelectQuery, f: (e: Expr) => Expr): SelectQuery {
  const nullable = (e: Expr | null) => (e === null ? null : f(e));
  return {
    ...q,
    items: q.items.map((i) => ({ ...i, expr: f(i.expr) })),
    where: nullable(q.where),
    groupBy: q.groupBy.map(f),
    having: nullable(q.having),
    orderBy: q.orderBy.map((o) => ({ ...o, expr: f(o.expr) })),
    limit: nullable(q.limit),
    offset: nullable(q.offset),
  };
}

/** Visits `expr` and every expression inside it, parents first. */
export function walk(expr: Expr, visit: (e: Expr) => void): void {
  visit(expr);
  for (const child of children(expr)) walk(child, visit);
}

/** The direct sub-expressions of `expr`. */
export function children(expr: Expr): Expr[] {
  switch (expr.kind) {
    case 'column':
    case 'whole-row':
    case 'literal':
    case 'ref':
      return [];
    case 'unary':
      return [expr.operand];
    case 'binary':
      return [expr.left, expr.right];
    case 'is':
      return [expr.operand];
    case 'between':
      return [expr.operand, expr.low, expr.high];
    case 'in':
      return [expr.operand, ...expr.list];
    case 'like':
      return [expr.operand, expr.pattern, ...(expr.escape ? [expr.escape] : [])];
    case 'case':
      return [...(expr.operand ? [expr.operand] : []), ...expr.whens.flatMap((w) => [w.when, w.then]), ...(expr.otherwise ? [expr.otherwise] : [])];
    case 'cast':
      return [expr.operand];
    case 'call':
      return [...expr.args, ...(expr.filter ? [expr.filter] : [])];
    case 'named-arg':
      return [expr.value];
    case 'array':
      return expr.elements;
    case 'subscript':
      return [expr.operand, expr.index];
    case 'field':
      return [expr.operand];
    case 'at-time-zone':
      return [expr.operand, expr.zone];
    case 'collate':
      return [expr.operand];
  }
}

/**
 * Rebuilds `expr` bottom-up, letting `replace` substitute any node first. When `replace`
 * returns a node, that node is used as is and its insides are not visited.
 */
export function transform(expr: Expr, replace: (e: Expr) => Expr | undefined): Expr {
  const replaced = replace(expr);
  if (replaced) return replaced;
  const t = (e: Expr): Expr => transform(e, replace);
  const tn = (e: Expr | null): Expr | null => (e ? transform(e, replace) : null);
  switch (expr.kind) {
    case 'column':
    case 'whole-row':
    case 'literal':
    case 'ref':
      return expr;
    case 'unary':
      return { ...expr, operand: t(expr.operand) };
    case 'binary':
      return { ...expr, left: t(expr.left), right: t(expr.right) };
    case 'is':
      return { ...expr, operand: t(expr.operand) };
    case 'between':
      return { ...expr, operand: t(expr.operand), low: t(expr.low), high: t(expr.high) };
    case 'in':
      return { ...expr, operand: t(expr.operand), list: expr.list.map(t) };
    case 'like':
      return { ...expr, operand: t(expr.operand), pattern: t(expr.pattern), escape: tn(expr.escape) };
    case 'case':
      return {
        ...expr,
        operand: tn(expr.operand),
        whens: expr.whens.map((w) => ({ when: t(w.when), then: t(w.then) })),
        otherwise: tn(expr.otherwise),
      };
    case 'cast':
      return { ...expr, operand: t(expr.operand) };
    case 'call':
      return { ...expr, args: expr.args.map(t), filter: tn(expr.filter) };
    case 'named-arg':
      return { ...expr, value: t(expr.value) };
    case 'array':
      return { ...expr, elements: expr.elements.map(t) };
    case 'subscript':
      return { ...expr, operand: t(expr.operand), index: t(expr.index) };
    case 'field':
      return { ...expr, operand: t(expr.operand) };
    case 'at-time-zone':
      return { ...expr, operand: t(expr.operand), zone: t(expr.zone) };
    case 'collate':
      return { ...expr, operand: t(expr.operand) };
  }
}
