/**
 * What pgfan's own node-postgres Submittables (`CappedQuery`, `FragmentCursor`) share: the part of
 * pg's Connection they write to, pg's row decoder, and a statement sent without waiting for it.
 * They write the extended protocol themselves so that a transaction's statements travel in the
 * same round trip as the query inside it, and in one socket write (`inOneWrite`). These are pg's
 * internals, not its public API: pg is pinned to one version, and `pg-internals.test.ts` fails if
 * any of them changes shape.
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
  /** A portal's (`P`) or a prepared statement's (`S`) parameters and columns. */
  describe(config: { type: 'P' | 'S'; name?: string }): void;
  execute(config: { portal?: string; rows: number }): void;
  close(config: { type: 'P'; name: string }): void;
  flush(): void;
  sync(): void;
  /** A simple-protocol Query message. */
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
  /**
   * The socket; corked, it gathers what is written into one write. Paused, it stops reading
   * (PostgreSQL then waits to send); `writableNeedDrain` says it has queued more than it wants.
   */
  stream: {
    cork(): void;
    uncork(): void;
    pause(): void;
    resume(): void;
    readonly writableNeedDrain: boolean;
    once(event: 'drain', listener: () => void): void;
  };
}

/**
 * Runs `send` with the socket corked, so that every message it writes leaves in one socket write
 * (pg writes each protocol message on its own). On a machine where every write wakes PostgreSQL on
 * a shared core, writes were the largest item in a worker's CPU profile. pg corks its own queries
 * the same way.
 */
export function inOneWrite(connection: Connection, send: () => void): void {
  connection.stream.cork();
  try {
    send();
  } finally {
    connection.stream.uncork();
  }
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
