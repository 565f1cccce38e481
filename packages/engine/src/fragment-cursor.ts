/**
 * Reads a fragment's rows in batches through a named portal, inside a transaction that travels
 * with it: the statements that open the transaction go out with the portal's Parse and first
 * Execute, and the transaction's end with its Close. A fragment whose rows fit in one batch is
 * answered in one round trip (BEGIN, pg-cursor and COMMIT took four): its rows are whole at the
 * Execute's CommandComplete, so the last batch is handed over then, while the transaction's end
 * is still on its way (`ended`).
 *
 * An Execute with a row limit, as any cursor's, so PostgreSQL plans the fragment without parallel
 * workers: a fragment is one of several running at once already.
 */
import type { FieldDef } from 'pg';
import { deferred } from './deferred';
import { inOneWrite, rowDecoder, sendStatement, type Connection, type Row } from './wire';

export interface Batch {
  rows: Row[];
  /** The portal is exhausted and the transaction committed: no batch follows. */
  last: boolean;
}

let portals = 0;

/**
 * - reading: an Execute is on its way, and no Sync: the server answers with PortalSuspended or
 *   CommandComplete.
 * - suspended: a batch was handed over; the portal waits for the next Execute.
 * - finishing: the last batch was handed over; Close, the closing statements and Sync are on their way.
 * - closing: given up between batches; Close and Sync are on their way.
 * - failed, done: over; the client has or will have its ReadyForQuery.
 */
type State = 'reading' | 'suspended' | 'finishing' | 'closing' | 'failed' | 'done';

/** A node-postgres Submittable: `client.query(cursor)`, then `read()` until a batch is `last`. */
export class FragmentCursor {
  private readonly decoder = rowDecoder();
  private readonly portal = `pgfan_fragment_${++portals}`;
  private connection: Connection | null = null;
  private state: State = 'reading';
  private openingLeft: number;
  private rows: Row[] = [];
  private batch = deferred<Batch>();
  private readonly end = deferred<void>();
  private error: Error | null = null;
  private abandoned = false;

  /**
   * @param opening statements without parameters or rows that open the transaction (BEGIN, SET
   *   TRANSACTION SNAPSHOT, SET LOCAL); `closing` ends it once every row is read.
   */
  constructor(
    private readonly text: string,
    private readonly values: readonly (string | null)[],
    private readonly batchRows: number,
    private readonly opening: readonly string[],
    private readonly closing: readonly string[],
  ) {
    this.openingLeft = opening.length;
  }

  /** The result's columns, known once the first batch has arrived. */
  get fields(): FieldDef[] {
    return this.decoder.fields;
  }

  /**
   * Settles once the session has ended the transaction after the last batch (`closing` ran): the
   * session may then serve another fragment. Rejects if ending it failed, or the fragment did:
   * the session is then not fit to hand on.
   */
  get ended(): Promise<void> {
    return this.end.promise;
  }

  /** Whether it failed before its transaction was open: in `opening`, not in the fragment. */
  get failedToOpen(): boolean {
    return this.state === 'failed' && this.openingLeft > 0;
  }

  /** The next batch. Call it again only once the last one has arrived and was not `last`. */
  read(): Promise<Batch> {
    if (this.state === 'failed') return Promise.reject(this.error);
    if (this.state === 'suspended') {
      this.state = 'reading';
      this.batch = deferred();
      this.requestBatch();
    }
    return this.batch.promise;
  }

  /**
   * Gives up on the remaining rows, closing the portal (now, or when the batch on its way
   * arrives) so the session answers the next query. The transaction stays open, for the caller to
   * roll back; a query submitted after it waits until then.
   */
  close(): void {
    if (this.state === 'suspended') this.closePortal();
    else if (this.state === 'reading') this.abandoned = true;
  }

  submit(connection: Connection): void {
    this.connection = connection;
    inOneWrite(connection, () => {
      this.opening.forEach((text) => sendStatement(connection, text));
      connection.parse({ text: this.text });
      connection.bind({ portal: this.portal, values: this.values });
      connection.describe({ type: 'P', name: this.portal });
      this.requestBatch();
    });
  }

  handleRowDescription(message: { fields: unknown[] }): void {
    this.decoder.addFields(message.fields);
  }

  handleDataRow(message: { fields: unknown[] }): void {
    // Rows of the opening or closing statements are not the fragment's.
    if (this.state !== 'reading' || this.openingLeft > 0) return;
    this.rows.push(this.decoder.parseRow(message.fields));
  }

  handlePortalSuspended(): void {
    this.state = 'suspended';
    if (this.abandoned) this.closePortal();
    else this.batch.resolve({ rows: this.takeRows(), last: false });
  }

  handleCommandComplete(): void {
    if (this.openingLeft > 0) this.openingLeft--;
    else if (this.state === 'reading') this.finish();
    // Otherwise a closing statement's own completion: nothing to do until ReadyForQuery.
  }

  /** An empty statement completes without CommandComplete. pgfan never sends one; still, it ends. */
  handleEmptyQuery(): void {
    if (this.state === 'reading') this.finish();
  }

  handleCopyInResponse(connection: Connection): void {
    connection.sendCopyFail('pgfan runs SELECT only');
  }

  handleCopyData(): void {}

  /**
   * An ErrorResponse, or a dead connection. After an ErrorResponse PostgreSQL skips everything up
   * to the next Sync: send one unless it is on its way, so the session answers again.
   */
  handleError(error: Error): void {
    const syncSent = this.state === 'finishing' || this.state === 'closing';
    this.error ??= error;
    this.state = 'failed';
    if (!syncSent) this.connection?.sync();
    // After the last batch was handed over, only the transaction's end can fail: `ended` says so.
    this.batch.reject(error);
    this.end.reject(error);
  }

  handleReadyForQuery(): void {
    if (this.state === 'finishing') {
      this.state = 'done';
      this.end.resolve();
    } else if (this.state === 'closing') {
      this.state = 'done';
    }
  }

  private requestBatch(): void {
    const connection = this.live();
    inOneWrite(connection, () => {
      connection.execute({ portal: this.portal, rows: this.batchRows });
      connection.flush();
    });
  }

  /** Every row has arrived: they are handed over now, not a round trip later when the transaction has ended. */
  private finish(): void {
    this.state = 'finishing';
    const connection = this.live();
    inOneWrite(connection, () => {
      connection.close({ type: 'P', name: this.portal });
      this.closing.forEach((text) => sendStatement(connection, text));
      connection.sync();
    });
    this.batch.resolve({ rows: this.takeRows(), last: true });
  }

  private closePortal(): void {
    this.state = 'closing';
    const connection = this.live();
    inOneWrite(connection, () => {
      connection.close({ type: 'P', name: this.portal });
      connection.sync();
    });
  }

  private takeRows(): Row[] {
    const rows = this.rows;
    this.rows = [];
    return rows;
  }

  private live(): Connection {
    if (this.connection === null) throw new Error('the cursor has not been submitted');
    return this.connection;
  }
}
