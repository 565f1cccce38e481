/**
 * Floats at the edge of their range, through the queue (issue 21): a fan-out whose float
 * aggregate comes near an overflow runs as written in its snapshot, on the worker that combines
 * it, and answers as PostgreSQL does; whether a fragment raised the overflow or the combine saw
 * it could happen, and whether the partial rows went through Redis or were spilled.
 */
import type { QueryView } from '@pgfan/contracts';
import { startSystem, type System } from '@pgfan/testing';
import { Client } from 'pg';

let system: System;

beforeAll(async () => {
  // Every partial row spills, so the combine checks its guards over spilled rows too.
  system = await startSystem({ label: 'float_edges', workers: 1, workerEnv: { INLINE_PARTIAL_ROWS: '0' } });
  const table = (name: string, values: string[]) => `
    CREATE TABLE ${name} (id int, x float8, pad text) WITH (fillfactor = 10);
    INSERT INTO ${name} SELECT i, v, repeat(md5(i::text), 30) FROM unnest(ARRAY[${values.join(', ')}]::float8[]) WITH ORDINALITY AS u(v, i);
    ANALYZE ${name};`;
  await system.db.exec(`
    ${table('cancelling', ['1.5e308', '0', '-1.5e308', '-1.5e308', '1.5e308', '0'])}
    ${table('far_apart', ['1e200', '3e200', '0', '0'])}
  `);
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

async function direct(sql: string): Promise<{ rows?: string[][]; error?: string }> {
  const client = new Client({ connectionString: system.db.url });
  await client.connect();
  try {
    return { rows: (await client.query({ text: sql, rowMode: 'array', types: { getTypeParser: () => (v: string) => v } })).rows };
  } catch (error) {
    return { error: (error as Error).message };
  } finally {
    await client.end();
  }
}

const run = (sql: string, partitions: number) => system.request<QueryView>('POST', '/api/queries?wait=20000', { sql, partitions }).then((r) => r.body);

test.each([
  ['a fragment overflows where the running sum does not', 'SELECT sum(x) FROM cancelling', 3],
  ['the accumulator would overflow, as PostgreSQL says', 'SELECT avg(x) FROM far_apart', 2],
  ['grouped, with every partial row spilled', 'SELECT id % 2 AS g, sum(x) FROM cancelling GROUP BY 1 ORDER BY 1', 2],
])('%s: the same answer as PostgreSQL', async (_, sql, partitions) => {
  const expected = await direct(sql);
  const record = await run(sql, partitions);
  expect(record.plan?.mode).toBe('fan-out');
  if (expected.error) {
    expect(record).toMatchObject({ status: 'failed', error: { code: 'QUERY_FAILED', message: expected.error } });
  } else {
    expect(record.status).toBe('completed');
    expect(record.result?.rows.map((row) => row.map((v) => (v === null ? null : String(v))))).toEqual(expected.rows);
  }
  expect(system.workers[0]?.output()).toContain(`${record.id} (generation 1) runs as written after all`);
});
