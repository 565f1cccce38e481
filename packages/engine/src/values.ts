/** Converts PostgreSQL's text output into the query record's JSON values. */
import type { JsonValue } from '@pgfan/contracts';

const BOOL = 16;
/** int2, int4, float4, float8: exactly representable as JSON numbers. */
const JSON_NUMBER_TYPES = new Set([21, 23, 700, 701]);
const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);

/**
 * @param text the value as PostgreSQL printed it, or null for SQL NULL.
 * @param typeOid the column's type OID.
 * @example toJsonValue('42', 23) // 42
 * @example toJsonValue('9007199254740993', 20) // '9007199254740993' (int8 stays exact)
 */
export function toJsonValue(text: string | null, typeOid: number): JsonValue {
  if (text === null) return null;
  if (typeOid === BOOL) return text === 't';
  if (JSON_NUMBER_TYPES.has(typeOid) && !NON_FINITE.has(text)) return Number(text);
  return text;
}
