/**
 * Runs a fragment whose partial rows are many: `COPY (fragment) TO STDOUT (FORMAT binary)` inside
 * the query's snapshot, its bytes passed as they come into `COPY <table> FROM STDIN (FORMAT
 * binary)` on a session of the store, in one transaction there with the table's creation. No row
 * is decoded in JavaScript, and no value is turned into text and back: PostgreSQL's binary
 * format travels from the fragment's session to the table the combine reads.
 *
 * On the fragment's session, one write carries the transaction's opening, a Describe of the
 * fragment (the table's types come from it), the COPY and the transaction's end. The store's
 * session creates the table once the types are known; the bytes that arrive meanwhile wait in
 * memory, and when the store's socket falls behind, the fragment's socket is paused, so a worker
 * never holds more than a few batches.
 */
import type { PoolClient, Submittable } from 'pg';
import { END_USER_TRANSACTION, endUserTransaction } from './connection';
import { deferred } from './deferred';
import { fromDatabaseError } from './errors';
import type { FieldType } from './execution';
import { openingFailure, transactionStatements, type FragmentSession } from './snapshots';
import { inOneWrite, sendStatement, type Connection } from './wire';

/** Bytes gathered before they go to the store as one CopyData message. */
const BATCH_BYTES = 64 * 1024;

export interface StoredFragmentOptions extends FragmentSession {
  /**
   * Creates the fragment's table on `store`, inside the transaction it is in, for rows of `fields`'
   * types; returns its name as COPY takes it (qualified and quoted).
   */
  createTable(store: PoolClient, fields: FieldType[]): Promise<string>;
  /** Told the number of rows read so far, at most once per batch. */
  onProgress?(rows: number): void;
}

export interface StoredFragment {
  fields: FieldType[];
  rowCount: number;
}

/** A fragment's types were not binary-transferable: the query must run another way. */
export class NoBinaryFormatError extends Error {
  override readonly name = 'NoBinaryFormatError';
  readonly code = 'NO_BINARY_FORMAT';
}

/**
 * Runs `fragment.copySql` on `source` (with `fragment.sql` described for its types) and stores
 * every row it returns in a new table on `store`, committed when the fragment's last row is in.
 * @throws SnapshotLostError, QueryFailedError (with the fragment's SQLSTATE), NoBinaryFormatError
 *   (a column of a type without a binary format), or connection errors. The store's transaction
 *   is rolled back; `source` may still be sending rows, and must be closed (`release(true)`).
 */
export async function storeFragment(
  source: PoolClient,
  store: PoolClient,
  fragment: { sql: string; copySql: string },
  options: StoredFragmentOptions,
): Promise<StoredFragment> {
  const copyOut = new CopyOut(fragment.sql, fragment.copySql, transactionStatements({ ...options, serialPlan: true }), END_USER_TRANSACTION);
  source.query(copyOut as unknown as Submittable);
  let copyIn: CopyIn | null = null;
  try {
    const fields = await copyOut.described;
    await store.query('BEGIN');
    const table = await options.createTable(store, fields);
    copyIn = new CopyIn(`COPY ${table} FROM STDIN (FORMAT binary)`);
    store.query(copyIn as unknown as Submittable);
    await copyIn.ready;
    copyOut.pipeTo(copyIn, options.onProgress);
    // The store failing mid-COPY ends it too (its socket may never drain again).
    const storeEnded = copyIn.done.then(() => Promise.reject(new Error('the store ended the COPY before the fragment did')));
    storeEnded.catch(() => undefined);
    const rowCount = await Promise.race([copyOut.finished, storeEnded]);
    await copyIn.end();
    await store.query('COMMIT');
    return { fields, rowCount };
  } catch (error) {
    copyIn?.fail('the fragment failed');
    await copyIn?.done.catch(() => undefined);
    await store.query('ROLLBACK').catch(() => undefined);
    if (copyOut.settled) await endUserTransaction(source);
    // Otherwise the fragment's session is still sending rows nobody reads: the caller closes it.
    else copyOut.abandon();
    throw storedFailure(copyOut, error);
  }
}

/** PostgreSQL's word for a type without a binary send (COPY TO) or receive (COPY FROM) function. */
const NO_BINARY_FUNCTION = /no binary (output|input) function available for type/;

function storedFailure(copyOut: CopyOut, error: unknown): unknown {
  const message = error instanceof Error ? error.message : '';
  if (NO_BINARY_FUNCTION.test(message)) return new NoBinaryFormatError(`its partial rows cannot be stored in binary: ${message}`);
  return fromDatabaseError(copyOut.failedToOpen ? openingFailure(error) : error);
}

/** The fragment's side: a node-postgres Submittable reading `COPY … TO STDOUT` as raw bytes. */
class CopyOut {
  private readonly types = deferred<FieldType[]>();
  private readonly end = deferred<number>();
  private connection: Connection | null = null;
  private openingLeft: number;
  private rowCount = 0;
  private failed = false;
  /** Bytes that arrived before there was a table to send them to. */
  private waiting: Buffer[] = [];
  private waitingBytes = 0;
  private sink: CopyIn | null = null;
  private discarding = false;
  private onProgress: ((rows: number) => void) | undefined;
  private reportedAt = 0;
  settled = false;

  constructor(
    private readonly selectSql: string,
    private readonly copySql: string,
    private readonly opening: readonly string[],
    private readonly closing: readonly string[],
  ) {
    this.openingLeft = opening.length;
  }

  get described(): Promise<FieldType[]> {
    return this.types.promise;
  }

  get finished(): Promise<number> {
    return this.end.promise;
  }

  /** Whether it failed before its transaction was open: in `opening`, not in the fragment. */
  get failedToOpen(): boolean {
    return this.failed && this.openingLeft > 0;
  }

  submit(connection: Connection): void {
    this.connection = connection;
    inOneWrite(connection, () => {
      this.opening.forEach((text) => sendStatement(connection, text));
      // Described, not run: the types of the rows COPY is about to send.
      connection.parse({ text: this.selectSql });
      connection.describe({ type: 'S' });
      sendStatement(connection, this.copySql);
      this.closing.forEach((text) => sendStatement(connection, text));
      connection.sync();
    });
  }

  /** Sends every byte, those that waited first, to `sink` until the COPY ends. */
  pipeTo(sink: CopyIn, onProgress?: (rows: number) => void): void {
    this.sink = sink;
    this.onProgress = onProgress;
    for (const chunk of this.waiting) sink.write(chunk, this.pauseUntilDrained);
    this.waiting = [];
    this.resume();
  }

  /** Drops whatever else arrives: the caller gave up, and closes the connection. */
  abandon(): void {
    this.discarding = true;
    this.sink = null;
    this.waiting = [];
    this.resume();
  }

  handleRowDescription(message: { fields: { name: string; dataTypeID: number; dataTypeModifier: number }[] }): void {
    this.types.resolve(message.fields.map(({ name, dataTypeID, dataTypeModifier }) => ({ name, dataTypeID, dataTypeModifier })));
  }

  /** The closing `pg_advisory_unlock_all()`'s row. */
  handleDataRow(): void {}

  handleCopyData(message: { chunk: Buffer }): void {
    this.rowCount++;
    if (this.discarding) return;
    if (this.sink) {
      this.sink.write(message.chunk, this.pauseUntilDrained);
      if (this.onProgress && this.rowCount - this.reportedAt >= 5000) {
        this.reportedAt = this.rowCount;
        this.onProgress(this.rowCount);
      }
    } else {
      // pg's parser reuses its buffer: keep a copy. Past a few batches, stop reading until there is a table.
      this.waiting.push(Buffer.from(message.chunk));
      this.waitingBytes += message.chunk.length;
      if (this.waitingBytes > 4 * BATCH_BYTES) this.pause();
    }
  }

  handleCommandComplete(message: { text: string }): void {
    if (this.openingLeft > 0) {
      this.openingLeft--;
      return;
    }
    const copied = /^COPY (\d+)$/.exec(message.text);
    if (copied) this.rowCount = Number(copied[1]);
    // Otherwise a closing statement's own completion: nothing to do until ReadyForQuery.
  }

  handleError(error: Error): void {
    this.failed = true;
    this.settled = true;
    this.resume();
    this.types.reject(error);
    this.end.reject(error);
  }

  handleReadyForQuery(): void {
    if (this.failed) return;
    this.settled = true;
    this.end.resolve(this.rowCount);
  }

  private readonly pauseUntilDrained = (drained: Promise<void>): void => {
    this.pause();
    void drained.then(() => this.resume());
  };

  private pause(): void {
    this.connection?.stream.pause();
  }

  private resume(): void {
    this.connection?.stream.resume();
  }
}

/** The store's side: a node-postgres Submittable feeding `COPY … FROM STDIN` in batches. */
class CopyIn {
  private readonly started = deferred<void>();
  private readonly completed = deferred<void>();
  private connection: Connection | null = null;
  private batch = Buffer.allocUnsafe(BATCH_BYTES);
  private used = 0;
  private drained: Promise<void> | null = null;

  constructor(private readonly text: string) {}

  get ready(): Promise<void> {
    return this.started.promise;
  }

  get done(): Promise<void> {
    return this.completed.promise;
  }

  submit(connection: Connection): void {
    this.connection = connection;
    connection.query(this.text);
  }

  handleCopyInResponse(): void {
    this.started.resolve();
  }

  /**
   * Copies `chunk` into the current batch, sending the batch when it is full. `onBackedUp` is
   * told when the store's socket has more queued than it wants, with when it will have drained.
   */
  write(chunk: Buffer, onBackedUp: (drained: Promise<void>) => void): void {
    if (this.used + chunk.length > BATCH_BYTES) this.flush();
    if (chunk.length > BATCH_BYTES) this.send(chunk);
    else {
      chunk.copy(this.batch, this.used);
      this.used += chunk.length;
    }
    const stream = this.live().stream;
    if (this.drained === null && stream.writableNeedDrain) {
      this.drained = new Promise((resolve) =>
        stream.once('drain', () => {
          this.drained = null;
          resolve();
        }),
      );
      onBackedUp(this.drained);
    }
  }

  /** Sends what is left and ends the COPY; resolves once PostgreSQL has every row. */
  async end(): Promise<void> {
    this.flush();
    this.live().endCopyFrom();
    await this.completed.promise;
  }

  fail(message: string): void {
    if (this.connection) this.connection.sendCopyFail(message);
  }

  handleCommandComplete(): void {}

  handleError(error: Error): void {
    this.started.reject(error);
    this.completed.reject(error);
  }

  handleReadyForQuery(): void {
    this.completed.resolve();
  }

  private flush(): void {
    if (this.used === 0) return;
    // pg copies the bytes into the message it writes: the batch can be reused at once.
    this.send(this.batch.subarray(0, this.used));
    this.used = 0;
  }

  private send(bytes: Buffer): void {
    this.live().sendCopyFromChunk(bytes);
  }

  private live(): Connection {
    if (this.connection === null) throw new Error('the COPY has not been submitted');
    return this.connection;
  }
}
