/**
 * Runs a query as written to completion in one Execute, keeping only its first rows and counting
 * the rest, between statements of its own (the transaction around it), all in one round trip. Not through a cursor: PostgreSQL never runs a parallel plan for an Execute with a row
 * limit (it could be suspended), so a cursor made every query pgfan ran as written serial. On the
 * 10M-row benchmark table that was 3.5 s for Q1 where PostgreSQL's own parallel plan takes 1.8 s.
 * Rows past `keepRows` are read and dropped as they arrive, so memory stays bounded.
 */
import type { FieldDef } from 'pg';
import { rowDecoder, sendStatement, type Connection, type Row } from './wire';

export interface CappedResult {
  fields: FieldDef[];
  rows: Row[];
  /** Every row the query returned, kept or not. */
  rowCount: number;
}

/** A node-postgres Submittable: `client.query(new CappedQuery(sql, n))` resolves `done`. */
export class CappedQuery {
  readonly done: Promise<CappedResult>;
  private readonly result = rowDecoder();
  private readonly rows: Row[] = [];
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
    this.before.forEach((text) => sendStatement(connection, text));
    // Unnamed statement and portal, Execute with 0 rows: "no limit", so a parallel plan may run.
    // Described, so that only its rows have a RowDescription to go by.
    connection.parse({ text: this.text });
    connection.bind({ values: [] });
    connection.describe({ type: 'P' });
    connection.execute({ rows: 0 });
    this.after.forEach((text) => sendStatement(connection, text));
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
