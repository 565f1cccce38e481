/** Command-line arguments of `npm run query`. */
import { parseArgs } from 'node:util';
import { MAX_REQUEST_SERVERS } from '@pgfan/contracts';
import { MAX_PARTITIONS } from '@pgfan/planner';

export interface CliOptions {
  /** Plan and run in this process instead of submitting to the API. */
  local: boolean;
  /** Exact number of partitions; automatic when omitted. */
  partitions?: number;
  /** Spread the fragments over this many replicas at one exact cut (through the API only). */
  servers?: number;
  /** Fragments that can run at once, for automatic partitioning. */
  workers: number;
  /** Split by ranges of this column instead of page ranges. */
  partitionBy?: string;
  /** How results are printed: a table (all rows), CSV (as COPY writes it), or one JSON record per query. */
  format: OutputFormat;
  /** Run every line of this file as one query. */
  file?: string;
  sql?: string;
}

export const OUTPUT_FORMATS = ['table', 'csv', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `Usage: npm run query -- [--local] [--partitions N] [--servers N] [--partition-by COLUMN] [--workers N] [--format table|csv|json] [--file F | "SQL"]

  --local              plan and run in this process (needs only PostgreSQL at DATABASE_URL);
                       without it, the query goes to the API at API_URL (npm start) and runs
                       on its workers
  --partitions N       split into exactly N fragments (1-${MAX_PARTITIONS}); automatic by default
  --servers N          spread the fragments over N streaming replicas read at one exact cut
                       (1-${MAX_REQUEST_SERVERS}; needs REPLICA_URLS on the API and workers; not with --local)
  --partition-by COL   with --local: split by ranges of an integer, numeric, date or timestamp
                       column instead of physical page ranges
  --workers N          fragments that may run at once, for automatic partitioning (default: CPU count)
  --format F           table (default: every row, then a summary), csv (the rows as PostgreSQL's
                       COPY ... CSV HEADER writes them; the summary on stderr) or json (one JSON
                       query record per query, one per line, with every row)
  --json               the same as --format json
  --file F             run every non-empty line of F as one query (a trailing ";" is fine;
                       blank lines and lines holding only a -- comment are skipped)
  -h, --help           show this help`;

function positiveInteger(name: string, value: string | undefined, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > max) throw new UsageError(`--${name} must be a whole number from 1 to ${max}, got "${value}"`);
  return n;
}

/**
 * @returns the options, or 'help'.
 * @throws UsageError with a message for the terminal.
 */
export function parseCliArgs(argv: string[], defaults: { workers: number }): CliOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        local: { type: 'boolean', default: false },
        partitions: { type: 'string' },
        servers: { type: 'string' },
        workers: { type: 'string' },
        'partition-by': { type: 'string' },
        json: { type: 'boolean', default: false },
        format: { type: 'string' },
        file: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const sql = positionals.join(' ').trim();
  if (values.file && sql) throw new UsageError('give either --file or a query, not both');
  if (!values.file && !sql) throw new UsageError('no query given');
  const format = values.format ?? (values.json ? 'json' : 'table');
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${OUTPUT_FORMATS.join(', ')}, got "${format}"`);
  if (values.json && format !== 'json') throw new UsageError('--json is --format json: give one of them');
  const servers = positiveInteger('servers', values.servers, MAX_REQUEST_SERVERS);
  if (servers !== undefined && values.local) throw new UsageError('--servers needs the API (REPLICA_URLS): not with --local');
  return {
    local: values.local,
    partitions: positiveInteger('partitions', values.partitions, MAX_PARTITIONS),
    ...(servers !== undefined ? { servers } : {}),
    workers: positiveInteger('workers', values.workers) ?? defaults.workers,
    ...(values['partition-by'] ? { partitionBy: values['partition-by'] } : {}),
    format: format as OutputFormat,
    ...(values.file ? { file: values.file } : { sql }),
  };
}

/** The queries in a --file: one per non-empty line, comment-only lines skipped. */
export function queriesInFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('--'));
}
