/**
 * Functions no submitted query may call: they sleep, signal or terminate backends, take advisory
 * locks, read the server's files or large objects, reach other servers, change settings or
 * sequences, assign transaction ids, or run SQL given to them as text (which would slip past
 * every check on the query's own text). READ ONLY transactions already stop most writes; these
 * do harm without writing a row.
 */
import { foldCase, isWord, tokenize, type Token } from './lexer';

const FORBIDDEN_NAMES = new Set([
  // Sleeping and signalling.
  'pg_sleep',
  'pg_sleep_for',
  'pg_sleep_until',
  'pg_terminate_backend',
  'pg_cancel_backend',
  'pg_reload_conf',
  'pg_rotate_logfile',
  'pg_log_backend_memory_contexts',
  'pg_notify',
  'pg_promote',
  // Settings, sequences and transaction ids.
  'set_config',
  'nextval',
  'setval',
  'txid_current',
  'txid_current_if_assigned',
  'pg_current_xact_id',
  'pg_current_xact_id_if_assigned',
  'pg_export_snapshot',
  'pg_import_system_collations',
  // The server's files, large objects and write-ahead log.
  'pg_stat_file',
  'pg_current_logfile',
  'loread',
  'lowrite',
  'pg_switch_wal',
  'pg_start_backup',
  'pg_stop_backup',
  'pg_backup_start',
  'pg_backup_stop',
  'pg_wal_replay_pause',
  'pg_wal_replay_resume',
  'pg_logical_emit_message',
  'pg_replication_slot_advance',
  'pg_drop_replication_slot',
  'pg_prewarm',
  'pg_stat_statements_reset',
  // SQL passed as text: it runs unchecked.
  'query_to_xml',
  'query_to_xmlschema',
  'query_to_xml_and_xmlschema',
  'cursor_to_xml',
  'cursor_to_xmlschema',
  'table_to_xml',
  'table_to_xmlschema',
  'table_to_xml_and_xmlschema',
  'schema_to_xml',
  'schema_to_xmlschema',
  'schema_to_xml_and_xmlschema',
  'database_to_xml',
  'database_to_xmlschema',
  'database_to_xml_and_xmlschema',
  'ts_stat',
]);

/** Families: every advisory lock, file and directory reader, large-object and dblink function, … */
const FORBIDDEN_PREFIXES = [
  'pg_advisory_',
  'pg_try_advisory_',
  'pg_read_',
  'pg_ls_',
  'pg_file_',
  'lo_',
  'dblink',
  'pg_stat_reset',
  'pg_create_',
  'pg_replication_origin_',
];

/** True if a submitted query may not call the function `name` (as PostgreSQL folds it). */
export function isForbiddenFunction(name: string): boolean {
  return FORBIDDEN_NAMES.has(name) || FORBIDDEN_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/**
 * The name `token` stands for: unquoted names fold to lower case, quoted ones keep their case,
 * and `U&"…"` names are decoded (with the escape character of a following UESCAPE clause).
 * Null for anything that is not a name.
 */
function nameOf(token: Token, after: readonly Token[]): string | null {
  if (token.kind === 'ident') return foldCase(token.text);
  if (token.kind !== 'quoted-ident') return null;
  if (!/^u&/i.test(token.text)) return token.text.slice(1, -1).replace(/""/g, '"');
  const escape = isWord(after[0], 'uescape') && after[1]?.kind === 'string' ? after[1].text.slice(1, -1) : '\\';
  return decodeUnicodeEscapes(token.text.slice(3, -1).replace(/""/g, '"'), escape);
}

function decodeUnicodeEscapes(body: string, escape: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== escape) {
      out += body[i];
    } else if (body[i + 1] === escape) {
      out += escape;
      i++;
    } else {
      const long = body[i + 1] === '+';
      const hex = body.slice(long ? i + 2 : i + 1, long ? i + 8 : i + 5);
      out += String.fromCodePoint(Number.parseInt(hex, 16) || 0);
      i += long ? 7 : 4;
    }
  }
  return out;
}

export interface ForbiddenCall {
  name: string;
  /** The token naming the function. */
  token: Token;
}

/**
 * The first call of a forbidden function among `tokens`: a name followed by `(`, possibly
 * schema-qualified (only the last part names the function) or with a UESCAPE clause between.
 */
export function forbiddenCall(tokens: readonly Token[]): ForbiddenCall | null {
  for (const [i, token] of tokens.entries()) {
    const after = tokens.slice(i + 1, i + 3);
    const name = nameOf(token, after);
    if (name === null || !isForbiddenFunction(name)) continue;
    const open = isWord(after[0], 'uescape') ? tokens[i + 3] : after[0];
    if (open?.kind === 'op' && open.text === '(') return { name, token };
  }
  return null;
}

/**
 * The forbidden function called in an expression as PostgreSQL prints it (EXPLAIN VERBOSE),
 * which shows calls a view or an inlined SQL function would hide from the query's own text.
 * Null when there is none, or when the text is not something our lexer reads.
 */
export function forbiddenCallInExpression(expression: string): string | null {
  try {
    return forbiddenCall(tokenize(expression))?.name ?? null;
  } catch {
    return null;
  }
}
