/**
 * socket.io: dashboards follow queries (a room per query) and the system's vital signs. Events
 * come from the Redis query-event channel, so every API process relays every query's events,
 * whichever process or worker produced them. A client that reconnects asks for the records it
 * watches again (`watch` answers with the current record), so it never misses an ending.
 *
 * A socket hears only what its key may see: the queries it submitted (an admin key: all). Its key
 * is checked again whenever the API reads the keys afresh; a revoked key's sockets are
 * disconnected then, within API_KEYS_REFRESH_MS.
 */
import type { Server as HttpServer } from 'node:http';
import { FINAL_STATUSES, type ClientToServerEvents, type QueryEvent, type ServerToClientEvents } from '@pgfan/contracts';
import { getFragmentProgress, withLiveProgress } from '@pgfan/dispatch';
import { getQuery, queryClient } from '@pgfan/store';
import { Server, type Socket } from 'socket.io';
import { ownerScope, presentedKey, type Caller } from './auth';
import type { ApiContext } from './context';
import { serverReports } from './health';
import { workerScaleSource } from './replicas';
import { StatsCollector } from './stats';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Every query's arrivals and endings: admins' history rooms (and everyone's, without keys). */
const ALL = 'all-queries';
/** One client's arrivals and endings. */
const clientRoom = (client: string) => `client:${client}`;

/** Events the history view follows. */
const HISTORY_EVENTS = new Set<QueryEvent['type']>(['queued', 'completed', 'failed', 'cancelled']);

interface SocketData {
  caller: Caller;
}

type PgfanSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface Realtime {
  io: Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
  stats: StatsCollector;
  close(): Promise<void>;
}

export function attachRealtime(server: HttpServer, ctx: ApiContext, statsIntervalMs = 1000): Realtime {
  const { logger } = ctx;
  const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(server, {
    serveClient: false,
    cors: { origin: ctx.env.CORS_ORIGINS.length > 0 ? ctx.env.CORS_ORIGINS : false },
    // Nothing a client sends is large: a query id.
    maxHttpBufferSize: 10_000,
  });
  // The key comes as `auth: { token }` (browsers cannot set headers on a WebSocket) or as an Authorization header.
  io.use((socket, next) => {
    const token: unknown = socket.handshake.auth?.token;
    const identity = ctx.keys.identify(typeof token === 'string' && token !== '' ? token : presentedKey(socket.handshake.headers.authorization));
    if ('refused' in identity) return next(Object.assign(new Error(identity.refused), { data: { code: 'UNAUTHORIZED' } }));
    (socket as PgfanSocket).data.caller = identity;
    next();
  });
  const workerScale = workerScaleSource({ hpaName: ctx.env.WORKER_HPA_NAME, access: ctx.kubernetes ?? null, redis: ctx.redis, logger });
  const servers = () => serverReports(ctx);
  const stats = new StatsCollector(ctx.redis, ctx.queues, workerScale, servers);

  io.on('connection', (socket: PgfanSocket) => {
    socket.on('watch', async (queryId, answer) => {
      if (typeof queryId !== 'string' || !UUID.test(queryId)) return typeof answer === 'function' ? answer(null) : undefined;
      try {
        // Another key's query is unknown to this socket: it is never joined to its room. The
        // room is joined before the record is read, so no event falls between the two.
        const owner = ownerScope(socket.data.caller);
        if (owner !== undefined && (await queryClient(ctx.storePool, queryId)) !== owner) return typeof answer === 'function' ? answer(null) : undefined;
        await socket.join(`query:${queryId}`);
        const record = await getQuery(ctx.storePool, queryId);
        if (!record) await socket.leave(`query:${queryId}`);
        if (typeof answer !== 'function') return;
        const live = record && !FINAL_STATUSES.includes(record.status) ? await getFragmentProgress(ctx.redis, queryId) : null;
        answer(record && live ? { ...record, fragments: withLiveProgress(record.fragments, live) } : record);
      } catch (error) {
        logger.warn({ queryId }, `watch ${queryId}: ${(error as Error).message}`);
        if (typeof answer === 'function') answer(null);
      }
    });
    socket.on('unwatch', (queryId) => void socket.leave(`query:${queryId}`));
    socket.on('watch:all', () => {
      const { caller } = socket.data;
      const owner = ownerScope(caller);
      void socket.join(owner === undefined ? ALL : clientRoom(owner));
    });
  });

  // Whose each unfinished query is, learnt from its `queued` event (or read, for one queued
  // before this process started), for routing its ending to its owner's history room.
  const owners = new Map<string, string | null>();
  // `has`, not `??`: a query without a key is null's, and known as such.
  const ownerOf = async (id: string): Promise<string | null | undefined> =>
    owners.has(id) ? owners.get(id) : await queryClient(ctx.storePool, id).catch(() => undefined);
  // Only to a room someone is in: socket.io encodes a broadcast before it looks for its sockets,
  // and most events (a dozen a fan-out) have no dashboard watching.
  const relay = (room: string, event: QueryEvent) => {
    if (io.sockets.adapter.rooms.has(room)) io.to(room).emit('query:event', event);
  };
  const unsubscribe = ctx.events.subscribe((event) => {
    stats.record(event);
    relay(`query:${event.id}`, event);
    if (!HISTORY_EVENTS.has(event.type)) return;
    relay(ALL, event);
    if (event.type === 'queued') {
      owners.set(event.id, event.client ?? null);
      if (event.client) relay(clientRoom(event.client), event);
      return;
    }
    void ownerOf(event.id).then((owner) => {
      owners.delete(event.id);
      if (owner) relay(clientRoom(owner), event);
    });
  });

  // Keys are read afresh every API_KEYS_REFRESH_MS: a socket whose key was revoked, or changed
  // standing, is disconnected (a client with a valid key reconnects under its new standing).
  const stopChecking = ctx.keys.onRefresh(() => {
    for (const socket of io.of('/').sockets.values() as IterableIterator<PgfanSocket>) {
      const { caller } = socket.data;
      const now = ctx.keys.identifyDigest(caller.digest);
      if ('refused' in now || now.client !== caller.client || now.admin !== caller.admin) socket.disconnect(true);
    }
  });

  let collecting = false;
  const timer = setInterval(() => {
    if (collecting || io.engine.clientsCount === 0) return;
    collecting = true;
    stats
      .collect()
      .then((s) => void io.emit('system:stats', s))
      .catch((error: Error) => logger.warn(`stats: ${error.message}`))
      .finally(() => (collecting = false));
  }, statsIntervalMs);

  return {
    io,
    stats,
    close: async () => {
      clearInterval(timer);
      unsubscribe();
      stopChecking();
      await io.close();
    },
  };
}
