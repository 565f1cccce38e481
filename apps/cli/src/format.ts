/** Human-readable output of a query record, in the spirit of psql. */
import type { JsonValue, QueryRecord } from '@pgfan/contracts';

const NUMERIC_TYPES = /^(smallint|integer|bigint|real|double precision|numeric|money)\b/;

function cell(value: JsonValue): string {
  return value === null ? 'NULL' : String(value);
}

function table(record: QueryRecord): string[] {
  const result = record.result;
  if (!result) return [];
  const headers = result.columns.map((c) => c.name);
  const rows = result.rows.map((row) => row.map(cell));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const alignRight = result.columns.map((c) => NUMERIC_TYPES.test(c.type));
  const line = (cells: string[], header = false) =>
    ' ' + cells.map((c, i) => (alignRight[i] && !header ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join(' | ') + ' ';
  const more = result.truncated ? `, showing ${rows.length}` : '';
  return [
    line(headers, true),
    widths.map((w) => '-'.repeat(w + 2)).join('+'),
    ...rows.map((r) => line(r)),
    `(${result.rowCount} row${result.rowCount === 1 ? '' : 's'}${more})`,
  ];
}

function ms(n: number): string {
  return n < 10 ? n.toFixed(1) : n.toFixed(0);
}

/** One line: how the query ran, and how long it took. */
export function summary(record: QueryRecord): string {
  const { plan, timings } = record;
  const time = `${ms(timings.totalMs)} ms`;
  if (!plan) return time;
  if (plan.mode === 'as-written') return `as written: ${plan.reason} · ${time}`;
  const how = { 'page-range': 'page ranges', 'key-range': 'key ranges', none: 'one scan' }[plan.strategy] + ` of ${plan.table}`;
  const where = plan.cut ? ` on ${plan.cut.servers.join(' + ')}${plan.cut.reason ? ` (${plan.cut.reason})` : ''}` : '';
  return `fan-out · ${plan.partitions} fragment${plan.partitions === 1 ? '' : 's'} over ${how}${where} · ${time} (plan ${ms(timings.planMs)}, fragments ${ms(timings.executeMs)}, combine ${ms(timings.combineMs)})`;
}

function errorLines(record: QueryRecord): string[] {
  const error = record.error;
  if (!error) return [];
  const lines = [`error [${error.code}]: ${error.message}`];
  if (error.position) {
    const sourceLine = record.sql.split('\n')[error.position.line - 1] ?? '';
    const prefix = `  line ${error.position.line}: `;
    lines.push(prefix + sourceLine, ' '.repeat(prefix.length + error.position.column - 1) + '^');
  }
  return lines;
}

/** The record as a table (or an error with a caret under its position) and a one-line summary. */
export function formatRecord(record: QueryRecord): string {
  return [...(record.status === 'completed' ? table(record) : errorLines(record)), summary(record)].join('\n');
}
