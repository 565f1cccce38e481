/**
 * socket.io: dashboards follow queries (a room per query) and the system's vital signs. Events
 * come from the Redis query-event channel, so every API process relays every query's events,
 * whichever process or worker produced them. A client that reconnects asks for the records it
 * watches again (`watch` answers with the current record), so it never misses an ending.
 */
import type { Server as HttpServer } from 'node:http';
import type { ClientToServerEvents, ServerToClientEvents } from '@pgfan/contracts';
import { getFragmentProgress, withLiveProgress } from '@pgfan/dispatch';
import { getQuery } from '@pgfan/store';
import { Server } from 'socket.io';
import { presentedKey } from './auth';
import type { ApiContext } from './context';
import { workerScaleSource } from './replicas';
import { StatsCollector } from './stats';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ALL = 'all-queries';

export interface Realtime {
  io: Server<ClientToServerEvents, ServerToClientEvents>;
  stats: StatsCollector;
  close(): Promise<void>;
}

export function attachRealtime(server: HttpServer, ctx: ApiContext, log: (message: string) => void, statsIntervalMs = 1000): Realtime {
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(server, {
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
    next();
  });
  const workerScale = workerScaleSource({ hpaName: ctx.env.WORKER_HPA_NAME, access: ctx.kubernetes ?? null, redis: ctx.redis, log });
  const stats = new StatsCollector(ctx.redis, ctx.queues, workerScale);

  io.on('connection', (socket) => {
    socket.on('watch', async (queryId, answer) => {
      if (typeof queryId !== 'string' || !UUID.test(queryId)) return typeof answer === 'function' ? answer(null) : undefined;
      await socket.join(`query:${queryId}`);
      if (typeof answer !== 'function') return;
      try {
        const record = await getQuery(ctx.storePool, queryId);
        const live = record && !['completed', 'failed', 'cancelled'].includes(record.status) ? await getFragmentProgress(ctx.redis, queryId) : null;
        answer(record && live ? { ...record, fragments: withLiveProgress(record.fragments, live) } : record);
      } catch (error) {
        log(`watch ${queryId}: ${(error as Error).message}`);
        answer(null);
      }
    });
    socket.on('unwatch', (queryId) => void socket.leave(`query:${queryId}`));
    socket.on('watch:all', () => void socket.join(ALL));
  });

  const unsubscribe = ctx.events.subscribe((event) => {
    stats.record(event);
    io.to(`query:${event.id}`).emit('query:event', event);
    if (event.type === 'queued' || event.type === 'completed' || event.type === 'failed' || event.type === 'cancelled') io.to(ALL).emit('query:event', event);
  });

  let collecting = false;
  const timer = setInterval(() => {
    if (collecting || io.engine.clientsCount === 0) return;
    collecting = true;
    stats
      .collect()
      .then((s) => void io.emit('system:stats', s))
      .catch((error: Error) => log(`stats: ${error.message}`))
      .finally(() => (collecting = false));
  }, statsIntervalMs);

  return {
    io,
    stats,
    close: async () => {
      clearInterval(timer);
      unsubscribe();
      await io.close();
    },
  };
}
