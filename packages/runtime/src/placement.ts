/**
 * Where one query runs, when the primary has streaming replicas: pure, from what each server
 * reported a moment ago. One query, one server, one snapshot; the server must have replayed up
 * to where the primary stood when the query was placed, so that a query sees every write its
 * submitter saw committed (read-your-writes).
 */

/** Which servers users' queries may read from. */
export type ReadFrom = 'primary' | 'replicas' | 'any';
export const READ_FROM: readonly ReadFrom[] = ['primary', 'replicas', 'any'];

export type ServerRole = 'primary' | 'replica';

export interface ServerSighting {
  name: string;
  role: ServerRole;
  /** What it reported; null when it could not be reached. */
  state: { lsn: bigint; active: number; standby: boolean; systemId: string } | null;
}

/**
 * The servers a query may run on, best first: reachable, allowed by `readFrom`, and (replicas)
 * replayed up to `target` — and truly replicas of this primary: in recovery, and of the same
 * cluster (`systemId`). A listed replica that was promoted, or a server of another cluster, could
 * hold other data at a position that compares as later. Best is the least busy — the fewest of pgfan's statements running —
 * so that concurrent queries spread over the servers; among equals a replica before the primary
 * (which also takes the writes), then at random, so that queries placed at the same moment do not
 * all pick the same one.
 */
export function rankServers(servers: readonly ServerSighting[], target: bigint, readFrom: ReadFrom, random: () => number = Math.random): string[] {
  const primary = servers.find((s) => s.role === 'primary')?.state;
  const eligible = servers.flatMap((server) => {
    const { state } = server;
    if (state === null) return [];
    if (server.role === 'replica' && (!state.standby || state.systemId !== primary?.systemId)) return [];
    if (readFrom === 'primary' && server.role !== 'primary') return [];
    if (readFrom === 'replicas' && server.role !== 'replica') return [];
    if (server.role === 'replica' && state.lsn < target) return [];
    return [{ name: server.name, active: state.active, primary: server.role === 'primary' ? 1 : 0, tie: random() }];
  });
  eligible.sort((a, b) => a.active - b.active || a.primary - b.primary || a.tie - b.tie);
  return eligible.map((server) => server.name);
}

/**
 * How many replicas the cost model spreads a fan-out over when its request does not say: the
 * replicas with free capacity (fewer of pgfan's statements running than the sessions each runs at
 * full speed, `parallelism`, 1 where not measured yet), one per fragment at most. One server (1)
 * when that is fewer than two, or when the fan-out is predicted to take less than `minMs`: a cut
 * costs milliseconds (2–31 measured here), and pauses replay on each replica it takes.
 * @param replicas the replicas a cut may take (see `rankServers`), with their load and capacity.
 */
export function automaticSpread(
  fragments: number,
  predictedMs: number | null,
  replicas: readonly { active: number; parallelism: number | null }[],
  minMs: number,
): number {
  if (predictedMs === null || predictedMs < minMs) return 1;
  const free = replicas.filter((r) => r.active < (r.parallelism ?? 1)).length;
  const count = Math.min(fragments, free);
  return count >= 2 ? count : 1;
}

/** Bytes of WAL a replica has still to replay to reach `primary`; null when either is unknown. */
export function lagBytes(primary: bigint | null, replica: bigint | null): number | null {
  if (primary === null || replica === null) return null;
  return Number(primary > replica ? primary - replica : 0n);
}
