/**
 * The ClickBench section of `npm run bench`: ClickBench's 43 PostgreSQL queries (clickbench/queries.sql,
 * verbatim but for the table's name and HAVING thresholds scaled to the table's size) on a generated
 * table with ClickBench's `hits` schema, PostgreSQL with its parallel query against pgfan in
 * automatic mode. Every answer is checked against PostgreSQL's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PgfanClient } from '@pgfan/client';
import { seedTable, type GeneratedTable } from '../seed';
import { directRunner, measure, pgfanRunner, sameRows, sameValue, type Row } from './runners';
import { summarize, type Summary } from './stats';

const DIR = join(__dirname, '..', '..', 'clickbench');
const read = (name: string) => readFileSync(join(DIR, name), 'utf8');

/** ClickBench's `hits`, generated: see clickbench/generate.sql. */
export const HITS: GeneratedTable = {
  create: read('create.sql').replace(/CREATE TABLE hits\b/, 'CREATE TABLE %TABLE%'),
  insert: read('generate.sql'),
  params: (from, to, rows) => [from, to, rows],
  mark: 'pgfan bench data (ClickBench hits)',
  what: "the bench's generated ClickBench table",
};

/** Rows in ClickBench's own `hits` table, which its HAVING thresholds were written for. */
const CLICKBENCH_ROWS = 99_997_497;

/**
 * Output columns (0-based) of each query's ORDER BY, where it may leave ties. Within a tie the order
 * is PostgreSQL's choice, and at a LIMIT so is which of the tied rows are kept: there only the keys
 * are compared. Every other query's ORDER BY decides its rows (EventTime is unique in a generated
 * table of up to 2,678,400 rows, a second apart over July 2013), or it returns one row.
 */
const TIED_KEYS: Readonly<Record<number, number[]>> = {
  7: [1],
  8: [1],
  9: [2],
  10: [1],
  11: [2],
  12: [1],
  13: [1],
  14: [2],
  15: [1],
  16: [2],
  // No ORDER BY: any ten groups.
  17: [],
  18: [3],
  21: [2],
  22: [3],
  27: [1],
  28: [1],
  30: [2],
  31: [2],
  32: [2],
  33: [1],
  34: [2],
  35: [4],
  36: [1],
  37: [1],
  38: [1],
  39: [5],
  40: [2],
  41: [2],
};

export interface ClickBenchQuery {
  /** ClickBench's number: the query's 0-based line in queries.sql. */
  number: number;
  sql: string;
  /** See TIED_KEYS; absent when the answer is decided. */
  tiedKeys?: number[];
}

/** The 43 queries on `table` of `rows` rows: HAVING COUNT(*) > 100000 scaled from ClickBench's 100M rows. */
export function clickBenchQueries(table: string, rows: number): ClickBenchQuery[] {
  const threshold = Math.max(1, Math.round((100_000 * rows) / CLICKBENCH_ROWS));
  return read('queries.sql')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('--'))
    .map((line, number) => {
      const sql = line
        .trim()
        .replace(/;$/, '')
        .replace(/\bFROM hits\b/g, `FROM ${table}`)
        .replace(/HAVING COUNT\(\*\) > 100000\b/g, `HAVING COUNT(*) > ${threshold}`);
      const tiedKeys = TIED_KEYS[number];
      return { number, sql, ...(tiedKeys ? { tiedKeys } : {}) };
    });
}

/**
 * Whether `actual` is an answer PostgreSQL could have given where `expected` is the one it gave:
 * the same rows in the same order, except that rows tied on the query's `tiedKeys` may come in any
 * order, and a tie cut by its LIMIT (or OFFSET) may keep other tied rows (only their keys are compared).
 */
export function sameAnswer({ number, sql, tiedKeys }: ClickBenchQuery, expected: Row[], actual: Row[]): boolean {
  if (!tiedKeys) return sameRows(expected, actual);
  const width = expected[0]?.length ?? 0;
  // A key past the row would compare missing values as equal, and pass anything.
  if (expected.length > 0 && tiedKeys.some((j) => j >= width)) throw new Error(`Q${number}: a tied key past its ${width} columns`);
  const [limited, offset] = [/\bLIMIT\b/i.test(sql), /\bOFFSET\b/i.test(sql)];
  const same = (a: Row, b: Row, columns: number[]) => columns.every((j) => sameValue(a[j] ?? null, b[j] ?? null));
  if (expected.length !== actual.length || actual.some((row) => row.length !== width)) return false;
  if (!expected.every((row, i) => same(row, actual[i]!, tiedKeys))) return false;
  for (let start = 0; start < expected.length;) {
    let end = start + 1;
    while (end < expected.length && same(expected[start]!, expected[end]!, tiedKeys)) end++;
    const cut = (offset && start === 0) || (limited && end === expected.length);
    if (!cut && !sameRowsInAnyOrder(expected.slice(start, end), actual.slice(start, end))) return false;
    start = end;
  }
  return true;
}

function sameRowsInAnyOrder(expected: Row[], actual: Row[]): boolean {
  const sorted = (rows: Row[]) =>
    rows
      .map((row) => [JSON.stringify(row), row] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, row]) => row);
  return sameRows(sorted(expected), sorted(actual));
}

export interface ClickBenchCell {
  number: number;
  direct: Summary;
  pgfan: Summary;
  /** The fragment counts pgfan ran it as (1: as written). */
  partitions: number[];
  mismatch?: boolean;
}

export interface ClickBenchResults {
  table: string;
  rows: number;
  rounds: number;
  cells: ClickBenchCell[];
  /** Sums of the medians. */
  total: { direct: number; pgfan: number };
}

/**
 * Seeds the table if needed, then runs every query on both sides: once to warm up and check, then
 * `rounds` interleaved rounds.
 */
export async function runClickBench(
  databaseUrl: string,
  api: PgfanClient,
  { table, rows, rounds }: { table: string; rows: number; rounds: number },
  log: (message: string) => void,
): Promise<ClickBenchResults> {
  const seconds = await seedTable(databaseUrl, HITS, rows, { table, ifDifferentSize: true });
  if (seconds !== null) log(`seeded ${table} (${rows.toLocaleString('en-US')} rows, ClickBench's schema) in ${seconds.toFixed(1)} s`);
  const direct = await directRunner(databaseUrl, { name: 'direct-parallel', kind: 'direct', parallelWorkers: null });
  const pgfan = pgfanRunner(api, { name: 'pgfan-auto', kind: 'pgfan', partitions: null });
  const cells: ClickBenchCell[] = [];
  try {
    for (const query of clickBenchQueries(table, rows)) {
      const measured = await measure([direct, pgfan], query.sql, rounds, (expected, actual) => sameAnswer(query, expected, actual));
      const [d, p] = [measured.get(direct.mode.name)!, measured.get(pgfan.mode.name)!];
      const cell: ClickBenchCell = {
        number: query.number,
        direct: summarize(d.samples.map((s) => s.ms)),
        pgfan: summarize(p.samples.map((s) => s.ms)),
        partitions: [...new Set(p.samples.map((s) => s.partitions ?? 1))],
        ...(p.mismatch ? { mismatch: true } : {}),
      };
      cells.push(cell);
      log(
        `ClickBench Q${query.number}: PostgreSQL ${cell.direct.median.toFixed(0)} ms, pgfan ${cell.pgfan.median.toFixed(0)} ms ` +
          `(${cell.partitions.join('/')} fragments)${cell.mismatch ? ' ⚠ differs' : ''}`,
      );
    }
  } finally {
    await direct.close();
  }
  const total = (side: 'direct' | 'pgfan') => cells.reduce((sum, c) => sum + c[side].median, 0);
  return { table, rows, rounds, cells, total: { direct: total('direct'), pgfan: total('pgfan') } };
}
