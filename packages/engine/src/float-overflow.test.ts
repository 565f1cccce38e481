/**
 * Floats at the edge of their range (issue 21): PostgreSQL raises `value out of range: overflow`
 * when a running float sum overflows, which depends on the order of the rows, so no split can
 * reproduce it. A split that comes near it runs as written instead, and then answers exactly as
 * PostgreSQL does: the same value, or the same error. Far from it, float aggregates still split.
 */
import { useQueryPool } from './__tests__/harness';
import { runSequential } from './execution';
import { QueryFailedError } from './errors';
import { runLocal } from './local';

const t = useQueryPool('float_overflow');

beforeAll(async () => {
  // One row per page (fillfactor 10, rows of 1 kB), so page-range fragments divide them.
  const table = (name: string, values: string[]) => `
    CREATE TABLE ${name} (id int, x float8, r real, pad text) WITH (fillfactor = 10);
    INSERT INTO ${name} SELECT i, v, CASE WHEN abs(v) < 3.4e38 THEN v::real END, repeat(md5(i::text), 30)
      FROM unnest(ARRAY[${values.join(', ')}]::float8[]) WITH ORDINALITY AS u(v, i);
    ANALYZE ${name};`;
  await t.db.exec(`
    ${table('cancelling', ['1.5e308', '0', '-1.5e308', '-1.5e308', '1.5e308', '0'])}
    ${table('overflowing', ['1.5e308', '1.5e308', '-1.5e308', '-1.5e308', '0', '0'])}
    ${table('far_apart', ['1e200', '3e200', '0', '0'])}
    ${table('ordinary', ['1.5', '-2.25', '1e10', '3.75', '-1e-5', '42'])}
  `);
  // The real column of these overflows a real sum, not a double one.
  await t.db.exec(`${table('real_edge', ['3e38', '3e38', '-3e38', '-3e38'])}`);
});

/** PostgreSQL's own answer: its rows, or its error's SQLSTATE and message. */
async function direct(sql: string): Promise<unknown> {
  try {
    return (await runSequential(t.pool, sql)).rows;
  } catch (error) {
    if (error instanceof QueryFailedError) return { sqlState: error.sqlState, message: error.message };
    throw error;
  }
}

/** pgfan's answer in `partitions` fragments, in the same terms, and whether it split. */
async function split(sql: string, partitions: number): Promise<{ answer: unknown; mode: string | undefined }> {
  const record = await runLocal(t.pool, sql, { partitions });
  const answer =
    record.status === 'completed' ? record.result?.rows.map((row) => row.map((v) => (v === null ? null : String(v)))) : { message: record.error?.message };
  return { answer, mode: record.plan?.mode };
}

const CASES: [string, string][] = [
  ['a float sum whose partial sums overflow but whose running sum does not', 'SELECT sum(x) FROM cancelling'],
  ['a float sum whose running sum overflows', 'SELECT sum(x) FROM overflowing'],
  ['a float avg whose accumulator (sum of squares) overflows', 'SELECT avg(x) FROM far_apart'],
  ['a float variance near the edge', 'SELECT var_samp(x), stddev_pop(x) FROM cancelling'],
  ['a real sum at the edge of real', 'SELECT sum(r) FROM real_edge'],
  ['grouped float sums at the edge', 'SELECT id % 2 AS g, sum(x) FROM cancelling GROUP BY 1 ORDER BY 1'],
];

describe.each(CASES)('%s', (_, sql) => {
  test.each([1, 2, 3, 6])('in %i fragments: the same value or the same error as PostgreSQL', async (partitions) => {
    const expected = await direct(sql);
    const { answer } = await split(sql, partitions);
    if (Array.isArray(expected)) expect(answer).toEqual(expected.map((row) => (row as unknown[]).map((v) => (v === null ? null : String(v)))));
    else expect(answer).toEqual({ message: `${(expected as { message: string }).message}` });
  });
});

test('far from the edge, float aggregates still split, and answer as PostgreSQL does', async () => {
  const sql = 'SELECT sum(x), avg(x), stddev(x), sum(r) FROM ordinary';
  const expected = (await direct(sql)) as string[][];
  const { answer, mode } = await split(sql, 3);
  expect(mode).toBe('fan-out');
  const [got] = answer as string[][];
  expected[0]!.forEach((value, i) => expect(Number(got![i])).toBeCloseTo(Number(value), 9));
});
