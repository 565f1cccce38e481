/**
 * Compares two query results the way "exactly what PostgreSQL returns" is meant: same column
 * names and types, same rows (in the same order when ORDER BY decides it), values equal as
 * text, except floats, which may differ by rounding (1e-9 relative; 1e-6 for real).
 */
import type { JsonValue, ResultSet } from '@pgfan/contracts';

export type RowOrder = 'ordered' | 'unordered';

const FLOAT_TOLERANCE: Record<string, number> = { 'double precision': 1e-9, real: 1e-6 };

function valuesEqual(a: JsonValue, b: JsonValue, type: string): boolean {
  if (a === b) return true;
  const tolerance = FLOAT_TOLERANCE[type];
  if (tolerance === undefined || typeof a !== 'number' || typeof b !== 'number') return false;
  return Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b));
}

/** A sort key that puts rows equal within float tolerance next to each other. */
function canonical(row: JsonValue[], types: string[]): string {
  return JSON.stringify(row.map((v, i) => (typeof v === 'number' && types[i] !== undefined && types[i] in FLOAT_TOLERANCE ? Number(v.toPrecision(8)) : v)));
}

/** Returns null when the results match, else a description of the first difference. */
export function diffResults(expected: ResultSet, actual: ResultSet, order: RowOrder): string | null {
  const expectedColumns = JSON.stringify(expected.columns);
  if (expectedColumns !== JSON.stringify(actual.columns)) {
    return `columns differ: expected ${expectedColumns}, got ${JSON.stringify(actual.columns)}`;
  }
  if (expected.rowCount !== actual.rowCount) return `row counts differ: expected ${expected.rowCount}, got ${actual.rowCount}`;
  const types = expected.columns.map((c) => c.type);
  const sort = (rows: JsonValue[][]) => (order === 'ordered' ? rows : [...rows].sort((x, y) => (canonical(x, types) < canonical(y, types) ? -1 : 1)));
  const left = sort(expected.rows);
  const right = sort(actual.rows);
  for (let r = 0; r < left.length; r++) {
    const e = left[r] as JsonValue[];
    const a = right[r] as JsonValue[];
    if (!e.every((value, c) => valuesEqual(value, a[c] as JsonValue, types[c] as string))) {
      return `row ${r} differs: expected ${JSON.stringify(e)}, got ${JSON.stringify(a)}`;
    }
  }
  return null;
}

/** For LIMIT without ORDER BY: any rows of the unlimited result are a valid answer. */
export function diffSubset(unlimited: ResultSet, actual: ResultSet, expectedCount: number): string | null {
  if (JSON.stringify(unlimited.columns) !== JSON.stringify(actual.columns)) return 'columns differ';
  if (actual.rowCount !== expectedCount) return `expected ${expectedCount} rows, got ${actual.rowCount}`;
  const available = new Map<string, number>();
  const types = unlimited.columns.map((c) => c.type);
  for (const row of unlimited.rows) available.set(canonical(row, types), (available.get(canonical(row, types)) ?? 0) + 1);
  for (const row of actual.rows) {
    const key = canonical(row, types);
    const left = available.get(key) ?? 0;
    if (left === 0) return `row ${JSON.stringify(row)} is not in the full result`;
    available.set(key, left - 1);
  }
  return null;
}

/** A number as a client decoded it or as PostgreSQL prints it, and whether it is written as a float (with a fraction or an exponent). */
function asNumber(value: unknown): { n: number; float: boolean } | null {
  if (typeof value === 'number') return { n: value, float: !Number.isInteger(value) };
  if (typeof value !== 'string' || !/^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(value)) return null;
  return { n: Number(value), float: /[.e]/i.test(value) };
}

/**
 * Values as clients decode them (text, numbers, arrays, objects) equal, except floats, which may
 * differ as a fan-out's other order of additions makes them: within `tolerance` relative. Two
 * integers must match exactly: a count one off is wrong at any size.
 */
export function sameAllowingFloatRounding(expected: unknown, actual: unknown, tolerance = 1e-9): boolean {
  if (Array.isArray(expected) && Array.isArray(actual)) {
    return expected.length === actual.length && expected.every((e, i) => sameAllowingFloatRounding(e, actual[i], tolerance));
  }
  if (expected && actual && typeof expected === 'object' && typeof actual === 'object') {
    return sameAllowingFloatRounding(Object.entries(expected), Object.entries(actual), tolerance);
  }
  if (expected === actual) return true;
  const [a, b] = [asNumber(expected), asNumber(actual)];
  if (!a || !b || !(a.float || b.float) || !Number.isFinite(a.n) || !Number.isFinite(b.n)) return false;
  return Math.abs(a.n - b.n) <= tolerance * Math.max(Math.abs(a.n), Math.abs(b.n));
}
