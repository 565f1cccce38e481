/**
 * Functions no submitted query may call. The database role users' SQL runs as is the boundary
 * (docs/security.md): this list is the second layer, and still holds where that role is more
 * than it should be (ALLOW_PRIVILEGED_QUERY_ROLE). Each category is checked against PostgreSQL's
 * own catalog by `engine/src/forbidden-functions.test.ts`, so a function a new version adds to one
 * of them fails that test until it is listed here or judged harmless there.
 */
import { foldCase, isWord, tokenize, type Token } from './lexer';

const FORBIDDEN_NAMES = new Set([
  // Sleeping, signalling and waking other sessions.
  'pg_sleep',
  'pg_sleep_for',
  'pg_sleep_until',
  'pg_terminate_backend',
  'pg_cancel_backend',
  'pg_reload_conf',
  'pg_log_backend_memory_contexts',
  'pg_notify',
  'pg_promote',
  // Session state a rollback does not undo, settings, sequences and transaction ids.
  'set_config',
  'setseed',
  // pg_trgm's similarity threshold, a setting of the session.
  'set_limit',
  'nextval',
  'setval',
  'txid_current',
  'txid_current_if_assigned',
  'pg_current_xact_id',
  'pg_current_xact_id_if_assigned',
  'pg_export_snapshot',
  'pg_import_system_collations',
  'pg_stat_clear_snapshot',
  'pg_stat_force_next_flush',
  'pg_nextoid',
  'pg_extension_config_dump',
  'pg_stop_making_pinned_objects',
  // Writes that a read-only transaction may not stop: index maintenance.
  'brin_summarize_new_values',
  'brin_summarize_range',
  'brin_desummarize_range',
  'gin_clean_pending_list',
  // Other sessions' SQL: every user's queries run as one role, whose sessions see each other's text.
  'pg_stat_get_activity',
  'pg_stat_get_backend_activity',
  'pgrowlocks',
  // The server's files, configuration, memory, large objects and write-ahead log.
  'pg_stat_file',
  'pg_current_logfile',
  'pg_logdir_ls',
  'pg_config',
  'pg_hba_file_rules',
  'pg_ident_file_mappings',
  'pg_show_all_file_settings',
  'pg_get_backend_memory_contexts',
  'pg_get_shmem_allocations',
  'loread',
  'lowrite',
  'pg_switch_wal',
  'pg_start_backup',
  'pg_stop_backup',
  'pg_backup_start',
  'pg_backup_stop',
  'pg_logical_emit_message',
  'pg_drop_replication_slot',
  'pg_prewarm',
  'xslt_process',
  // pageinspect and its kind read raw pages (superusers only, but names are checked anyway).
  'get_raw_page',
  'page_header',
  'page_checksum',
  'heap_page_items',
  'heap_page_item_attrs',
  'heap_tuple_infomask_flags',
  'tuple_data_split',
  'fsm_page_contents',
  'heap_force_kill',
  'heap_force_freeze',
  'pg_truncate_visibility_map',
  'pg_buffercache_pages',
  'pg_freespace',
  'pg_relpages',
  'verify_heapam',
  'pg_show_replication_origin_status',
  'pg_stat_have_stats',
  // SQL passed as text: it runs unchecked. The catalog cannot tell these; they are named.
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
  'ts_rewrite',
  // tablefunc and xml2 (contrib).
  'crosstab',
  'crosstab2',
  'crosstab3',
  'crosstab4',
  'connectby',
  'xpath_table',
]);

/** Families: every advisory lock, file and directory reader, large-object and dblink function, … */
const FORBIDDEN_PREFIXES = [
  'pg_advisory_',
  'pg_try_advisory_',
  'pg_read_',
  'pg_ls_',
  'pg_file_',
  'pg_rotate_logfile',
  'pg_control_',
  'lo_',
  'dblink',
  'postgres_fdw_',
  'pg_stat_reset',
  'pg_stat_statements',
  'pg_create_',
  'pg_copy_',
  'pg_logical_slot_',
  'pg_replication_',
  'pg_wal_replay_',
  'pg_get_wal_record',
  'pg_get_wal_stats',
  'pg_visibility',
  'pg_check_',
  'pgstat',
  'autoprewarm_',
  'binary_upgrade_',
  'bt_index_',
  'bt_page_',
  'bt_metap',
  'brin_page_',
  'brin_metapage_',
  'brin_revmap_',
  'gin_leafpage_',
  'gin_metapage_',
  'gin_page_',
  'gist_page_',
  'hash_page_',
  'hash_metapage_',
  'hash_bitmap_',
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
 * Every forbidden function `sql` calls, by name, in order (any statement: a token scan, which
 * sees through nothing but its own text). Empty when the text is not something our lexer reads.
 */
export function forbiddenCalls(sql: string): string[] {
  let tokens: Token[];
  try {
    tokens = tokenize(sql);
  } catch {
    return [];
  }
  const names: string[] = [];
  for (let call = forbiddenCall(tokens); call; call = forbiddenCall(tokens)) {
    names.push(call.name);
    tokens = tokens.slice(tokens.indexOf(call.token) + 1);
  }
  return names;
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
