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
