/**
 * The PostgreSQL session a protocol client is pinned to: a real backend on the query role, opened
 * by node-postgres (which speaks every authentication method and TLS mode a connection string may
 * ask for) and then taken over as a plain byte stream, so what the client sends is forwarded as
 * it came. node-postgres' internals used here (`connection`, `getStartupConf`, the socket's
 * listeners) are pinned with pg's version; `postgres-port.test.ts` fails if they change.
 */
import { SESSION_SETTINGS } from '@pgfan/engine';
import { Client } from 'pg';
import { UTC_NAMES } from './settings';
import type { Duplex } from 'node:stream';

export interface PinnedBackend {
  socket: Duplex;
  /** The backend's process id, to cancel what it runs. */
  processId: number;
  /** ParameterStatus values it reported while starting (server_version, TimeZone, …), in order. */
  parameters: [string, string][];
}

/** Startup parameters a client may not pass on: who it is and where it goes are pgfan's to say. */
const NOT_FORWARDED = new Set(['user', 'database', 'replication', 'client_encoding']);

function escapeOption(value: string): string {
  return value.replace(/([ \\])/g, '\\$1');
}

/**
 * The settings a pinned session must start with to print values as pgfan's workers do (its REST
 * results' format): those of SESSION_SETTINGS the server's own defaults (`serverDefaults`, what a
 * direct connection gets) differ from, so that a session differs from a direct one no more than it
 * must (`pg_settings` shows a setting's source). jit changes only speed: the server's choice stays.
 */
export function sessionDefaults(serverDefaults: ReadonlyMap<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(SESSION_SETTINGS).filter(([name, value]) => {
      const current = serverDefaults.get(name);
      if (name === 'jit' || current === value) return false;
      return !(name === 'TimeZone' && UTC_NAMES.has(value) && UTC_NAMES.has(current ?? ''));
    }),
  );
}

/**
 * The startup parameters of the pinned session: `defaults` (see `sessionDefaults`), then what the
 * client asked for, which wins.
 */
export function backendStartup(user: string, database: string, client: ReadonlyMap<string, string>, defaults: Record<string, string>): Record<string, string> {
  const options = Object.entries(defaults).map(([name, value]) => `-c ${name}=${escapeOption(value)}`);
  const startup: Record<string, string> = { user, database, application_name: 'pgfan-pg' };
  for (const [name, value] of client) {
    if (NOT_FORWARDED.has(name)) continue;
    startup[name] = value;
  }
  const all = [...options, ...(client.has('options') ? [client.get('options') as string] : [])];
  if (all.length > 0) startup.options = all.join(' ');
  return startup;
}

/** What a direct connection to `connectionString` starts with: every setting's value. */
export async function serverDefaults(connectionString: string): Promise<Map<string, string>> {
  const client = new Client({ connectionString });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string; setting: string }>('SELECT name, setting FROM pg_catalog.pg_settings');
    return new Map(rows.map((r) => [r.name, r.setting]));
  } finally {
    await client.end();
  }
}

/**
 * Opens a session for a client that sent `clientParameters` in its startup message.
 * @throws the server's error (a FATAL: bad parameter, too many connections, …) as node-postgres reports it.
 */
export async function openBackend(
  connectionString: string,
  clientParameters: ReadonlyMap<string, string>,
  defaults: Record<string, string>,
): Promise<PinnedBackend> {
  const client = new Client({ connectionString });
  const internals = client as unknown as {
    connectionParameters: { user: string; database: string };
    connection: { stream: Duplex; on(event: 'parameterStatus', listener: (m: { parameterName: string; parameterValue: string }) => void): void };
    getStartupConf: () => Record<string, string>;
    processID: number;
  };
  const { user, database } = internals.connectionParameters;
  internals.getStartupConf = () => backendStartup(user, database, clientParameters, defaults);
  const parameters: [string, string][] = [];
  internals.connection.on('parameterStatus', (m) => parameters.push([m.parameterName, m.parameterValue]));
  client.on('error', () => undefined);
  await client.connect();
  const encoding = clientParameters.get('client_encoding');
  if (encoding !== undefined && !/^(utf-?8|unicode)$/i.test(encoding)) {
    // node-postgres always starts in UTF8; the client's own encoding is then set as a startup one would be.
    await client.query(`SET client_encoding = '${encoding.replace(/'/g, "''")}'`);
  }
  const socket = internals.connection.stream;
  // From here on the bytes are the client's: node-postgres reads no more of them.
  socket.removeAllListeners('data');
  return { socket, processId: internals.processID, parameters };
}
