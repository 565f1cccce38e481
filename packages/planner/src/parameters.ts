/**
 * A statement's parameters written into its text as typed constants: what a driver binds as
 * `$1`, `$2` (pgjdbc's and psycopg 3's placeholders), for the planner, which reads constants and
 * not parameters. `$n` becomes `('value'::type)`, or `(NULL::type)`, in the parameter's own type as
 * PostgreSQL inferred it, so the statement means what it meant with the value bound. Only `$n`
 * tokens are replaced: never text inside strings, names or comments. Pure.
 */
import { tokenize } from './lexer';

/**
 * @param sql the statement as the client prepared it.
 * @param values each parameter's value in text format (null for NULL), by number from $1.
 * @param types each parameter's type as `format_type` prints it.

 * @returns the statement with constants, or null if a parameter has no value or type.
 * @example bindParameters('SELECT * FROM t WHERE a = $1', ['it''s'], ['text']) // "SELECT * FROM t WHERE a = ('it''s'::text)"
 */
export function bindParameters(sql: string, values: readonly (string | null)[], types: readonly string[]): string | null {
  let tokens;
  try {
    tokens = tokenize(sql);
  } catch {
    return null;
  }
  let out = '';
  let at = 0;
  for (const token of tokens) {
    if (token.kind !== 'param') continue;
    const index = Number(token.text.slice(1)) - 1;
    const type = types[index];
    const value = values[index];
    if (type === undefined || value === undefined || value?.includes('\0')) return null;
    out += `${sql.slice(at, token.start)}(${value === null ? 'NULL' : `'${value.replace(/'/g, "''")}'`}::${type})`;
    at = token.end;
  }
  return out + sql.slice(at);
}
