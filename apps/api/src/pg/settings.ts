/**
 * Whether a client's session would read a query as pgfan's workers do. Its fanned-out answer is
 * computed in the workers' sessions, so the client's must not differ in anything that changes an
 * answer or how values are printed: search_path, TimeZone, DateStyle, a role it SET, a temporary
 * table that shadows a real one. Settings that change only speed, limits or messages are ignored.
 * When anything else differs, the statement runs on the client's own session: exact, not faster.
 */
import type { Message } from './framing';

/** Settings whatever value of which gives the same answer, printed the same way. */
const NO_EFFECT_ON_ANSWERS = [
  /^application_name$/,
  /^(statement|lock|idle_in_transaction_session|idle_session|transaction)_timeout$/,
  /^client_min_messages$/,
  /^lc_messages$/,
  /^(log|trace|debug)_/,
  /^jit/,
  /^enable_/,
  /_cost$/,
  /^(work_mem|maintenance_work_mem|hash_mem_multiplier|temp_buffers|effective_cache_size|effective_io_concurrency)$/,
  /^(max_parallel|parallel_|min_parallel_)/,
  /^(geqo|from_collapse_limit|join_collapse_limit|plan_cache_mode|cursor_tuple_fraction|constraint_exclusion|default_statistics_target)/,
  /^default_transaction_(isolation|deferrable|read_only)$/,
];

/**
 * Names of the zone the workers use (UTC): the same offsets and abbreviation, so the same answers
 * and the same text, unless a query reads the setting's name itself.
 */
export const UTC_NAMES: ReadonlySet<string> = new Set(['UTC', 'Etc/UTC', 'UCT', 'Etc/UCT', 'Universal', 'Etc/Universal', 'Zulu', 'Etc/Zulu']);
/** A query that may read settings by name: only equal values will do. */
const READS_SETTINGS = /current_setting|pg_settings|timezone/i;

export interface Fingerprint {
  /** Settings the session set itself or at startup (source `session` or `client`). */
  settings: Record<string, string>;
  /** Tables, views, sequences in its temporary schema. */
  temporaryRelations: number;
  /** Its statement_timeout, in milliseconds (0: none). */
  statementTimeoutMs: number;
  requested: Requested;
  /** The isolation level of its transaction (or of the next, outside one). */
  isolation: string;
}

/** `pgfan.partitions`, `pgfan.servers`. (Placeholders, of a prefix no module defines, are not in pg_settings.) */
const REQUESTED_COLUMNS = `pg_catalog.current_setting('pgfan.partitions', true), pg_catalog.current_setting('pgfan.servers', true)`;

/**
 * How a session reads queries, and what it asks of pgfan. Its scan of pg_settings costs
 * PostgreSQL about 0.6 ms, as much as a small query, so a statement a recent plan runs as written
 * is not fingerprinted (`SessionRequest` is enough for it).
 */
export const SessionFingerprint = {
  /** Sent on the session as a simple query; one row. */
  SQL: `SELECT (SELECT coalesce(json_object_agg(name, setting), '{}') FROM pg_catalog.pg_settings WHERE source IN ('client', 'session') OR name = 'statement_timeout')::text,
  (SELECT count(*) FROM pg_catalog.pg_class WHERE relnamespace = pg_catalog.pg_my_temp_schema())::text,
  pg_catalog.current_setting('transaction_isolation'), ${REQUESTED_COLUMNS}`,

  /** The fingerprint in the replies to `SQL` (up to its ReadyForQuery); null if it failed. */
  read(replies: Message[]): Fingerprint | null {
    const row = firstRow(replies);
    const [settingsJson, temporary, isolation] = row ?? [];
    if (!row || settingsJson == null || temporary == null) return null;
    // statement_timeout is read whatever its source, for the fan-out's deadline; it changes no answer.
    const { statement_timeout: timeout = '0', ...settings } = JSON.parse(settingsJson) as Record<string, string>;
    return {
      settings,
      temporaryRelations: Number(temporary),
      statementTimeoutMs: Number(timeout),
      requested: requestedIn(row.slice(3)),
      isolation: isolation ?? '',
    };
  },
};

/** `SET pgfan.partitions` and `SET pgfan.servers`: how a session asks to fan out, as REST's `partitions` and `servers`. */
export interface Requested {
  partitions: string | null;
  servers: string | null;
}

/** What a session asks of pgfan, alone: cheap, the first look at a statement. */
export const SessionRequest = {
  /** Sent on the session as a simple query; one row. */
  SQL: `SELECT ${REQUESTED_COLUMNS}`,

  /** The request in the replies to `SQL` (up to its ReadyForQuery); null if it failed. */
  read(replies: Message[]): Requested | null {
    const row = firstRow(replies);
    return row ? requestedIn(row) : null;
  },
};

/** The request in `REQUESTED_COLUMNS`' values. */
function requestedIn([partitions = null, servers = null]: (string | null)[]): Requested {
  return { partitions, servers };
}

/** The values of the one row in a simple query's replies; null if it failed. */
function firstRow(replies: Message[]): (string | null)[] | null {
  const row = replies.find((m) => m.type === 'D');
  return row && !replies.some((m) => m.type === 'E') ? dataRowValues(row.body) : null;
}

/** What pgfan's own query sessions have set: the reference a client's session is compared with. */
export class WorkerSettings {
  constructor(private readonly reference: ReadonlyMap<string, string>) {}

  /** Why `fingerprint` reads `sql` differently from the workers, or null if it does not. */
  difference(fingerprint: Fingerprint, sql = ''): string | null {
    if (fingerprint.temporaryRelations > 0) return 'the session has temporary tables';
    for (const [name, value] of Object.entries(fingerprint.settings)) {
      if (NO_EFFECT_ON_ANSWERS.some((pattern) => pattern.test(name))) continue;
      if (this.reference.get(name) === value) continue;
      // Any positive value prints floats shortest-exact, as the workers do.
      if (name === 'extra_float_digits' && Number(value) > 0) continue;
      const reference = this.reference.get(name) ?? '';
      if (name === 'TimeZone' && UTC_NAMES.has(value) && UTC_NAMES.has(reference) && !READS_SETTINGS.test(sql)) continue;
      return `the session sets ${name} = ${value}`;
    }
    return null;
  }

  matches(fingerprint: Fingerprint, sql = ''): boolean {
    return this.difference(fingerprint, sql) === null;
  }
}

/** The values of a DataRow in text format. */
function dataRowValues(body: Buffer): (string | null)[] {
  const count = body.readInt16BE(0);
  const values: (string | null)[] = [];
  let offset = 2;
  for (let i = 0; i < count; i++) {
    const length = body.readInt32BE(offset);
    offset += 4;
    if (length < 0) {
      values.push(null);
    } else {
      values.push(body.subarray(offset, offset + length).toString('utf8'));
      offset += length;
    }
  }
  return values;
}
