/**
 * A record's JSON values turned back into PostgreSQL's text (what the PostgreSQL protocol sends
 * for a fanned-out query): for every float PostgreSQL prints, `toPostgresText(toJsonValue(text))`
 * is that text again. Judged by PostgreSQL itself on random bit patterns and on the edges.
 */
import fc from 'fast-check';
import { useQueryPool } from './__tests__/harness';
import { runSequential } from './execution';
import { toJsonValue, toPostgresText } from './values';

const t = useQueryPool('values');

const FLOAT4 = 700;
const FLOAT8 = 701;

/** What PostgreSQL prints for each float8 given as its exact bits, and as float4. */
async function printed(values: number[]): Promise<{ float8: string; float4: string | null }[]> {
  const literals = values.map((v) => (Number.isFinite(v) ? v.toExponential(20) : `'${String(v)}'`));
  const sql = `SELECT v::float8::text, CASE WHEN abs(v::float8) BETWEEN 1.2e-38 AND 3.4e38 OR v::float8 IN (0, 'NaN') THEN v::float8::float4::text END
               FROM unnest(ARRAY[${literals.join(', ')}]::float8[]) AS u(v)`;
  const { rows } = await runSequential(t.pool, sql);
  return rows.map((row) => ({ float8: row[0] as string, float4: row[1] ?? null }));
}

function roundTrips(text: string, oid: number): void {
  expect(toPostgresText(toJsonValue(text, oid), oid)).toBe(text);
}

test('the edges: exponent thresholds, negative zero, non-finite values, extremes', async () => {
  const edges = [
    0,
    -0,
    1,
    -1,
    0.1,
    1e-4,
    1.5e-4,
    1e-5,
    9.99e-5,
    1e5,
    123456,
    1e6,
    1234567,
    1e14,
    123456789012345.6,
    1e15,
    1e16,
    1e21,
    1e22,
    1e300,
    -1e-300,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    2 ** -1074 * 3,
    3.4e38,
    1.17549435e-38,
    Infinity,
    -Infinity,
    NaN,
    0.30000000000000004,
    2 ** 53 + 2,
  ];
  for (const { float8, float4 } of await printed(edges)) {
    roundTrips(float8, FLOAT8);
    if (float4 !== null) roundTrips(float4, FLOAT4);
  }
});

test('any double and any float4, from their bits', async () => {
  const doubles = fc.sample(fc.double(), 3000);
  const floats = fc.sample(fc.float(), 3000);
  for (const { float8, float4 } of await printed([...doubles, ...floats])) {
    roundTrips(float8, FLOAT8);
    if (float4 !== null) roundTrips(float4, FLOAT4);
  }
});

test('other types come back as they were printed', () => {
  expect(toPostgresText(toJsonValue('t', 16), 16)).toBe('t');
  expect(toPostgresText(toJsonValue('f', 16), 16)).toBe('f');
  expect(toPostgresText(toJsonValue('-32768', 21), 21)).toBe('-32768');
  expect(toPostgresText(toJsonValue('2147483647', 23), 23)).toBe('2147483647');
  expect(toPostgresText(toJsonValue('9223372036854775807', 20), 20)).toBe('9223372036854775807');
  expect(toPostgresText(toJsonValue('{1,2}', 1007), 1007)).toBe('{1,2}');
  expect(toPostgresText(toJsonValue(null, 25), 25)).toBeNull();
});
