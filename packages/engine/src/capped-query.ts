/**
 * Runs a query as written to completion in one Execute, keeping only its first rows and counting
 * the rest, between statements of its own (the transaction around it), all in one round trip. Not through a cursor: PostgreSQL never runs a parallel plan for an Execute with a row
 * limit (it could be suspended), so a cursor made every query pgfan ran as written serial. On the
 * 10M-row benchmark table that was 3.5 s for Q1 where PostgreSQL's own parallel plan takes 1.8 s.
 * Rows past `keepRows` are read and dropped as they arrive, so memory stays bounded.
 */
import type { FieldDef } from 'pg';
// pg's row decoder (pg-cursor uses the same); pg does not export it from its index.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Result = require('pg/lib/result.js') as new (rowMode: 'array', types: unknown) => PgResult;
import { RAW_TEXT } from './connection';

interface PgResult {
  fields: FieldDef[];
  addFields(fields: unknown[]): void;
  parseRow(fields: unknown[]): (string | null)[];
}

/** The part of node-postgres' Connection a submitted query writes to. */
interface Connection {
  parse(config: { text: string }, more: boolean): void;
  bind(config: { values: unknown[] }, more: boolean): void;
  describe(config: { type: 'P' }, more: boolean): void;
  execute(config: { rows: number }, more: boolean): void;
  sync(): void;
  sendCopyFail(message: string): void;
}

export interface CappedResult {
  fields: FieldDef[];
  rows: (string | null)[][];
  /** Every row the query returned, kept or not. */
  rowCount: number;
}

/** A node-postgres Submittable: `client.query(new CappedQuery(sql, n))` resolves `done`. */
export class CappedQuery {
  readonly done: Promise<CappedResult>;
  private readonly result = new Result('array', RAW_TEXT);
  private readonly rows: (string | null)[][] = [];
  private rowCount = 0;
  private resolve!: (result: CappedResult) => void;
  private reject!: (error: Error) => void;

  /**
   * @param before statements without parameters or rows to run first (BEGIN, SET LOCAL), and
   *   `after` last (COMMIT). All go before one Sync: PostgreSQL skips the rest after an error, and
   *   answers once. The user's text is a statement of its own, so it can hold only one.
   */
  constructor(
    private readonly text: string,
    private readonly keepRows: number,
    private readonly before: readonly string[] = [],
    private readonly after: readonly string[] = [],
  ) {
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  submit(connection: Connection): void {
    const run = (text: string) => {
      connection.parse({ text }, true);
      connection.bind({ values: [] }, true);
      connection.execute({ rows: 0 }, true);
    };
    this.before.forEach(run);
    // Unnamed statement and portal, Execute with 0 rows: "no limit", so a parallel plan may run.
    // Described, so that only its rows have a RowDescription to go by.
    connection.parse({ text: this.text }, true);
    connection.bind({ values: [] }, true);
    connection.describe({ type: 'P' }, true);
    connection.execute({ rows: 0 }, true);
    this.after.forEach(run);
    connection.sync();
  }

  handleRowDescription(message: { fields: unknown[] }): void {
    this.result.addFields(message.fields);
  }

  handleDataRow(message: { fields: unknown[] }): void {
    this.rowCount++;
    if (this.rows.length < this.keepRows) this.rows.push(this.result.parseRow(message.fields));
  }

  handleCommandComplete(): void {}

  handleEmptyQuery(): void {}

  handlePortalSuspended(): void {}

  handleCopyInResponse(connection: Connection): void {
    connection.sendCopyFail('pgfan runs SELECT only');
  }

  handleCopyData(): void {}

  /** An ErrorResponse (PostgreSQL follows it with ReadyForQuery, which the client handles) or a dead connection. */
  handleError(error: Error): void {
    this.reject(error);
  }

  handleReadyForQuery(): void {
    this.resolve({ fields: this.result.fields, rows: this.rows, rowCount: this.rowCount });
  }
}
