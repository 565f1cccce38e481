/**
 * What pgfan's own node-postgres Submittables (`CappedQuery`, `FragmentCursor`) share: the part of
 * pg's Connection they write to, pg's row decoder, and a statement sent without waiting for it.
 * They write the extended protocol themselves so that a transaction's statements travel in the
 * same round trip as the query inside it.
 */
import type { FieldDef } from 'pg';

export type Row = (string | null)[];

/** node-postgres type parsers that keep every value as PostgreSQL's text output. */
export const RAW_TEXT = { getTypeParser: () => (value: string) => value };

/** pg's row decoder for array rows, in the text pgfan keeps every value as. */
export interface RowDecoder {
  fields: FieldDef[];
  addFields(fields: unknown[]): void;
  parseRow(fields: unknown[]): Row;
}

// pg's row decoder (pg-cursor uses the same); pg does not export it from its index.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Result = require('pg/lib/result.js') as new (rowMode: 'array', types: unknown) => RowDecoder;

export const rowDecoder = (): RowDecoder => new Result('array', RAW_TEXT);

/** The part of node-postgres' Connection a submitted query writes to. */
export interface Connection {
  parse(config: { text: string }): void;
  bind(config: { portal?: string; values: readonly (string | null)[] }): void;
  describe(config: { type: 'P'; name?: string }): void;
  execute(config: { portal?: string; rows: number }): void;
  close(config: { type: 'P'; name: string }): void;
  flush(): void;
  sync(): void;
  sendCopyFail(message: string): void;
}

/**
 * Parse, Bind and Execute of a statement without parameters (BEGIN, SET LOCAL, ROLLBACK),
 * through the unnamed statement and portal. No Sync: it goes with whatever follows it.
 */
export function sendStatement(connection: Connection, text: string): void {
  connection.parse({ text });
  connection.bind({ values: [] });
  connection.execute({ rows: 0 });
}

/**
 * A `text[]` parameter in PostgreSQL's array input syntax: every element double-quoted (with
 * backslashes and double quotes escaped), NULL bare.
 * @example textArrayLiteral(['a"b', null]) // '{"a\\"b",NULL}'
 */
export function textArrayLiteral(values: readonly (string | null)[]): string {
  return `{${values.map((v) => (v === null ? 'NULL' : `"${v.replace(/[\\"]/g, '\\$&')}"`)).join(',')}}`;
}
