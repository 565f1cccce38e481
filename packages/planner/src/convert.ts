/**
 * Converts node-sql-parser's AST for one SELECT into the planner's IR (`ir.ts`).
 *
 * Two things make this more than a mapping:
 * - node-sql-parser gets operator precedence wrong (it reads `a OR b AND c` as
 *   `(a OR b) AND c`, `a + b || c` as `a + (b || c)`). Unparenthesized operator chains are
 *   flattened back into the sequence the user wrote and re-parsed with PostgreSQL's
 *   precedence table.
 * - Anything the IR cannot represent exactly (subqueries, window functions, syntax this code
 *   has not learned) raises `NotSplittable` with a reason; the query then runs as written.
 *
 * What node-sql-parser cannot read at all reaches it as markers (`corrections.ts`), turned here
 * into the IR they stand for. LIMIT, OFFSET and FETCH never reach it (`row-limit.ts`).
 *
 * node-sql-parser's AST is untyped; `Node` confines that to this file.
 */
import type { Expr, OrderItem, SelectItem, SelectQuery, TableRef } from './ir';
import { MARK } from './markers';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Node = any;

/** The query is valid but has a part the planner cannot split exactly. */
export class NotSplittable extends Error {
  override readonly name = 'NotSplittable';
}

const COMPARISON = new Set(['<', '>', '=', '<=', '>=', '<>', '!=']);
const LIKE_OPS: Record<string, { op: 'LIKE' | 'ILIKE' | 'SIMILAR TO'; negated: boolean }> = {
  LIKE: { op: 'LIKE', negated: false },
  'NOT LIKE': { op: 'LIKE', negated: true },
  ILIKE: { op: 'ILIKE', negated: false },
  'NOT ILIKE': { op: 'ILIKE', negated: true },
  'SIMILAR TO': { op: 'SIMILAR TO', negated: false },
  'NOT SIMILAR TO': { op: 'SIMILAR TO', negated: true },
};

/** PostgreSQL 15's operator precedence, lowest first (docs: "Operator Precedence"). */
const Level = { OR: 1, AND: 2, NOT: 3, IS: 4, COMPARE: 5, LIKE_IN_BETWEEN: 6, OTHER: 7, ADD: 8, MULTIPLY: 9, POWER: 10, UNARY_SIGN: 13 } as const;

function binaryLevel(op: string): number {
  if (op === 'OR') return Level.OR;
  if (op === 'AND') return Level.AND;
  if (op === 'IS DISTINCT FROM' || op === 'IS NOT DISTINCT FROM') return Level.IS;
  if (COMPARISON.has(op)) return Level.COMPARE;
  if (op in LIKE_OPS) return Level.LIKE_IN_BETWEEN;
  if (op === '+' || op === '-') return Level.ADD;
  if (op === '*' || op === '/' || op === '%') return Level.MULTIPLY;
  if (op === '^') return Level.POWER;
  return Level.OTHER;
}

const OPERATOR_TEXT = /^(?:AND|OR|IS (?:NOT )?DISTINCT FROM|[~!@#^&|`?+\-*/%<>=]+)$/;

/**
 * Converts a parsed SELECT into the IR, or throws `NotSplittable`. Its LIMIT and OFFSET are read
 * from tokens instead (`row-limit.ts`), so here they are always absent, as is `GROUP BY ()`
 * (`corrections.ts`).
 */
export function convertSelect(ast: Node): SelectQuery {
  if (ast.with) throw new NotSplittable('queries with WITH (common table expressions) are not split');
  if (ast._next || ast.set_op) throw new NotSplittable('UNION, INTERSECT and EXCEPT are not split');
  if (ast.window) throw new NotSplittable('window functions are not split');
  if (ast.options) throw new NotSplittable('SELECT options are not split');
  const distinct = convertDistinct(ast.distinct);
  const from = convertFrom(ast.from);
  const { items, selectStar } = convertItems(ast.columns, from);
  const groupBy = convertGroupBy(ast.groupby);
  if ((ast.limit?.value ?? []).length > 0) throw new NotSplittable('this LIMIT form is not split');
  return {
    distinct,
    selectStar,
    items,
    from,
    where: ast.where ? convertExpr(ast.where) : null,
    groupBy,
    having: ast.having ? convertExpr(ast.having) : null,
    orderBy: (ast.orderby ?? []).map(convertOrderItem),
    emptyGroupingSet: false,
    limit: null,
    offset: null,
    withTies: false,
  };
}

function convertDistinct(distinct: Node): boolean {
  if (!distinct || distinct.type === null) return false;
  if (distinct.type === 'DISTINCT' && !distinct.columns) return true;
  throw new NotSplittable('DISTINCT ON is not split');
}

function convertFrom(from: Node): TableRef {
  if (!Array.isArray(from) || from.length === 0) throw new NotSplittable('there is no table to split (no FROM)');
  if (from.length > 1) throw new NotSplittable('joins are not split yet');
  const item = from[0];
  if (item.expr) {
    throw new NotSplittable(item.expr.ast ? 'subqueries in FROM are not split' : 'functions in FROM are not split');
  }
  assertOnly(item, ['db', 'table', 'as'], 'this FROM clause');
  if (typeof item.table !== 'string') throw new NotSplittable('this FROM clause is not split');
  return { schema: item.db ?? null, name: item.table, alias: item.as ?? null };
}

function convertItems(columns: Node, from: TableRef): { items: SelectItem[]; selectStar: boolean } {
  const isStar = (c: Node) => c.expr?.type === 'column_ref' && c.expr.column === '*';
  if (columns.some(isStar)) {
    const star = columns[0].expr;
    const qualifier = star.table?.value ?? star.table ?? null;
    if (columns.length > 1 || (qualifier !== null && qualifier !== (from.alias ?? from.name))) {
      throw new NotSplittable('* mixed with other select items is not split');
    }
    return { items: [], selectStar: true };
  }
  const items = columns.map((c: Node): SelectItem => {
    if (c.type !== 'expr') throw new NotSplittable('this select item is not split');
    if (c.as !== null && typeof c.as !== 'string') throw new NotSplittable('this column alias is not split');
    return { expr: convertExpr(c.expr), alias: c.as };
  });
  return { items, selectStar: false };
}

function convertGroupBy(groupby: Node): Expr[] {
  if (!groupby) return [];
  assertOnly(groupby, ['columns'], 'this GROUP BY');
  return groupby.columns.map((c: Node) => {
    const name = c.type === 'function' ? String(c.name?.name?.[0]?.value ?? '').toLowerCase() : '';
    if (name === 'rollup' || name === 'cube' || name === 'grouping sets') {
      throw new NotSplittable('GROUPING SETS, ROLLUP and CUBE are not split');
    }
    return convertExpr(c);
  });
}

function convertOrderItem(o: Node): OrderItem {
  // node-sql-parser keeps NULLS FIRST/LAST in the case it was written.
  const written = String(o.nulls ?? '')
    .toUpperCase()
    .replace(/\s+/g, ' ');
  const nulls = written === 'NULLS FIRST' ? 'FIRST' : written === 'NULLS LAST' ? 'LAST' : null;
  if (o.nulls && !nulls) throw new NotSplittable('this ORDER BY form is not split');
  const type = String(o.type ?? '').toUpperCase();
  const direction = type === 'ASC' || type === 'DESC' ? type : null;
  return { expr: convertExpr(o.expr), direction, nulls };
}

// ---------------------------------------------------------------------------------------------
// Expressions

type ChainItem =
  | { t: 'operand'; expr: Expr }
  | { t: 'binary'; op?: string; level: number; build: (left: Expr, right: Expr) => Expr }
  | { t: 'prefix'; level: number; build: (operand: Expr) => Expr }
  | { t: 'postfix'; level: number; build: (operand: Expr) => Expr };

/** Converts any expression node, re-associating operator chains by PostgreSQL's precedence. */
export function convertExpr(node: Node): Expr {
  if (!isChainNode(node)) return convertAtom(node);
  const items = withMarkedOperators(flattenChain(node));
  let position = 0;
  const parse = (minLevel: number): Expr => {
    const first = items[position++];
    let left: Expr;
    if (first?.t === 'prefix') left = first.build(parse(first.level));
    else if (first?.t === 'operand') left = first.expr;
    else throw new NotSplittable('this operator sequence is not split');
    for (;;) {
      const next = items[position];
      if (!next || next.t === 'operand' || next.t === 'prefix' || next.level < minLevel) return left;
      position++;
      left = next.t === 'postfix' ? next.build(left) : next.build(left, parse(next.level + 1));
    }
  };
  const expr = parse(0);
  if (position !== items.length) throw new NotSplittable('this operator sequence is not split');
  return expr;
}

/**
 * Operators node-sql-parser lacks reach it as `a || "__pgfan_op #" || b` and `"__pgfan_prefix @" || b`
 * (`corrections.ts`): in the chain, written order, each becomes the operator it stands for.
 */
function withMarkedOperators(items: ChainItem[]): ChainItem[] {
  const markedAs = (item: ChainItem | undefined, prefix: string): string | null =>
    item?.t === 'operand' && item.expr.kind === 'column' && item.expr.table === null && item.expr.name.startsWith(prefix)
      ? item.expr.name.slice(prefix.length)
      : null;
  const isConcat = (item: ChainItem | undefined) => item?.t === 'binary' && item.op === '||';
  const out: ChainItem[] = [];
  for (let k = 0; k < items.length; k++) {
    const item = items[k] as ChainItem;
    const binary = markedAs(item, MARK.binary);
    const prefix = markedAs(item, MARK.prefix);
    if (binary !== null && isConcat(out[out.length - 1]) && isConcat(items[k + 1])) {
      out[out.length - 1] = { t: 'binary', op: binary, level: binaryLevel(binary), build: (l, r) => ({ kind: 'binary', op: binary, left: l, right: r }) };
      k++;
    } else if (prefix !== null && isConcat(items[k + 1])) {
      out.push({ t: 'prefix', level: Level.OTHER, build: (operand) => ({ kind: 'unary', op: prefix, operand }) });
      k++;
    } else {
      out.push(item);
    }
  }
  return out;
}

function isChainNode(node: Node): boolean {
  return node.type === 'binary_expr' || node.type === 'unary_expr' || isNotCall(node);
}

/** node-sql-parser reads `NOT (x)` as a call of a function named NOT. */
function isNotCall(node: Node): boolean {
  return node.type === 'function' && node.name?.name?.[0]?.value?.toUpperCase() === 'NOT' && node.args?.value?.length === 1;
}

/** The operands and operators of an unparenthesized chain, in the order they were written. */
function flattenChain(node: Node): ChainItem[] {
  const inner = (child: Node): ChainItem[] => (child.parentheses || !isChainNode(child) ? [{ t: 'operand', expr: convertExpr(child) }] : flattenChain(child));
  if (isNotCall(node)) {
    return [
      { t: 'prefix', level: Level.NOT, build: notOf },
      { t: 'operand', expr: convertExpr(node.args.value[0]) },
    ];
  }
  if (node.type === 'unary_expr') {
    const op = node.operator;
    if (op === 'NOT') return [{ t: 'prefix', level: Level.NOT, build: notOf }, ...inner(node.expr)];
    if (op === '-' || op === '+') {
      return [{ t: 'prefix', level: Level.UNARY_SIGN, build: (operand) => ({ kind: 'unary', op, operand }) }, ...inner(node.expr)];
    }
    throw new NotSplittable(`the operator ${op} is not split`);
  }
  const op: string = node.operator;
  const left = inner(node.left);
  switch (op) {
    case 'IN':
    case 'NOT IN': {
      if (node.right?.type !== 'expr_list') throw new NotSplittable('subqueries are not split');
      const list = node.right.value.map(convertExpr);
      return [...left, { t: 'postfix', level: Level.LIKE_IN_BETWEEN, build: (operand) => ({ kind: 'in', operand, list, negated: op === 'NOT IN' }) }];
    }
    case 'BETWEEN':
    case 'NOT BETWEEN': {
      // BETWEEN SYMMETRIC reaches node-sql-parser with its lower bound in a marker call.
      const [lowNode, highNode] = node.right.value as [Node, Node];
      const symmetric = lowNode.type === 'function' && lowNode.name?.name?.[0]?.value === MARK.symmetric && lowNode.args?.value?.length === 1;
      const low = convertExpr(symmetric ? lowNode.args.value[0] : lowNode);
      const high = convertExpr(highNode);
      const negated = op === 'NOT BETWEEN';
      return [...left, { t: 'postfix', level: Level.LIKE_IN_BETWEEN, build: (operand) => ({ kind: 'between', operand, low, high, negated, symmetric }) }];
    }
    case 'IS':
    case 'IS NOT': {
      const test = isTest(node.right);
      return [...left, { t: 'postfix', level: Level.IS, build: (operand) => ({ kind: 'is', operand, test, negated: op === 'IS NOT' }) }];
    }
  }
  const like = LIKE_OPS[op];
  if (like) {
    const { escape, ...pattern } = node.right;
    const escapeExpr = escape ? convertExpr(escape.value) : null;
    return [
      ...left,
      { t: 'binary', level: Level.LIKE_IN_BETWEEN, build: (operand, p) => ({ kind: 'like', ...like, operand, pattern: p, escape: escapeExpr }) },
      ...inner(pattern),
    ];
  }
  if (!OPERATOR_TEXT.test(op)) throw new NotSplittable(`the operator ${op} is not split`);
  return [...left, { t: 'binary', op, level: binaryLevel(op), build: (l, r) => ({ kind: 'binary', op, left: l, right: r }) }, ...inner(node.right)];
}

function notOf(operand: Expr): Expr {
  return { kind: 'unary', op: 'NOT', operand };
}

function isTest(right: Node): 'NULL' | 'TRUE' | 'FALSE' {
  if (right?.type === 'null') return 'NULL';
  if (right?.type === 'bool') return right.value ? 'TRUE' : 'FALSE';
  throw new NotSplittable('IS DISTINCT FROM is not split');
}

/** Everything that is not an operator chain. */
function convertAtom(node: Node): Expr {
  if (node.ast) throw new NotSplittable('subqueries are not split');
  switch (node.type) {
    case 'column_ref':
      return convertColumnRef(node);
    case 'number':
    case 'bigint':
      return numberLiteral(node.value);
    case 'single_quote_string':
      return { kind: 'literal', sql: stringLiteral(node.value) };
    case 'bool':
      return { kind: 'literal', sql: node.value ? 'TRUE' : 'FALSE' };
    case 'null':
      return { kind: 'literal', sql: 'NULL' };
    case 'date':
    case 'time':
    case 'timestamp':
      return { kind: 'literal', sql: `${node.type.toUpperCase()} ${stringLiteral(node.value)}` };
    case 'interval':
      return intervalLiteral(node);
    case 'cast':
      return convertCast(node);
    case 'case':
      return convertCase(node);
    case 'aggr_func':
      return convertAggregate(node);
    case 'function':
      return convertFunction(node);
    case 'extract': {
      assertOnly(node.args, ['field', 'source', 'cast_type'], 'EXTRACT');
      if (node.args.cast_type) throw new NotSplittable('this EXTRACT form is not split');
      if (!/^[a-z_]+$/i.test(node.args.field)) throw new NotSplittable('this EXTRACT field is not split');
      const field: Expr = { kind: 'literal', sql: String(node.args.field).toUpperCase() };
      return {
        kind: 'call',
        schema: null,
        name: 'extract',
        args: [field, convertExpr(node.args.source)],
        star: false,
        distinct: false,
        filter: null,
        keyword: 'extract',
      };
    }
    case 'array':
      assertOnly(node, ['type', 'keyword', 'expr_list', 'brackets', 'parentheses'], 'this array');
      return { kind: 'array', elements: node.expr_list.value.map(convertExpr) };
    case 'window_func':
      throw new NotSplittable('window functions are not split');
    case 'expr_list':
      throw new NotSplittable('row constructors are not split');
    default:
      throw new NotSplittable(`this expression (${String(node.type)}) is not split`);
  }
}

function convertColumnRef(node: Node): Expr {
  assertOnly(node, ['type', 'schema', 'table', 'column', 'collate', 'array_index', 'options', 'parentheses'], 'this column reference');
  if (node.schema !== undefined && node.schema !== null && (typeof node.schema !== 'string' || node.column === '*')) {
    throw new NotSplittable('this column reference is not split (schema)');
  }
  if (node.column === '*') {
    const qualifier = typeof node.table === 'string' ? node.table : node.table?.value;
    if (typeof qualifier !== 'string') throw new NotSplittable('* here is not split');
    return { kind: 'whole-row', table: qualifier };
  }
  const columnExpr = node.column?.expr;
  if (!columnExpr || (columnExpr.type !== 'default' && columnExpr.type !== 'double_quote_string')) {
    throw new NotSplittable('this column reference is not split');
  }
  const table = typeof node.table === 'string' ? node.table : (node.table?.value ?? null);
  const name = String(columnExpr.value);
  if (table === null && name.startsWith(MARK.keyword)) {
    // current_user, current_timestamp(3) and their kin: keywords that read as values (corrections.ts).
    const [keyword, precision] = name.slice(MARK.keyword.length).split(' ') as [string, string | undefined];
    const args: Expr[] = precision === undefined ? [] : [{ kind: 'literal', sql: precision }];
    return { kind: 'call', schema: null, name: keyword, args, star: false, distinct: false, filter: null, keyword: 'bare' };
  }
  let expr: Expr = { kind: 'column', table, name, ...(typeof node.schema === 'string' && table !== null ? { schema: node.schema } : {}) };
  for (const index of node.array_index ?? []) {
    expr = { kind: 'subscript', operand: expr, index: convertExpr(index.index) };
  }
  if (node.options) {
    const [keyword, zone] = node.options.value ?? [];
    if (String(keyword?.value).toLowerCase() !== 'at time zone' || !zone) throw new NotSplittable('this column option is not split');
    expr = { kind: 'at-time-zone', operand: expr, zone: convertExpr(zone) };
  }
  if (node.collate) {
    const name = node.collate.collate?.name;
    if (!name || (name.type !== 'default' && name.type !== 'double_quote_string')) throw new NotSplittable('this COLLATE is not split');
    expr = { kind: 'collate', operand: expr, collation: name.value };
  }
  return expr;
}

function numberLiteral(value: unknown): Expr {
  const text = String(value);
  if (!/^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) throw new NotSplittable('this number is not split');
  return { kind: 'literal', sql: text.startsWith('-') ? `(${text})` : text };
}

/** Re-quotes a string constant; the parser hands back the text between the quotes as written. */
function stringLiteral(raw: unknown): string {
  const text = String(raw);
  if (!/^(?:[^']|'')*$/.test(text)) throw new NotSplittable('this string constant is not split');
  return `'${text}'`;
}

function intervalLiteral(node: Node): Expr {
  if (node.expr?.type !== 'single_quote_string') throw new NotSplittable('this INTERVAL form is not split');
  const unit = String(node.unit ?? '');
  if (!/^[a-z ]*$/i.test(unit)) throw new NotSplittable('this INTERVAL unit is not split');
  return { kind: 'literal', sql: `INTERVAL ${stringLiteral(node.expr.value)}${unit ? ` ${unit.toUpperCase()}` : ''}` };
}

function convertCast(node: Node): Expr {
  if (!Array.isArray(node.target) || node.target.length !== 1) throw new NotSplittable('this cast is not split');
  return { kind: 'cast', operand: convertExpr(node.expr), type: printType(node.target[0]) };
}

/** Prints a cast's target type, lower-cased: `numeric(10, 2)`, `timestamp with time zone`, `int[]`. */
function printType(target: Node): string {
  assertOnly(target, ['dataType', 'length', 'scale', 'parentheses', 'suffix', 'array'], 'this type name');
  const base = String(target.dataType).toLowerCase();
  if (!/^[a-z_][a-z0-9_ ]*$/.test(base)) throw new NotSplittable('this type name is not split');
  const modifiers =
    target.length != null
      ? `(${[target.length, target.scale]
          .filter((v) => v != null)
          .map(Number)
          .join(', ')})`
      : '';
  const suffix = (target.suffix ?? []).map((w: unknown) => String(w).toLowerCase());
  if (!suffix.every((w: string) => /^[a-z]+$/.test(w))) throw new NotSplittable('this type name is not split');
  const dimensions = target.array ? '[]'.repeat(Number(target.array.dimension ?? 1)) : '';
  return [base + modifiers, ...suffix].join(' ') + dimensions;
}

function convertCase(node: Node): Expr {
  const whens = node.args.filter((a: Node) => a.type === 'when').map((a: Node) => ({ when: convertExpr(a.cond), then: convertExpr(a.result) }));
  const otherwise = node.args.find((a: Node) => a.type === 'else');
  return { kind: 'case', operand: node.expr ? convertExpr(node.expr) : null, whens, otherwise: otherwise ? convertExpr(otherwise.result) : null };
}

function convertAggregate(node: Node): Expr {
  if (node.within_group_orderby) {
    throw new NotSplittable(`${String(node.name).toLowerCase()}() is an ordered-set aggregate (WITHIN GROUP); those are not split`);
  }
  assertOnly(node, ['type', 'name', 'args', 'over', 'filter', 'parentheses'], 'this aggregate');
  if (node.over) throw new NotSplittable('window functions are not split');
  const args = node.args ?? {};
  if (args.orderby) throw new NotSplittable('aggregates with ORDER BY inside are not split');
  if (args.separator) throw new NotSplittable(`${String(node.name).toLowerCase()}() is not split`);
  const star = args.expr?.type === 'star';
  return {
    kind: 'call',
    schema: null,
    name: String(node.name).toLowerCase(),
    args: star ? [] : [convertExpr(args.expr)],
    star,
    distinct: args.distinct === 'DISTINCT',
    filter: node.filter ? convertExpr(node.filter.where) : null,
  };
}

function convertFunction(node: Node): Expr {
  assertOnly(node, ['type', 'name', 'args', 'over', 'parentheses', 'args_parentheses'], 'this function call');
  if (node.over) throw new NotSplittable('window functions are not split');
  const parts: Node[] = node.name?.name ?? [];
  const [part] = parts;
  if (parts.length !== 1 || !part) throw new NotSplittable('this function name is not split');
  if (part.type === 'origin' && !node.args) {
    // CURRENT_DATE, CURRENT_TIMESTAMP, LOCALTIME…: keywords, not calls.
    if (!/^[a-z_]+$/i.test(part.value)) throw new NotSplittable('this function is not split');
    return { kind: 'call', schema: null, name: String(part.value).toLowerCase(), args: [], star: false, distinct: false, filter: null, keyword: 'bare' };
  }
  // With named arguments node-sql-parser calls the name `origin`; it is still a plain name.
  const plainName = part.type === 'origin' && /^[a-z_][a-z0-9_$]*$/.test(String(part.value));
  if (part.type !== 'default' && part.type !== 'double_quote_string' && !plainName) throw new NotSplittable('this function name is not split');
  const name = String(part.value);
  const args: Node[] = node.args?.value ?? [];
  const [wrapped] = args;
  if (name.startsWith(MARK.aggregate) && args.length === 1) {
    // node-sql-parser reads `count((x))` as a plain function, with no DISTINCT or FILTER to lose.
    const inner = wrapped?.type === 'aggr_func' ? convertAggregate(wrapped) : wrapped?.type === 'function' ? convertFunction(wrapped) : null;
    if (inner?.kind === 'call' && inner.name === 'count') {
      const [only] = inner.args;
      const spread = inner.args.length === 1 && only?.kind === 'call' && only.name === MARK.args ? only.args : inner.args;
      return { ...inner, args: spread, name: name.slice(MARK.aggregate.length) };
    }
  }
  if (name === MARK.row)
    return { kind: 'call', schema: null, name: 'row', args: args.map(convertExpr), star: false, distinct: false, filter: null, keyword: 'row' };
  if (name === MARK.field && args.length === 2 && args[1].type === 'column_ref') {
    const field = convertColumnRef(args[1]);
    if (field.kind === 'column' && field.table === null) return { kind: 'field', operand: convertExpr(args[0]), field: field.name };
  }
  const schema = node.name.schema ? String(node.name.schema.value) : null;
  return { kind: 'call', schema, name, args: args.map(convertArgument), star: false, distinct: false, filter: null };
}

/** A call's argument, which may be named: `make_interval(days => 3)`. */
function convertArgument(arg: Node): Expr {
  if (arg.type !== 'func_arg') return convertExpr(arg);
  const { name, symbol, expr } = arg.value ?? {};
  if (typeof name !== 'string' || (symbol !== '=>' && symbol !== ':=')) throw new NotSplittable('this function argument is not split');
  return { kind: 'named-arg', name, value: convertExpr(expr) };
}

/** Refuses nodes carrying fields this converter does not understand, rather than dropping them. */
function assertOnly(node: Node, allowed: string[], what: string): void {
  for (const [key, value] of Object.entries(node ?? {})) {
    if (allowed.includes(key) || key === 'loc') continue;
    if (value === null || value === undefined || value === false) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    throw new NotSplittable(`${what} is not split (${key})`);
  }
}
