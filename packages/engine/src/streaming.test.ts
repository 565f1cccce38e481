/**
 * Streaming a fragment through a cursor: rows stay inline or spill, and every failure — in the
 * database or in the spill — ends the fragment instead of leaving its session waiting.
 */
import { useQueryPool } from './__tests__/harness';
import type { PoolClient, Submittable } from 'pg';
import { FragmentCursor } from './fragment-cursor';
import { exportSnapshot, SnapshotLostError } from './snapshots';
import { runAsWritten, streamFragment, type StreamOptions } from './streaming';

const t = useQueryPool('streaming');

const session = (overrides: Partial<StreamOptions> = {}): StreamOptions => ({
  snapshot: null,
  statementTimeoutMs: 30_000,
  applicationName: 'pgfan-streaming-test',
  inlineRows: 100,
  batchRows: 50,
  spill: () => Promise.resolve(),
  ...overrides,
});

const fragment = { sql: 'SELECT g FROM generate_series(1, $1::int) g', params: ['1000'] };

test('small results come back inline', async () => {
  const client = await t.pool.connect();
  try {
    const streamed = await streamFragment(client, { ...fragment, params: ['60'] }, session());
    expect(streamed.rowCount).toBe(60);
    expect(streamed.rows).toHaveLength(60);
  } finally {
    client.release();
  }
});

test('past inlineRows every row goes to spill, in order, and none stays inline', async () => {
  const spilled: (string | null)[][] = [];
  const client = await t.pool.connect();
  try {
    const streamed = await streamFragment(client, fragment, session({ spill: async (rows) => void spilled.push(...rows) }));
    expect(streamed).toMatchObject({ rows: null, rowCount: 1000 });
    expect(spilled.map(([g]) => Number(g))).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
  } finally {
    client.release();
  }
});

test('a failing spill fails the fragment instead of leaving the session waiting on its cursor', async () => {
  const client = await t.pool.connect();
  try {
    const failing = session({ spill: () => Promise.reject(new Error('sorry, too many clients already')) });
    await expect(streamFragment(client, fragment, failing)).rejects.toThrow(/too many clients/);
    // The session is usable again: the cursor was closed and the transaction rolled back.
    const after = await client.query('SELECT 1 AS one');
    expect(after.rows).toEqual([{ one: '1' }]);
  } finally {
    client.release();
  }
});

test('a database error mid-stream is reported with its code', async () => {
  const client = await t.pool.connect();
  try {
    const failing = { sql: 'SELECT 1 / (500 - g) FROM generate_series(1, 1000) g', params: [] };
    await expect(streamFragment(client, failing, session())).rejects.toMatchObject({ code: 'QUERY_FAILED' });
    const after = await client.query('SELECT 1 AS one');
    expect(after.rows).toEqual([{ one: '1' }]);
  } finally {
    client.release();
  }
});

test('a session killed mid-stream fails the fragment with UNAVAILABLE rather than waiting on it', async () => {
  const client = await t.pool.connect();
  const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as string;
  let killed = false;
  const killing = session({
    spill: async () => {
      if (killed) return;
      killed = true;
      await t.pool.query('SELECT pg_terminate_backend($1::int)', [pid]);
    },
  });
  try {
    await expect(streamFragment(client, fragment, killing)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  } finally {
    client.release(true);
  }
});

const txStatus = (client: PoolClient) => (client as unknown as { _txStatus: string })._txStatus;

test("a fragment that fits in one batch is answered in one round trip: its transaction's opening goes with its first Execute, its end with its Close, after the rows are handed over", async () => {
  const client = await t.pool.connect();
  const connection = (client as unknown as { connection: { stream: { _write: unknown; _writev: unknown }; on(event: string, listener: () => void): void } })
    .connection;
  const socket = connection.stream;
  const originals = { _write: socket._write, _writev: socket._writev };
  let writes = 0;
  let answers = 0;
  connection.on('readyForQuery', () => answers++);
  for (const name of ['_write', '_writev'] as const) {
    const original = originals[name] as (...args: unknown[]) => unknown;
    socket[name] = (...args: unknown[]) => {
      writes++;
      return original.apply(socket, args);
    };
  }
  try {
    const streamed = await streamFragment(
      client,
      { sql: "SELECT current_setting('application_name'), current_setting('transaction_isolation'), g FROM generate_series(1, $1::int) g", params: ['10'] },
      session(),
    );
    // The rows are whole at the Execute's CommandComplete: handed over before the session's answer to the transaction's end.
    expect(answers).toBe(0);
    expect(streamed.rowCount).toBe(10);
    expect(streamed.rows?.[0]).toEqual(['pgfan-streaming-test', 'repeatable read', '1']);
    await streamed.ended;
    expect(answers).toBe(1);
    // BEGIN…, Parse, Bind, Describe, Execute, Flush; then Close, ROLLBACK…, Sync. It was four.
    expect(writes).toBe(2);
    expect(txStatus(client)).toBe('I');
  } finally {
    Object.assign(socket, originals);
    client.release();
  }
});

test.each([
  ['no rows', 0],
  ['one row fewer than a batch', 49],
  ['exactly one batch', 50],
  ['exactly three batches', 150],
  ['one row past a batch', 51],
])('every row arrives once, in order, and the transaction is over: %s', async (_, count) => {
  const client = await t.pool.connect();
  try {
    const streamed = await streamFragment(client, { ...fragment, params: [String(count)] }, session({ inlineRows: 1000 }));
    expect(streamed.rowCount).toBe(count);
    expect(streamed.rows?.map(([g]) => Number(g))).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(streamed.fields.map((f) => f.name)).toEqual(['g']);
    await streamed.ended;
    expect(txStatus(client)).toBe('I');
  } finally {
    client.release();
  }
});

test('fragments one after another on one session each find it ready: the last one closed its portal and ended its transaction', async () => {
  const client = await t.pool.connect();
  try {
    for (const count of [120, 7, 120]) {
      const streamed = await streamFragment(client, { ...fragment, params: [String(count)] }, session({ inlineRows: 1000 }));
      expect(streamed.rowCount).toBe(count);
      await streamed.ended;
    }
  } finally {
    client.release();
  }
});

test('a fragment sent on a session before the last one has ended its transaction runs in a transaction of its own, after it', async () => {
  const started = { sql: 'SELECT (extract(epoch FROM transaction_timestamp()) * 1000000)::bigint::text', params: [] };
  const client = await t.pool.connect();
  try {
    const first = await streamFragment(client, started, session());
    const second = await streamFragment(client, started, session());
    await Promise.all([first.ended, second.ended]);
    expect(BigInt(second.rows?.[0]?.[0] as string)).toBeGreaterThan(BigInt(first.rows?.[0]?.[0] as string));
    expect(txStatus(client)).toBe('I');
  } finally {
    client.release();
  }
});

test("a transaction's end that fails rejects `ended`, after the rows were handed over: the session is not fit to hand on", async () => {
  const client = await t.pool.connect();
  try {
    const cursor = new FragmentCursor('SELECT 1', [], 50, ['BEGIN'], ['SELECT 1 / 0', 'ROLLBACK']);
    client.query(cursor as unknown as Submittable);
    expect(await cursor.read()).toEqual({ rows: [['1']], last: true });
    await expect(cursor.ended).rejects.toThrow(/division by zero/);
  } finally {
    client.release(true);
  }
});

test("a snapshot that is gone fails with SnapshotLostError, and the session's transaction is rolled back", async () => {
  const client = await t.pool.connect();
  try {
    const gone = session({ snapshot: '00000003-0000001B-1' });
    await expect(streamFragment(client, fragment, gone)).rejects.toBeInstanceOf(SnapshotLostError);
    expect(txStatus(client)).toBe('I');
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: '1' }]);
  } finally {
    client.release();
  }
});

test("an error in the fragment itself is the fragment's, not a lost snapshot, even one that reads like it", async () => {
  // The code and words a failed snapshot import has (22023, "snapshot"), from the fragment's own statement.
  await t.pool.query(`BEGIN READ WRITE;
    CREATE OR REPLACE FUNCTION snapshot_lookalike() RETURNS int LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'invalid snapshot identifier: "mine"' USING ERRCODE = '22023'; END $$;
    COMMIT`);
  const held = await exportSnapshot(t.pool, 10_000);
  const client = await t.pool.connect();
  try {
    const error = await streamFragment(client, { sql: 'SELECT snapshot_lookalike()', params: [] }, session({ snapshot: held.id })).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(SnapshotLostError);
    expect(error).toMatchObject({ sqlState: '22023' });
    expect(txStatus(client)).toBe('I');
  } finally {
    client.release();
    await held.release();
  }
});

test('a query run as written may use a parallel plan: one Execute without a row limit, which a cursor would rule out', async () => {
  await t.pool.query('BEGIN READ WRITE; CREATE TABLE IF NOT EXISTS slow_rows AS SELECT g AS id FROM generate_series(1, 400) g; COMMIT');
  const client = await t.pool.connect();
  const observer = await t.pool.connect();
  try {
    // Make the planner choose a parallel plan for a small table; each row sleeps 2 ms (pg_sleep is parallel safe).
    await client.query(
      'SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2',
    );
    const pid = String((await client.query<{ pid: string }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid);
    const running = runAsWritten(client, { statementTimeoutMs: 60_000, applicationName: 'parallel-test' }, 'SELECT count(pg_sleep(0.002)) FROM slow_rows', 10);
    let sawWorkers = false;
    let done = false;
    void running.finally(() => (done = true));
    while (!done && !sawWorkers) {
      const { rows } = await observer.query<{ n: string }>(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE backend_type = 'parallel worker' AND leader_pid = $1",
        [pid],
      );
      sawWorkers = Number(rows[0]?.n) > 0;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await running).toMatchObject({ rows: [['400']], rowCount: 1 });
    expect(sawWorkers).toBe(true);
  } finally {
    // Its session settings are this test's: never hand it back to the pool.
    client.release(true);
    observer.release();
  }
});

describe('a query run as written', () => {
  const asWritten = { statementTimeoutMs: 30_000, applicationName: 'pgfan-as-written-test' };

  test("takes one write and one answer: BEGIN and its settings, the query and the transaction's end", async () => {
    const client = await t.pool.connect();
    const socket = (client as unknown as { connection: { stream: { _write: unknown; _writev: unknown } } }).connection.stream;
    const originals = { _write: socket._write, _writev: socket._writev };
    let writes = 0;
    for (const name of ['_write', '_writev'] as const) {
      const original = originals[name] as (...args: unknown[]) => unknown;
      socket[name] = (...args: unknown[]) => {
        writes++;
        return original.apply(socket, args);
      };
    }
    try {
      const result = await runAsWritten(
        client,
        asWritten,
        "SELECT current_setting('application_name') AS name, current_setting('transaction_isolation') AS isolation",
        10,
      );
      const sent = writes;
      expect(result.rows).toEqual([['pgfan-as-written-test', 'repeatable read']]);
      expect(result.fields.map((f) => f.name)).toEqual(['name', 'isolation']);
      // Corked into one socket write; the transaction is over and its settings gone with it.
      expect(sent).toBe(1);
      expect((await client.query('SELECT current_setting($1) AS name', ['application_name'])).rows[0].name).not.toBe('pgfan-as-written-test');
      expect(txStatus(client)).toBe('I');
    } finally {
      Object.assign(socket, originals);
      client.release();
    }
  });

  test("its statement_timeout applies to the user's statement", async () => {
    const client = await t.pool.connect();
    try {
      await expect(runAsWritten(client, { ...asWritten, statementTimeoutMs: 100 }, 'SELECT pg_sleep(5)', 10)).rejects.toMatchObject({ code: 'TIMEOUT' });
    } finally {
      client.release(true);
    }
  });

  test('a failing query is rolled back, and its error points into its own text', async () => {
    const client = await t.pool.connect();
    try {
      await expect(runAsWritten(client, asWritten, 'SELECT 1 / 0', 10)).rejects.toMatchObject({ sqlState: '22012' });
      await expect(runAsWritten(client, asWritten, 'SELECT nope FROM generate_series(1, 2)', 10)).rejects.toMatchObject({
        position: { offset: 7, line: 1, column: 8 },
      });
      expect(txStatus(client)).toBe('I');
    } finally {
      client.release(true);
    }
  });
});
