/**
 * A stored result as NDJSON or CSV, line by line. Pure. NDJSON: a first line `{"columns": …}`,
 * then one JSON array per row, values as in the record. CSV: byte for byte what PostgreSQL's
 * `COPY (…) TO STDOUT WITH (FORMAT csv, HEADER)` writes: a header of column names, values as
 * PostgreSQL's text, NULL as an empty field and an empty string as `""`, lines ending in LF.
 */
import type { JsonValue, ResultColumn } from '@pgfan/contracts';
import { toPostgresText } from './values';

export const RESULT_TYPES = ['application/json', 'application/x-ndjson', 'text/csv'] as const;
export type ResultType = (typeof RESULT_TYPES)[number];

/** Type OIDs whose record values are JSON numbers printed differently from PostgreSQL (see toPostgresText). */
const FLOAT_OIDS: Record<string, number> = { 'double precision': 701, real: 700 };

function csvField(text: string | null): string {
  if (text === null) return '';
  // COPY quotes an empty string (else it would read as NULL), `\.` (the old end-of-data marker), and delimiters, quotes and line breaks.
  return text === '' || text === '\\.' || /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function header(type: Exclude<ResultType, 'application/json'>, columns: ResultColumn[]): string {
  return type === 'text/csv' ? `${columns.map((c) => csvField(c.name)).join(',')}\n` : `${JSON.stringify({ columns })}\n`;
}

export function rowLines(type: Exclude<ResultType, 'application/json'>, columns: ResultColumn[], rows: JsonValue[][]): string {
  if (type === 'application/x-ndjson') return rows.map((row) => `${JSON.stringify(row)}\n`).join('');
  return rows.map((row) => `${row.map((value, i) => csvField(toPostgresText(value, FLOAT_OIDS[columns[i]?.type ?? ''] ?? 0))).join(',')}\n`).join('');
}
