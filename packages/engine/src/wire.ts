/**
 * What pgfan's own node-postgres Submittables (`CappedQuery`, `FragmentCursor`) share: the part of
 * pg's Connection they write to, pg's row decoder, and a statement sent without waiting for it.
 * They write the extended protocol themselves so that a transaction's statements travel in the
 * same round trip as the query inside it.
 */
import type { FieldDef } from 'pg';
import { RAW_TEXT } from './connection';

export type Row = (string | null)[];

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
 * Parse, Bind and Execute of a statement without parameters or rows (BEGIN, SET LOCAL, COMMIT),
 * through the unnamed statement and portal. No Sync: it goes with whatever follows it.
 */
export function sendStatement(connection: Connection, text: string): void {
  connection.parse({ text });
  connection.bind({ values: [] });
  connection.execute({ rows: 0 });
}
