#!/usr/bin/env node
/**
 * `npm run seed -- --rows N`: (re)creates the demo table `events` — web-analytics page views —
 * with generate_series, in parallel chunks, then ANALYZE. Deterministic: the same N gives the
 * same rows.
 */
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { loadEnv, redactUrl, runCommand } from './env';

export const DEMO_TABLE = 'events';

const CREATE = `
CREATE TABLE %TABLE% (
  id          bigint NOT NULL,
  ts          timestamptz NOT NULL,
  user_id     integer NOT NULL,
  country     text NOT NULL,
  device      text,
  browser     text NOT NULL,
  path        text NOT NULL,
  duration_ms integer NOT NULL,
  revenue     numeric(10, 2) NOT NULL,
  is_bot      boolean NOT NULL
)`;

/** Rows [$1, $2]; values are mixed from the id so columns look independent. */
const INSERT = `
INSERT INTO %TABLE%
SELECT i,
       timestamptz '2025-01-01 00:00:00+00' + make_interval(secs => (i * 7) % 31536000),
       1 + (h % 100000)::int,
       (ARRAY['US', 'US', 'US', 'DE', 'GB', 'FR', 'IN', 'BR', 'JP', 'CA', 'NL', 'ES', 'IT', 'SE', 'PL', 'MX', 'AU', 'KR', 'ZA', 'AR'])[1 + (h >> 8) % 20],
       CASE WHEN (h >> 13) % 17 = 0 THEN NULL ELSE (ARRAY['mobile', 'desktop', 'tablet'])[1 + (h >> 16) % 3] END,
       (ARRAY['chrome', 'safari', 'firefox', 'edge', 'other'])[1 + (h >> 20) % 5],
       (ARRAY['/', '/pricing', '/docs', '/docs/install', '/docs/api', '/blog', '/blog/launch', '/signup', '/login', '/account'])[1 + (h >> 24) % 10],
       (h >> 4) % 120000,
       CASE WHEN (h >> 28) % 50 = 0 THEN ((h >> 6) % 50000) / 100.0 ELSE 0 END,
       (h >> 30) % 20 = 0
FROM (SELECT i, (i * 2654435761) % 4294967296 AS h FROM generate_series($1::bigint, $2::bigint) AS i) AS s`;

/** A table generated in SQL, chunk by chunk. */
export interface GeneratedTable {
  /** CREATE TABLE with `%TABLE%` for its name. */
  create: string;
  /** INSERT … SELECT of some rows, with `%TABLE%` for the table's name. */
  insert: string;
  /** The INSERT's parameters for rows `from`..`to` of a table of `rows`. */
  params: (from: number, to: number, rows: number) => number[];
  /** Marks the table as ours, so seeding again may replace it but never someone else's table. */
  mark: string;
  /** What the table is, for the message when a table of that name is not ours. */
  what: string;
}

/** The demo table `events` (web-analytics page views). */
const DEMO: GeneratedTable = {
  create: CREATE,
  insert: INSERT,
  params: (from, to) => [from, to],
  mark: 'pgfan demo data (npm run seed)',
  what: "pgfan's demo table",
};

export interface SeedOptions {
  /** @defaultValue 'events' */
  table?: string;
  /** Rows are inserted by this many sessions at once. @defaultValue 2 */
  chunks?: number;
  /** Keep a demo table that is already there, whatever its size. */
  ifMissing?: boolean;
  /** Keep a demo table that is already there with exactly `rows` rows (the bench's tables). */
  ifDifferentSize?: boolean;
}

/**
 * Creates a demo table with `rows` rows; returns the seconds it took, or null when an existing
 * table was kept.
 * @throws Error if a table of that name exists that is not a pgfan demo table.
 */
export function seedDemo(databaseUrl: string, rows: number, options: SeedOptions = {}): Promise<number | null> {
  return seedTable(databaseUrl, DEMO, rows, { table: DEMO_TABLE, ...options });
}

/**
 * Creates a generated table with `rows` rows, then ANALYZE; returns the seconds it took, or null
 * when an existing table was kept.
 * @throws Error if a table of that name exists that this kind of table did not make.
 */
export async function seedTable(databaseUrl: string, kind: GeneratedTable, rows: number, options: SeedOptions & { table: string }): Promise<number | null> {
  const { table, chunks = 2, ifMissing = false, ifDifferentSize = false } = options;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(table)) throw new Error(`not a plain lower-case table name: ${table}`);
  const started = performance.now();
  const pool = new Pool({ connectionString: databaseUrl, max: chunks, application_name: 'pgfan-seed' });
  try {
    const existing = await pool.query<{ mark: string | null }>(
      "SELECT obj_description(to_regclass('public.' || $1), 'pg_class') AS mark WHERE to_regclass('public.' || $1) IS NOT NULL",
      [table],
    );
    const mark = existing.rows[0]?.mark;
    if (existing.rows[0] && !mark?.startsWith(kind.mark)) {
      throw new Error(`a table named ${table} already exists and is not ${kind.what}; drop it or seed another database`);
    }
    if (existing.rows[0] && (ifMissing || (ifDifferentSize && mark === `${kind.mark}: ${rows} rows`))) return null;
    await pool.query(`DROP TABLE IF EXISTS public.${table}`);
    await pool.query(kind.create.replaceAll('%TABLE%', table));
    await pool.query(`COMMENT ON TABLE ${table} IS '${kind.mark}: ${rows} rows'`);
    const size = Math.ceil(rows / chunks);
    await Promise.all(
      Array.from({ length: chunks }, (_, c) => {
        const from = c * size + 1;
        const to = Math.min(rows, (c + 1) * size);
        return from <= to ? pool.query(kind.insert.replaceAll('%TABLE%', table), kind.params(from, to, rows)) : undefined;
      }),
    );
    await pool.query(`ANALYZE ${table}`);
  } finally {
    await pool.end();
  }
  return (performance.now() - started) / 1000;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { rows: { type: 'string', default: '100000' }, 'if-missing': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(
      'Usage: npm run seed -- [--rows N] [--if-missing]\n' +
        '  (re)create the demo table "events" with N rows (default 100000) at DATABASE_URL;\n' +
        '  --if-missing keeps a demo table that is already there (for containers that seed on every start)\n',
    );
    return 0;
  }
  const rows = Number(values.rows);
  if (!/^\d+$/.test(values.rows ?? '') || rows < 1) {
    process.stderr.write(`--rows must be a positive whole number, got "${values.rows}"\n`);
    return 2;
  }
  const env = loadEnv(process.env);
  process.stdout.write(`Seeding ${rows.toLocaleString('en-US')} rows into events at ${redactUrl(env.DATABASE_URL)}…\n`);
  const seconds = await seedDemo(env.DATABASE_URL, rows, { ifMissing: values['if-missing'] });
  process.stdout.write(seconds === null ? 'The demo table is already there; kept it.\n' : `Done in ${seconds.toFixed(1)} s.\n`);
  return 0;
}

runCommand(module, 'pgfan-seed', main);
