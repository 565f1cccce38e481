/**
 * What the PostgreSQL port does not forward. Every client's session is the same database role,
 * and PostgreSQL lets a role's sessions see each other's SQL (pg_stat_activity) and cancel or
 * terminate each other: a second layer refuses those, and SQL passed as text (DO, query_to_xml,
 * …) that no check can read. Calls that touch only the client's own session (set_config,
 * pg_sleep, setseed) stay allowed: over REST they are refused because sessions are shared there.
 * The query role's privileges remain the boundary (docs/security.md says what this cannot stop).
 */
import { forbiddenCalls } from '@pgfan/planner';

/** Forbidden over REST, harmless on a session of the client's own. */
const OWN_SESSION_ONLY = new Set(['set_config', 'pg_sleep', 'pg_sleep_for', 'pg_sleep_until', 'setseed', 'set_limit', 'pg_stat_clear_snapshot']);
/** Views over other sessions' SQL. */
const OTHER_SESSIONS = /\bpg_stat_(activity|statements|statements_info)\b/i;
const LEADING_COMMENTS = /^(\s|--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/)*/;

/** Why `sql` is not forwarded, or null to forward it. */
export function refusal(sql: string): string | null {
  if (/^do\b/i.test(sql.replace(LEADING_COMMENTS, ''))) return 'DO is not accepted through pgfan: the code it runs cannot be checked';
  const call = forbiddenCalls(sql).find((name) => !OWN_SESSION_ONLY.has(name));
  if (call) {
    return `${call}() is not accepted through pgfan: functions that reach other sessions, the server's files or locks, or run SQL given as text cannot be called`;
  }
  if (OTHER_SESSIONS.test(sql))
    return "pg_stat_activity and pg_stat_statements are not accepted through pgfan: every client is the same database role, and they show each other's SQL";
  return null;
}

/**
 * A statement that fails with `message` and SQLSTATE `code` (insufficient_privilege unless
 * given), run in the client's place, so that the session's transaction fails as PostgreSQL's own
 * error would fail it.
 */
export function raising(message: string, code = '42501'): string {
  if (!/^[0-9A-Z]{5}$/.test(code)) throw new Error(`not a SQLSTATE: ${code}`);
  return `DO $pgfan$BEGIN RAISE EXCEPTION USING ERRCODE = '${code}', MESSAGE = '${message.replace(/'/g, "''")}'; END$pgfan$`;
}
