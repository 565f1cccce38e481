/** Small constructors for IR nodes, so decomposition code reads like the SQL it produces. */
import type { Call, Expr } from './ir';

export function ref(name: string): Expr {
  return { kind: 'ref', name };
}

export function lit(sql: string): Expr {
  return { kind: 'literal', sql };
}

export function cast(operand: Expr, type: string): Expr {
  return { kind: 'cast', operand, type };
}

export function bin(left: Expr, op: string, right: Expr): Expr {
  return { kind: 'binary', op, left, right };
}

export function fn(name: string, args: Expr[], options: { filter?: Expr | null; distinct?: boolean } = {}): Call {
  return { kind: 'call', schema: null, name, args, star: false, distinct: options.distinct ?? false, filter: options.filter ?? null };
}

export function caseWhen(whens: [Expr, Expr][], otherwise: Expr | null): Expr {
  return { kind: 'case', operand: null, whens: whens.map(([when, then]) => ({ when, then })), otherwise };
}
