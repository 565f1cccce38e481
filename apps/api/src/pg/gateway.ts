/**
 * pgfan's PostgreSQL port: a TCP server whose clients each get a ClientSession, and the registry
 * CancelRequests find them in. It serves one database, the one users' queries run on, under its
 * own name or `pgfan`.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import type { ApiKeys } from '../auth';
import type { ApiContext } from '../context';
import type { ErrorFields } from './messages';
import { ClientSession } from './session';
import { serverDefaults, sessionDefaults } from './backend';
import { WorkerSettings } from './settings';

export interface GatewayOptions {
  port: number;
  host: string;
  /** TLS for clients that ask for it (PG_TLS_CERT, PG_TLS_KEY); none: an SSLRequest is answered 'N'. */
  tls: SecureContext | null;
  /** Clients connected at once, at most; more are refused as PostgreSQL refuses them. */
  maxClients: number;
}

export class Gateway {
  private readonly sessions = new Map<number, ClientSession>();
  private readonly stopWatchingKeys: () => void;

  constructor(
    readonly api: ApiContext,
    readonly settings: WorkerSettings,
    /** What each pinned session starts with (see `sessionDefaults`). */
    readonly sessionDefaults: Record<string, string>,
    readonly tls: SecureContext | null,
    private readonly database: string,
    private readonly maxClients: number,
  ) {
    // A revoked key's sessions end, as its sockets do over HTTP.
    this.stopWatchingKeys = api.keys.onRefresh(() => {
      for (const session of this.sessions.values()) {
        const digest = session.keyDigest;
        if (digest !== null && 'refused' in api.keys.identifyDigest(digest)) session.terminate('the API key of this session has been revoked');
      }
    });
  }

  /** Clients connected now. */
  get size(): number {
    return this.sessions.size;
  }

  get keys(): ApiKeys {
    return this.api.keys;
  }

  get connectionString(): string {
    return this.api.env.queryDatabaseUrl;
  }

  accept(socket: Socket): void {
    socket.setNoDelay(true);
    const session = new ClientSession(socket, this);
    this.sessions.set(session.processId, session);
  }

  /** Why a startup message is refused, as PostgreSQL words it; null to go on. */
  refusesStartup(parameters: ReadonlyMap<string, string>): ErrorFields | null {
    if (parameters.has('replication')) return { severity: 'FATAL', code: '28000', message: 'pgfan does not serve replication connections' };
    const database = parameters.get('database') ?? parameters.get('user') ?? '';
    if (database !== this.database && database !== 'pgfan') {
      return { severity: 'FATAL', code: '3D000', message: `database "${database}" does not exist`, hint: `pgfan serves "${this.database}" (also as "pgfan")` };
    }
    if (this.sessions.size > this.maxClients) return { severity: 'FATAL', code: '53300', message: 'sorry, too many clients already' };
    return null;
  }

  cancel(processId: number, secretKey: number): void {
    const session = this.sessions.get(processId);
    if (session && session.secretKey === secretKey) session.cancel();
  }

  forget(session: ClientSession): void {
    this.sessions.delete(session.processId);
  }

  /**
   * Ends every session: idle ones now, one running a statement once it is answered or at
   * `deadline`, whichever comes first.
   */
  async closeAll(deadline: number): Promise<void> {
    this.stopWatchingKeys();
    for (;;) {
      for (const session of [...this.sessions.values()]) if (!session.busy || Date.now() >= deadline) session.terminate('pgfan is shutting down');
      if (this.sessions.size === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * Listens for PostgreSQL clients.
 * @throws when the port cannot be listened on.
 */
export async function startGateway(
  api: ApiContext,
  options: GatewayOptions,
): Promise<{ server: Server; gateway: Gateway; close(deadline: number): Promise<void> }> {
  const { rows } = await api.queryPool.query<{ database: string; settings: Record<string, string> }>(
    'SELECT current_database() AS database, json_object_agg(name, setting)::text AS settings FROM pg_catalog.pg_settings',
  );
  const row = rows[0] as unknown as { database: string; settings: string };
  const gateway = new Gateway(
    api,
    new WorkerSettings(new Map(Object.entries(JSON.parse(row.settings) as Record<string, string>))),
    sessionDefaults(await serverDefaults(api.env.queryDatabaseUrl)),
    options.tls,
    row.database,
    options.maxClients,
  );
  const server = createServer((socket) => gateway.accept(socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    gateway,
    // Stop accepting, then end the sessions (see `closeAll`).
    close: async (deadline) => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.closeAll(deadline);
      await closed;
    },
  };
}
