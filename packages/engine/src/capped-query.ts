/**
 * Runs a statement to completion in one Execute, keeping only its first rows and counting the
 * rest, between statements of its own (the transaction around it), all in one round trip. Not
 * through a cursor: PostgreSQL never runs a parallel plan for an Execute with a row limit (it
 * could be suspended), so a cursor made every query pgfan ran as written serial. On the 10M-row
 * benchmark table that was 3.5 s for Q1 where PostgreSQL's own parallel plan takes 1.8 s.
 * Rows past `keepRows` (or `keepBytes` of text) are read and dropped as they arrive, so memory
 * stays bounded.
 */
import type { FieldDef } from 'pg';
import { inOneWrite, rowDecoder, sendStatement, type Connection, type Row } from './wire';

export interface CappedResult {
  fields: FieldDef[];
  rows: Row[];
  /** Every row the statement returned, kept or not. */
  rowCount: number;
}

export interface CappedStatement {
  text: string;
  /** Bind parameters, as text. @defaultValue [] */
  values?: readonly (string | null)[];
  /** Keep at most this many rows. */
  keepRows: number;
  /** Keep rows only while their text stays under this many bytes (the rest are counted). @defaultValue unlimited */
  keepBytes?: number;
  /**
   * Statements without parameters to run first (BEGIN, SET LOCAL), and `after` it (ROLLBACK).
   * All go before one Sync: PostgreSQL skips the rest after an error, and answers once. The
   * statement is a Parse of its own, so it can hold only one statement; rows of the others are
   * not its rows.
   */
  before?: readonly string[];
  after?: readonly string[];
}

/** A node-postgres Submittable: `client.query(new CappedQuery(statement))` resolves `done`. */
export class CappedQuery {
  readonly done: Promise<CappedResult>;
  private readonly result = rowDecoder();
  private readonly rows: Row[] = [];
  private rowCount = 0;
  private keptBytes = 0;
  /** Statements of `before` not yet complete: while any is, rows are not the statement's. */
  private beforeLeft: number;
  private finished = false;
  private resolve!: (result: CappedResult) => void;
  private reject!: (error: Error) => void;

  constructor(private readonly statement: CappedStatement) {
    this.beforeLeft = statement.before?.length ?? 0;
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  submit(connection: Connection): void {
    const { text, values = [], before = [], after = [] } = this.statement;
    inOneWrite(connection, () => {
      before.forEach((statement) => sendStatement(connection, statement));
      // Unnamed statement and portal, Execute with 0 rows: "no limit", so a parallel plan may run.
      // Described, so that only its rows have a RowDescription to go by.
      connection.parse({ text });
      connection.bind({ values });
      connection.describe({ type: 'P' });
      connection.execute({ rows: 0 });
      after.forEach((statement) => sendStatement(connection, statement));
      connection.sync();
    });
  }

  handleRowDescription(message: { fields: unknown[] }): void {
    this.result.addFields(message.fields);
  }

  handleDataRow(message: { fields: unknown[] }): void {
    if (this.beforeLeft > 0 || this.finished) return;
    this.rowCount++;
    if (this.rows.length >= this.statement.keepRows || this.keptBytes > (this.statement.keepBytes ?? Infinity)) return;
    const row = this.result.parseRow(message.fields);
    if (this.statement.keepBytes !== undefined) this.keptBytes += row.reduce((bytes, value) => bytes + (value === null ? 4 : value.length + 3), 1);
    if (this.keptBytes <= (this.statement.keepBytes ?? Infinity)) this.rows.push(row);
  }

  handleCommandComplete(): void {
    if (this.beforeLeft > 0) this.beforeLeft--;
    else this.finished = true;
  }

  /** An empty statement completes without CommandComplete. */
  handleEmptyQuery(): void {
    this.finished = true;
  }

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
