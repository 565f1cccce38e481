/**
 * Binary values built from text, judged by PostgreSQL's own send functions: for each value, the
 * bytes `toBinary` makes from its text output are the bytes PostgreSQL sends for it in binary.
 */
import fc from 'fast-check';
import { Client } from 'pg';
import { ADMIN_URL } from '@pgfan/testing';
import { fromBinary, toBinary } from './binary';

let client: Client;

beforeAll(async () => {
  // The workers' formats: ISO dates, UTC, shortest floats.
  client = new Client({ connectionString: ADMIN_URL, options: '-c TimeZone=UTC -c DateStyle=ISO,MDY -c extra_float_digits=1' });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
});

/** For SQL literals of one type: PostgreSQL's text output and its binary send, as hex. */
async function judge(type: string, send: string, oid: number, literals: string[]): Promise<void> {
  const { rows } = await client.query<{ text: string; sent: string }>(
    `SELECT v::text AS text, encode(${send}(v), 'hex') AS sent FROM unnest($1::${type}[]) AS u(v) WHERE v IS NOT NULL`,
    [literals],
  );
  const wrong = rows.filter((r) => toBinary(r.text, oid)?.toString('hex') !== r.sent);
  expect(wrong.map((r) => `${r.text}: ${toBinary(r.text, oid)?.toString('hex')} ≠ ${r.sent}`)).toEqual([]);
  expect(rows.length).toBe(literals.length);
  // And back: what a driver sends in binary reads as text PostgreSQL takes for the same value.
  const texts = rows.map((r) => fromBinary(Buffer.from(r.sent, 'hex'), oid) ?? null);
  // json has no equality: compared as text, which json keeps as written.
  const compared = type === 'json' ? 'a::text IS NOT DISTINCT FROM b::text' : 'a IS NOT DISTINCT FROM b';
  const { rows: same } = await client.query<{ same: boolean }>(`SELECT ${compared} AS same FROM unnest($1::${type}[], $2::${type}[]) AS u(a, b)`, [
    rows.map((r) => r.text),
    texts,
  ]);
  const differing = rows.filter((_, i) => !same[i]?.same).map((r, i) => `${r.text} → ${texts[i]}`);
  expect(differing).toEqual([]);
}

test('integers, floats, booleans, oids', async () => {
  await judge('int2', 'int2send', 21, ['0', '-32768', '32767', '-1']);
  await judge('int4', 'int4send', 23, ['0', '-2147483648', '2147483647', '42']);
  await judge('int8', 'int8send', 20, ['0', '-9223372036854775808', '9223372036854775807', '9007199254740993']);
  await judge('oid', 'oidsend', 26, ['0', '4294967295', '2950']);
  await judge('bool', 'boolsend', 16, ['t', 'f']);
  const doubles = fc.sample(fc.double(), 300).map((d) => (Number.isFinite(d) ? d.toExponential(20) : String(d)));
  await judge('float8', 'float8send', 701, [...doubles, '-0', 'NaN', 'Infinity', '-Infinity']);
  const floats = fc.sample(fc.float({ noNaN: true, noDefaultInfinity: true }), 300).map((d) => d.toExponential(12));
  await judge('float4', 'float4send', 700, [...floats, '-0']);
});

test('numeric: digits in base 10000, weight, sign, scale', async () => {
  const decimals = fc.sample(fc.tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 20 })), 300).map(([digits, scale]) => {
    const text = (digits < 0n ? -digits : digits).toString().padStart(scale + 1, '0');
    return `${digits < 0n ? '-' : ''}${text.slice(0, text.length - scale)}${scale ? `.${text.slice(text.length - scale)}` : ''}`;
  });
  await judge('numeric', 'numeric_send', 1700, [...decimals, '0', '0.000', '-0.5', '10000', '0.0001', '123456789.000100', 'NaN', 'Infinity', '-Infinity']);
});

test('dates, times and timestamps, BC and infinite ones included', async () => {
  const instants = fc
    .sample(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), 300)
    .map((d) => d.toISOString());
  await judge('timestamptz', 'timestamptz_send', 1184, [...instants, '2000-01-01 00:00:00.000001+00', '0044-03-15 12:00:00+00 BC', 'infinity', '-infinity']);
  await judge('timestamp', 'timestamp_send', 1114, [...instants.map((i) => i.replace('Z', '')), '1999-12-31 23:59:59.999999', '4713-01-01 00:00:00 BC']);
  await judge('date', 'date_send', 1082, [...instants.map((i) => i.slice(0, 10)), '0001-01-01 BC', '5874897-12-31', 'infinity', '-infinity']);
  await judge('time', 'time_send', 1083, ['00:00:00', '23:59:59.999999', '12:34:56.7', '24:00:00']);
});

test('text, bytea, uuid, jsonb, json', async () => {
  await judge('text', 'textsend', 25, ['', 'é ünïcode', 'a\nb', "quote'd"]);
  await judge('varchar', 'varcharsend', 1043, ['x', '']);
  await judge('bytea', 'byteasend', 17, ['\\x', '\\x00ff10', '\\xdeadbeef']);
  await judge('uuid', 'uuid_send', 2950, ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '00000000-0000-0000-0000-000000000000']);
  await judge('jsonb', 'jsonb_send', 3802, ['{"a": [1, 2, {"b": null}]}', '"x"', '3.5']);
  await judge('json', 'json_send', 114, ['{"a":   1}', '[]']);
});
