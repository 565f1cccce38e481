/**
 * The database servers users' queries run on: the primary (QUERY_DATABASE_URL) and its streaming
 * replicas (REPLICA_URLS), each with a pool of read-only sessions and a name (`host:port`) that
 * jobs, records and the dashboard use. Every process builds the same list from the same settings,
 * so a name in a signed job means the same server to every worker.
 */
import {
  createQueryPool,
  exportSnapshot,
  formatLsn,
  readServerState,
  RESUME_REPLAY_SQL,
  type HeldSnapshot,
  type QueryPoolOptions,
  type ServerState,
} from '@pgfan/engine';
import type { Pool } from 'pg';
import { ConfigError, redactUrl } from './config';
import type { CutGuard } from './cut-guard';
import { makeCut } from './cuts';
import { SharedCuts, type CutLease } from './shared-cuts';
import { automaticSpread, lagBytes, rankServers, type ReadFrom, type ServerRole, type ServerSighting } from './placement';

export interface QueryServer {
  name: string;
  role: ServerRole;
  url: string;
  pool: Pool;
}

/** How long a server has to report its state before it counts as unreachable for this placement. */
const SIGHTING_TIMEOUT_MS = 2_000;
/** How often a placement that found no server up to date looks again. */
const RETRY_MS = 25;

/** The user and password of a connection URL, for `ServerOptions.control`. */
export function credentialsOf(url: string): { user: string; password: string } {
  const parsed = new URL(url);
  return { user: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
}

/** `url` — its role, password and database — on `server`, a `host:port`. */
export function atServer(url: string, server: string): string {
  const moved = new URL(url);
  moved.host = server;
  return moved.toString();
}

/** `host:port` of a connection URL: what the server is called in records, jobs and the dashboard. */
export function serverName(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '5432'}`;
}

/**
 * The servers' names and roles, the primary first.
 * @throws ConfigError when two URLs name the same server, or READ_FROM=replicas has none.
 */
export function queryServerSpecs(primaryUrl: string, replicaUrls: readonly string[], readFrom: ReadFrom): Omit<QueryServer, 'pool'>[] {
  for (const url of replicaUrls) {
    if (!URL.canParse(url) || !/^postgres(ql)?:$/.test(new URL(url).protocol)) {
      throw new ConfigError(`invalid setting REPLICA_URLS: ${redactUrl(url)} is not a postgres:// URL`);
    }
  }
  if (readFrom === 'replicas' && replicaUrls.length === 0) throw new ConfigError('invalid setting READ_FROM: "replicas" needs REPLICA_URLS');
  const specs = [
    { name: serverName(primaryUrl), role: 'primary' as const, url: primaryUrl },
    ...replicaUrls.map((url) => ({ name: serverName(url), role: 'replica' as const, url })),
  ];
  const names = specs.map((s) => s.name);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated) throw new ConfigError(`invalid setting REPLICA_URLS: ${repeated} is listed twice (or is the primary)`);
  return specs;
}

/** A server's state as `GET /api/health` reports it. */
export interface ServerReport {
  name: string;
  role: ServerRole;
  reachable: boolean;
  /** Its WAL position: the primary's write position, a replica's last replayed. */
  lsn: string | null;
  /** Bytes of WAL a replica has still to replay (0 for the primary); null when unknown. */
  lagBytes: number | null;
  replayPaused: boolean;
  /** A replica's hot_standby_feedback; null for the primary, or when unreachable. */
  hotStandbyFeedback: boolean | null;
  /** pgfan statements running on it now. */
  active: number;
  /** Sessions it runs at full speed at once, as last measured; null before the first measurement. */
  parallelism: number | null;
  latencyMs: number;
  error?: string;
}

/**
 * What a failed cut's reason adds when some of its replicas run without hot_standby_feedback:
 * there replay waits for the snapshots of queries reading them, so under writes a cut may never
 * catch up with the primary while another query runs.
 */
function withoutFeedback(sightings: readonly Sighting[], names: readonly string[]): string {
  const off = sightings.filter((s) => names.includes(s.name) && s.state?.feedback === false).map((s) => s.name);
  if (off.length === 0) return '';
  return ` (hot_standby_feedback is off on ${off.join(', ')}: replay there waits for running queries' snapshots; docs/scale-out.md, "Settings")`;
}

/** Why a server listed as a replica is not used as one, if it is not. */
function notAReplica(state: ServerState | null, primary: ServerState | null): string | undefined {
  if (state === null || primary === null) return undefined;
  if (!state.standby) return 'not in recovery (promoted, or not a replica): never read as a replica';
  if (state.systemId !== primary.systemId)
    return `a replica of another cluster (system identifier ${state.systemId}, the primary's ${primary.systemId}): never read`;
  return undefined;
}

/** Where one query runs. */
export interface Placement {
  server: QueryServer;
  /**
   * The primary's WAL position when the query was placed: the server has replayed at least this
   * far, so the query sees every write committed before it. Null when only the primary serves
   * queries: it is always current, and nothing is read to place a query.
   */
  atLeast: bigint | null;
}

export interface PlacedSnapshot extends Placement {
  snapshot: HeldSnapshot;
  /** Why it is one server when more were asked for. */
  reason?: string;
}

/** A query spread over several replicas at one exact cut, perhaps shared with other queries (shared-cuts.ts). */
export interface PlacedCut extends Omit<CutLease, 'snapshots'> {
  /** The servers, each with the id of the snapshot its fragments import. */
  members: { server: QueryServer; snapshot: string }[];
}

export interface ServerOptions {
  /** How each session of users' queries is opened (all but where to). */
  pool: Omit<QueryPoolOptions, 'connectionString'>;
  /**
   * The role that pauses and resumes replay on the replicas for a cut (DATABASE_URL's): its user
   * and password, with each replica's address and database. None: queries are never spread.
   */
  control?: { user: string; password: string };
  /** Keeps cuts by different processes apart, and finds replicas a dead one left paused. */
  guard?: CutGuard;
}

/** No server allowed to serve a query had replayed up to the primary's position before the query's deadline. */
export class NoServerError extends Error {
  override readonly name = 'NoServerError';
  readonly code = 'UNAVAILABLE';
}

/** A job names a server this process does not know: REPLICA_URLS differs between the API and a worker. */
export class UnknownServerError extends Error {
  override readonly name = 'UnknownServerError';
}

type Sighting = ServerSighting & { state: ServerState | null; latencyMs: number; error?: string };

export class QueryServers {
  readonly primary: QueryServer;
  readonly replicas: readonly QueryServer[];
  readonly all: readonly QueryServer[];
  /** Every server's pool: cancelling a query's statements looks on all of them. */
  readonly pools: readonly Pool[];

  /** Cuts held or being made in this process, which concurrent queries share. */
  private readonly cuts = new SharedCuts();
  /** Replay control on each replica, opened on first use. */
  private readonly controls = new Map<string, Pool>();

  constructor(
    specs: readonly Omit<QueryServer, 'pool'>[],
    readonly readFrom: ReadFrom,
    private readonly options: ServerOptions,
  ) {
    this.all = specs.map((spec) => ({ ...spec, pool: createQueryPool({ ...options.pool, connectionString: spec.url }) }));
    this.primary = this.all[0] as QueryServer;
    this.replicas = this.all.slice(1);
    this.pools = this.all.map((s) => s.pool);
  }

  /** Whether a query may run elsewhere than on the primary. */
  get placing(): boolean {
    return this.replicas.length > 0 && this.readFrom !== 'primary';
  }

  /** The server a job names; no name is the primary (jobs from before there were replicas). */
  get(name: string | null | undefined): QueryServer {
    if (name === null || name === undefined) return this.primary;
    const server = this.all.find((s) => s.name === name);
    if (!server) throw new UnknownServerError(`this process has no database server ${name}: REPLICA_URLS must be the same for the API and every worker`);
    return server;
  }

  /**
   * Every server's state now, as health reports it.
   * @param parallelism each server's measured capacity, by name (see `readServerParallelism`).
   */
  async report(parallelism: ReadonlyMap<string, number> = new Map()): Promise<ServerReport[]> {
    const sightings = await this.sight();
    const primary = sightings[0]?.state ?? null;
    return sightings.map((s) => {
      const error = s.error ?? (s.role === 'replica' ? notAReplica(s.state, primary) : undefined);
      return {
        name: s.name,
        role: s.role,
        reachable: s.state !== null,
        lsn: s.state ? formatLsn(s.state.lsn) : null,
        lagBytes: s.role === 'primary' ? (s.state ? 0 : null) : lagBytes(primary?.lsn ?? null, s.state?.lsn ?? null),
        replayPaused: s.state?.replayPaused ?? false,
        hotStandbyFeedback: s.role === 'replica' && s.state ? s.state.feedback : null,
        active: s.state?.active ?? 0,
        parallelism: parallelism.get(s.name) ?? null,
        latencyMs: s.latencyMs,
        ...(error ? { error } : {}),
      };
    });
  }

  /**
   * A server for a query that takes its own snapshot (one run as written): the session that runs
   * it must check `atLeast` first (`readPosition`), which a restarted replica could fail.
   */
  async place(deadline: number): Promise<Placement> {
    if (!this.placing) return { server: this.primary, atLeast: null };
    const { order, target } = await this.candidates(deadline);
    return { server: order[0] as QueryServer, atLeast: target };
  }

  /**
   * Exports the snapshot every fragment of a query imports, on the best server that has replayed
   * up to the primary's position (see `rankServers`); the next best if that one fails.
   */
  async placeSnapshot(holdMs: number, deadline: number): Promise<PlacedSnapshot> {
    if (!this.placing) return { server: this.primary, atLeast: null, snapshot: await exportSnapshot(this.primary.pool, holdMs) };
    for (;;) {
      const { order, target } = await this.candidates(deadline);
      for (const server of order) {
        // A replica may fail in between (restarted, behind after all): the next one is as good.
        const snapshot = await exportSnapshot(server.pool, holdMs, { atLeast: target }).catch(() => null);
        if (snapshot) return { server, atLeast: target, snapshot };
      }
      await this.pause(deadline, target);
    }
  }

  /**
   * How many replicas to spread a fan-out of `fragments` fragments over, unasked (see
   * `automaticSpread`); 1 when only one server serves queries, or the replicas cannot be seen.
   * @param parallelism each server's measured capacity, by name.
   */
  async automaticSpread(fragments: number, predictedMs: number | null, parallelism: ReadonlyMap<string, number>, minMs: number): Promise<number> {
    if (!this.placing || this.replicas.length < 2 || predictedMs === null || predictedMs < minMs) return 1;
    const { sightings } = await this.sightFromPrimary().catch(() => ({ sightings: [] as Sighting[] }));
    const replicas = rankServers(sightings, 0n, 'replicas').map((name) => ({
      active: sightings.find((s) => s.name === name)?.state?.active ?? 0,
      parallelism: parallelism.get(name) ?? null,
    }));
    return automaticSpread(fragments, predictedMs, replicas, minMs);
  }

  /**
   * Exports a snapshot on each of `count` replicas at one exact cut (see cuts.ts), replicas that
   * have replayed up to the primary's position, the least busy first. Short of replicas, or of a
   * cut within `cutTimeoutMs`, the query reads one server, and the placement says why.
   */
  async placeCut(count: number, holdMs: number, deadline: number, cutTimeoutMs: number): Promise<PlacedCut | PlacedSnapshot> {
    const { sightings, target } = await this.sightFromPrimary();
    // The least busy replicas that answer, caught up or not: the cut waits for them to reach the
    // primary's position.
    const replicas = rankServers(sightings, 0n, 'replicas')
      .slice(0, count)
      .map((name) => this.get(name));
    const control = this.options.control;
    const alone = async (reason: string): Promise<PlacedSnapshot> => ({ ...(await this.placeSnapshot(holdMs, deadline)), reason });
    if (!control) return alone(`asked for ${count} servers: spreading needs DATABASE_URL's role to pause replay on the replicas`);
    if (replicas.length < 2) return alone(`asked for ${count} servers: ${replicas.length} replica(s) answered`);
    const cutMembers = replicas.map((server) => ({ name: server.name, pool: server.pool, control: this.control(server, control) }));
    const names = replicas.map((server) => server.name);
    const lease = await this.cuts.lease(names, target, Date.now() + holdMs, async () => {
      const heldUntil = Date.now() + holdMs;
      const cut = await makeCut(cutMembers, target, holdMs, Math.min(cutTimeoutMs, deadline - Date.now()), this.options.guard);
      if (!cut.ok) return cut.reason;
      return { cut: { ...cut, snapshots: new Map(names.map((name, i) => [name, cut.snapshots[i] as HeldSnapshot])) }, heldUntil };
    });
    if (typeof lease === 'string') return alone(`asked for ${count} servers: ${lease}${withoutFeedback(sightings, names)}`);
    const { snapshots, ...held } = lease;
    return { ...held, members: replicas.map((server) => ({ server, snapshot: snapshots.get(server.name)?.id as string })) };
  }

  /**
   * Resumes replay on replicas a cut left paused when its process died mid-cut (see cut-guard.ts);
   * returns their names. A replica an operator paused is left alone: no cut recorded it.
   */
  async resumeAbandonedPauses(): Promise<string[]> {
    const { guard, control } = this.options;
    if (!guard || !control) return [];
    const names = await guard.abandoned();
    if (names.length === 0) return [];
    const known = this.replicas.filter((server) => names.includes(server.name));
    await Promise.all(known.map((server) => this.control(server, control).query(RESUME_REPLAY_SQL)));
    await guard.cleared();
    return known.map((server) => server.name);
  }

  async end(): Promise<void> {
    await Promise.allSettled([...this.pools, ...this.controls.values()].map((pool) => pool.end()));
  }

  private control(server: QueryServer, credentials: { user: string; password: string }): Pool {
    let pool = this.controls.get(server.name);
    if (!pool) {
      const url = new URL(server.url);
      url.username = credentials.user;
      url.password = credentials.password;
      pool = createQueryPool({ connectionString: url.toString(), max: 2, applicationName: 'pgfan cut', idleTimeoutMs: 10_000 });
      this.controls.set(server.name, pool);
    }
    return pool;
  }

  /** Servers that may serve a query now, best first, and the primary's position they reached. */
  private async candidates(deadline: number): Promise<{ order: QueryServer[]; target: bigint }> {
    for (;;) {
      const { sightings, target } = await this.sightFromPrimary();
      const order = rankServers(sightings, target, this.readFrom).map((name) => this.get(name));
      if (order.length > 0) return { order, target };
      await this.pause(deadline, target, sightings);
    }
  }

  /** Waits a moment before looking again, or gives up at the deadline. */
  private async pause(deadline: number, target: bigint, sightings?: Sighting[]): Promise<void> {
    if (Date.now() + RETRY_MS >= deadline) {
      const where = (sightings ?? [])
        .filter((s) => s.role === 'replica')
        .map((s) => `${s.name} ${s.state ? `at ${formatLsn(s.state.lsn)}` : `unreachable (${s.error ?? 'no answer'})`}`)
        .join(', ');
      throw new NoServerError(`no replica reached the primary's position ${formatLsn(target)} before the query's deadline${where ? `: ${where}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }

  /**
   * Every server's state, and the primary's WAL position: what a query placed now must see.
   * Without it nothing proves a replica holds the submitter's writes, so nothing is placed.
   */
  private async sightFromPrimary(): Promise<{ sightings: Sighting[]; target: bigint }> {
    const sightings = await this.sight();
    const primary = sightings[0] as Sighting;
    if (primary.state === null) throw new Error(`cannot reach the primary database server ${primary.name}: ${primary.error ?? 'no answer'}`);
    return { sightings, target: primary.state.lsn };
  }

  private sight(): Promise<Sighting[]> {
    return Promise.all(
      this.all.map(async (server): Promise<Sighting> => {
        const started = performance.now();
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${SIGHTING_TIMEOUT_MS} ms`)), SIGHTING_TIMEOUT_MS);
        });
        try {
          const state = await Promise.race([readServerState(server.pool), timeout]);
          return { name: server.name, role: server.role, state, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
        } catch (error) {
          return { name: server.name, role: server.role, state: null, latencyMs: Math.round(performance.now() - started), error: (error as Error).message };
        } finally {
          clearTimeout(timer);
        }
      }),
    );
  }
}
