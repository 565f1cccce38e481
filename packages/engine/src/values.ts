/** Converts PostgreSQL's text output into the query record's JSON values, and back. */
import type { JsonValue } from '@pgfan/contracts';

const BOOL = 16;
const INT2 = 21;
const INT4 = 23;
const FLOAT4 = 700;
const FLOAT8 = 701;
/** int2, int4, float4, float8: exactly representable as JSON numbers. */
const JSON_NUMBER_TYPES = new Set([INT2, INT4, FLOAT4, FLOAT8]);
/** Float values JSON has no number for: kept as PostgreSQL's text. */
const NOT_JSON_NUMBERS = new Set(['NaN', 'Infinity', '-Infinity', '-0']);

/**
 * @param text the value as PostgreSQL printed it, or null for SQL NULL.
 * @param typeOid the column's type OID.
 * @example toJsonValue('42', 23) // 42
 * @example toJsonValue('9007199254740993', 20) // '9007199254740993' (int8 stays exact)
 * @example toJsonValue('-0', 701) // '-0' (a JSON number cannot be negative zero)
 */
export function toJsonValue(text: string | null, typeOid: number): JsonValue {
  if (text === null) return null;
  if (typeOid === BOOL) return text === 't';
  if (JSON_NUMBER_TYPES.has(typeOid) && !NOT_JSON_NUMBERS.has(text)) return Number(text);
  return text;
}

/**
 * PostgreSQL's text output of a record value: the inverse of `toJsonValue` for sessions that
 * print floats shortest-exact (extra_float_digits > 0, PostgreSQL's default since 12). JavaScript
 * and PostgreSQL (Ryu) pick the same shortest digits; only where the exponent form starts differs.
 * @example toPostgresText(1e15, 701) // '1e+15'
 * @example toPostgresText(1234567, 700) // '1.234567e+06'
 */
export function toPostgresText(value: JsonValue, typeOid: number): string | null {
  if (value === null) return null;
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') {
    if (typeOid === FLOAT8) return floatText(postgresDigits(value), 15);
    // A float4's JSON number is its text read as a double, and prints back as that text's digits.
    if (typeOid === FLOAT4) return floatText(value.toExponential(), 6);
    return String(value);
  }
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/**
 * The shortest digits of a double as PostgreSQL chooses them, in `toExponential` form. JavaScript
 * may choose digits that lie exactly halfway to the next double (they read back by rounding half
 * to even); PostgreSQL never does, and then prints more digits.
 */
function postgresDigits(value: number): string {
  const shortest = value.toExponential();
  if (value === 0 || !isHalfway(shortest, value)) return shortest;
  for (let digits = significantDigits(shortest) + 1; digits < 17; digits++) {
    const longer = value.toExponential(digits - 1);
    if (Number(longer) === value && !isHalfway(longer, value)) return longer;
  }
  return value.toExponential(16);
}

function significantDigits(exponential: string): number {
  return (exponential.split('e')[0] ?? '').replace(/[-.]/g, '').length;
}

/** Whether the decimal `text` lies exactly halfway between `value` and its neighbour on text's side. */
function isHalfway(text: string, value: number): boolean {
  const decimal = Number(text);
  if (decimal !== value) return false;
  const [mantissa = '', exponentText = '0'] = text.split('e');
  const fractionDigits = (mantissa.split('.')[1] ?? '').length;
  const decimalExponent = Number(exponentText) - fractionDigits;
  const decimalDigits = BigInt(mantissa.replace('.', ''));
  const above = compareDecimal(decimalDigits, decimalExponent, binaryParts(value));
  if (above === 0) return false;
  const neighbour = binaryParts(nextDouble(value, above > 0));
  const exact = binaryParts(value);
  // On one integer scale: 2 × decimal = value + neighbour.
  const twos = Math.max(0, -exact.exponent, -neighbour.exponent, -decimalExponent);
  const fives = Math.max(0, -decimalExponent);
  const scaled = (parts: { mantissa: bigint; exponent: number }) => parts.mantissa * 2n ** BigInt(parts.exponent + twos) * 5n ** BigInt(fives);
  const scaledDecimal = decimalDigits * 2n ** BigInt(decimalExponent + twos) * 5n ** BigInt(decimalExponent + fives);
  return 2n * scaledDecimal === scaled(exact) + scaled(neighbour);
}

/** The sign of digits × 10^exponent − the double `parts`. */
function compareDecimal(digits: bigint, exponent: number, parts: { mantissa: bigint; exponent: number }): number {
  const twos = Math.max(0, -parts.exponent, -exponent);
  const fives = Math.max(0, -exponent);
  const left = digits * 2n ** BigInt(exponent + twos) * 5n ** BigInt(exponent + fives);
  const right = parts.mantissa * 2n ** BigInt(parts.exponent + twos) * 5n ** BigInt(fives);
  return left === right ? 0 : left > right ? 1 : -1;
}

/** A double as mantissa × 2^exponent, signed. */
function binaryParts(value: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const sign = bits >> 63n ? -1n : 1n;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  return biased === 0 ? { mantissa: sign * fraction, exponent: -1074 } : { mantissa: sign * (fraction | 0x10000000000000n), exponent: biased - 1075 };
}

/** The next double above (or below) `value`, by its bits. */
function nextDouble(value: number, up: boolean): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigInt64(0);
  const away = value > 0 === up;
  view.setBigInt64(0, away ? bits + 1n : bits - 1n);
  return view.getFloat64(0);
}

/**
 * A finite float in PostgreSQL's shortest-exact form, from its digits in `toExponential` form:
 * positional for decimal exponents from -4 up to `fixedBelow` (15 for float8, 6 for float4),
 * `d.ddde±XX` otherwise.
 */
function floatText(exponential: string, fixedBelow: number): string {
  const [mantissa = '', exponentText = '0'] = exponential.split('e');
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace(/^-/, '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exponent < -4 || exponent >= fixedBelow) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const magnitude = String(Math.abs(exponent)).padStart(2, '0');
    return `${sign}${digits[0]}${fraction}e${exponent < 0 ? '-' : '+'}${magnitude}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  const fraction = digits.slice(exponent + 1);
  return `${sign}${whole}${fraction ? `.${fraction}` : ''}`;
}
