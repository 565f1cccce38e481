/**
 * Puts back, into the IR, what `corrections.ts` showed node-sql-parser as placeholders: string
 * constants and quoted names exactly as written, and each cast's type. A marker that no
 * conversion consumed means a reading this planner does not trust: the query runs as written.
 */
import { NotSplittable } from './convert';
import type { Originals } from './corrections';
import { mapExpressions, transform, type Expr, type SelectQuery } from './ir';
import { MARK, TYPE_PLACEHOLDER, isMarker } from './markers';

const STRING = new RegExp(`'${MARK.string}(\\d+)'`, 'g');
const NAME = new RegExp(`^${MARK.name}(\\d+)$`);
const TYPE = new RegExp(`^${TYPE_PLACEHOLDER}\\((\\d+)\\)$`);

/** `query` with every placeholder replaced by its original. */
export function restoreOriginals(query: SelectQuery, originals: Originals): SelectQuery {
  const name = (n: string): string => {
    const placeholder = NAME.exec(n);
    if (placeholder) return originals.names[Number(placeholder[1])] as string;
    if (isMarker(n)) throw new NotSplittable('the planner cannot read part of this query');
    return n;
  };
  const nullableName = (n: string | null) => (n === null ? null : name(n));
  const expr = (e: Expr): Expr =>
    transform(e, (node) => {
      switch (node.kind) {
        case 'literal':
          return { ...node, sql: node.sql.replace(STRING, (_, n: string) => originals.strings[Number(n)] as string) };
        case 'column':
          return { ...node, table: nullableName(node.table), name: name(node.name) };
        case 'whole-row':
          return { ...node, table: name(node.table) };
        case 'cast': {
          const placeholder = TYPE.exec(node.type);
          if (!placeholder) throw new NotSplittable('this cast is not split');
          return { ...node, operand: expr(node.operand), type: originals.types[Number(placeholder[1])] as string };
        }
        case 'call':
          return { ...node, schema: nullableName(node.schema), name: name(node.name), args: node.args.map(expr), filter: node.filter && expr(node.filter) };
        case 'named-arg':
          return { ...node, name: name(node.name), value: expr(node.value) };
        case 'field':
          return { ...node, operand: expr(node.operand), field: name(node.field) };
        case 'collate':
          return { ...node, operand: expr(node.operand), collation: name(node.collation) };
        default:
          return undefined;
      }
    });
  const restored = mapExpressions(query, expr);
  return {
    ...restored,
    items: restored.items.map((item) => ({ ...item, alias: nullableName(item.alias) })),
    from: { schema: nullableName(query.from.schema), name: name(query.from.name), alias: nullableName(query.from.alias) },
  };
}
