/**
 * Where a database server stands, for placing queries on the primary or one of its streaming
 * replicas: its WAL position (the primary's write position, a standby's last replayed record)
 * and how many of pgfan's statements it is running, read in one round trip.
 */
import type { ClientBase, Pool } from 'pg';

/** A WAL position as PostgreSQL prints it (`16/B374D848`), as a number that compares. */
export function parseLsn(text: string): bigint {
  const match = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i.exec(text);
  if (!match) throw new Error(`not a WAL position: ${text}`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

/** The inverse of `parseLsn`, as PostgreSQL prints it. */
export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

export interface ServerState {
  /** In recovery: a streaming replica (hot standby). */
  standby: boolean;
  /** Everything committed before this position is visible to a snapshot taken now. */
  lsn: bigint;
  /** A standby whose replay an operator (or a cut) paused: it does not move on by itself. */
  replayPaused: boolean;
  /** pgfan statements running on it now (fragments and queries run as written, by application_name). */
  active: number;
  /** The cluster's identity (pg_control_system()): a primary and its physical replicas share it. */
  systemId: string;
  /**
   * A standby's hot_standby_feedback (true on a primary): without it replay may wait for a
   * query's snapshot there (a recovery conflict), and a cut then cannot catch up under writes.
   */
  feedback: boolean;
}

/**
 * The server's WAL position, in a statement of its own. A snapshot taken by a later statement of
 * the same session sees everything committed before it: replay only moves forward.
 */
const POSITION = '(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text';
const POSITION_SQL = `SELECT ${POSITION} AS lsn`;

/** A replica has not yet replayed up to the position a query must see (its submitter's writes). */
export class ServerBehindError extends Error {
  override readonly name = 'ServerBehindError';
}

/**
 * The session's server position, which must be at least `atLeast`: every snapshot the session
 * takes after this sees everything committed before `atLeast`.
 * @throws ServerBehindError when the server has not got that far.
 */
export async function readPosition(session: ClientBase, atLeast: bigint): Promise<bigint> {
  const { rows } = await session.query<{ lsn: string | null }>(POSITION_SQL);
  const position = rows[0]?.lsn ? parseLsn(rows[0].lsn) : 0n;
  if (position < atLeast) throw new ServerBehindError(`the server stands at ${formatLsn(position)}, behind ${formatLsn(atLeast)}`);
  return position;
}

const STATE_SQL = `SELECT pg_is_in_recovery() AS standby,
  ${POSITION} AS lsn,
  CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END AS paused,
  (SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND application_name LIKE 'pgfan:%' AND pid <> pg_backend_pid())::int AS active,
  (SELECT system_identifier FROM pg_control_system())::text AS system_id,
  NOT pg_is_in_recovery() OR current_setting('hot_standby_feedback')::bool AS feedback`;

/** Reads where `pool`'s server stands. A standby that has replayed nothing yet has no position: it is at 0/0. */
export async function readServerState(pool: Pool): Promise<ServerState> {
  const { rows } = await pool.query<{ standby: string; lsn: string | null; paused: string; active: string; system_id: string; feedback: string }>(STATE_SQL);
  const row = rows[0];
  if (!row) throw new Error('the server reported no state');
  // The query pool reads every value as PostgreSQL's text output.
  return {
    standby: row.standby === 't',
    lsn: row.lsn === null ? 0n : parseLsn(row.lsn),
    replayPaused: row.paused === 't',
    active: Number(row.active),
    systemId: row.system_id,
    feedback: row.feedback === 't',
  };
}

/**
 * Replay control on a hot standby, for an exact cut across replicas: the role needs EXECUTE on
 * pg_wal_replay_pause() and pg_wal_replay_resume() (granted on the primary; docs/scale-out.md).
 */
export const PAUSE_REPLAY_SQL = 'SELECT pg_wal_replay_pause()';
export const RESUME_REPLAY_SQL = 'SELECT pg_wal_replay_resume()';

/**
 * Whether replay stands still, and where: `paused` only once the standby has stopped between two
 * records (not merely been asked to), so nothing is half replayed while it holds.
 */
export async function readReplayStop(control: Pool): Promise<{ paused: boolean; lsn: bigint }> {
  const { rows } = await control.query<{ state: string; lsn: string | null }>(
    'SELECT pg_get_wal_replay_pause_state() AS state, pg_last_wal_replay_lsn()::text AS lsn',
  );
  const row = rows[0];
  return { paused: row?.state === 'paused', lsn: row?.lsn ? parseLsn(row.lsn) : 0n };
}
