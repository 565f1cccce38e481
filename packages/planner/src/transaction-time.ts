/**
 * Fragments and the combine run in transactions and sessions of their own, so what a function
 * reads from its transaction or session would differ between them, where PostgreSQL gives a
 * query one value: `SELECT max(now()) = min(now())` was false, split.
 *
 * The time the query's transaction started is pinned instead: every call that reads it becomes
 * one constant, the moment the engine asked the database while planning. A transaction's start
 * precedes its first snapshot in PostgreSQL too, so the answer is one it could give. What reads
 * the session (its backend, its client, its cursors) runs as written.
 */
import { cast, lit } from './build';
import { NotSplittable } from './convert';
import { mapExpressions, queryExpressions, transform, walk, type Call, type Expr, type SelectQuery } from './ir';

const TIMESTAMPTZ = 'timestamp with time zone';

/** Calls that read the transaction's (or statement's) start, as what they return for a given start `t`. */
const TRANSACTION_TIME: Record<string, (t: Expr, precision: string | null) => Expr> = {
  now: (t) => t,
  transaction_timestamp: (t) => t,
  statement_timestamp: (t) => t,
  current_timestamp: (t, p) => (p === null ? t : cast(t, `timestamp(${p}) with time zone`)),
  localtimestamp: (t, p) => cast(t, p === null ? 'timestamp without time zone' : `timestamp(${p}) without time zone`),
  current_time: (t, p) => cast(t, p === null ? 'time with time zone' : `time(${p}) with time zone`),
  localtime: (t, p) => cast(t, p === null ? 'time without time zone' : `time(${p}) without time zone`),
  current_date: (t) => cast(t, 'date'),
};

/** Calls that read the session or its transaction in other ways: not split. */
const SESSION = new Set([
  'pg_backend_pid',
  'inet_client_addr',
  'inet_client_port',
  'inet_server_addr',
  'inet_server_port',
  'pg_my_temp_schema',
  'pg_listening_channels',
  'pg_cursor',
  'pg_prepared_statement',
  'pg_trigger_depth',
  'pg_conf_load_time',
  'age', // with one argument: the age at current_date
]);

/** String constants PostgreSQL reads as the transaction's start when cast to a date or time. */
const TIME_WORDS = /'\s*(now|today|tomorrow|yesterday)\s*'/i;

function readsTime(call: Call): boolean {
  return call.name in TRANSACTION_TIME && (call.schema === null || call.schema === 'pg_catalog') && call.args.length <= 1;
}

function readsSession(call: Call): boolean {
  if (call.schema !== null && call.schema !== 'pg_catalog') return false;
  return call.name === 'age' ? call.args.length === 1 : SESSION.has(call.name) || call.name.startsWith('pg_stat_get_');
}

/** True if the query reads its transaction's start time, which the engine must then pin. */
export function readsTransactionTime(q: SelectQuery): boolean {
  let found = false;
  for (const e of queryExpressions(q)) {
    walk(e, (node) => {
      if (node.kind === 'call' && readsTime(node)) found = true;
    });
  }
  return found;
}

/**
 * The query with every call that reads its transaction's start replaced by `startedAt`.
 * @param startedAt the transaction's start as `timestamptz` text, unambiguous (ISO, with offset);
 *   undefined when none was read, which is fine only for a query that needs none.
 * @throws NotSplittable for what reads the session, or the time without `startedAt`
 */
export function pinTransactionTime(q: SelectQuery, startedAt: string | undefined): SelectQuery {
  if (startedAt !== undefined && !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?\+00$/.test(startedAt)) {
    throw new Error(`a transaction time must read YYYY-MM-DD HH:MI:SS.US+00, not ${JSON.stringify(startedAt)}`);
  }
  const pin = (e: Expr): Expr =>
    transform(e, (node) => {
      if (node.kind === 'literal' && TIME_WORDS.test(node.sql)) {
        throw new NotSplittable(`${node.sql} may be read as the time the transaction started, which would differ between fragments`);
      }
      if (node.kind !== 'call') return undefined;
      if (readsSession(node)) throw new NotSplittable(`${node.name}() reads its session, which differs between fragments`);
      if (!readsTime(node)) return undefined;
      if (startedAt === undefined) throw new NotSplittable(`${node.name} reads the time the transaction started, which would differ between fragments`);
      const [precision] = node.args;
      if (precision && (precision.kind !== 'literal' || !/^\d+$/.test(precision.sql))) throw new NotSplittable(`this ${node.name} is not split`);
      return (TRANSACTION_TIME[node.name] as (t: Expr, p: string | null) => Expr)(cast(lit(`'${startedAt}'`), TIMESTAMPTZ), precision ? precision.sql : null);
    });
  return mapExpressions(q, pin);
}
