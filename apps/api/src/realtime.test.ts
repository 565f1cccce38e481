/**
 * socket.io against the running system: a client watching a query gets its current record and
 * then its events in pipeline order; the history room hears arrivals and endings; every client
 * gets the system's vital signs about once a second.
 */
import type { ClientToServerEvents, QueryEvent, QueryView, ServerToClientEvents, SystemStats } from '@pgfan/contracts';
import { eventually, startSystem, type System } from '@pgfan/testing';
import { io, type Socket } from 'socket.io-client';

let system: System;
let socket: Socket<ServerToClientEvents, ClientToServerEvents>;

beforeAll(async () => {
  system = await startSystem({ label: 'realtime' });
  socket = io(system.url, { transports: ['websocket'] });
  await new Promise((resolve) => socket.once('connect', () => resolve(undefined)));
}, 90_000);

afterAll(async () => {
  socket?.disconnect();
  await system?.stop();
});

const ORDER: QueryEvent['type'][] = ['queued', 'planned', 'running', 'fragment-started', 'fragment-progress', 'fragment-done', 'combining', 'completed'];

test('a watched query: its record at once, then its events in pipeline order, ending in completed', async () => {
  const everything: QueryEvent[] = [];
  socket.emit('watch:all');
  socket.on('query:event', (event) => everything.push(event));
  const { body } = await system.request<QueryView>('POST', '/api/queries', { sql: 'SELECT country, count(*) FROM events GROUP BY 1', partitions: 3 });
  const record = await new Promise<QueryView | null>((resolve) => socket.emit('watch', body.id, resolve));
  expect(record?.id).toBe(body.id);
  await eventually(async () => (everything.some((e) => e.id === body.id && e.type === 'completed') ? true : undefined));
  const mine = everything.filter((e) => e.id === body.id);
  expect(mine[0]?.type).toBe('queued');
  expect(mine.at(-1)).toMatchObject({ type: 'completed', rowCount: 10 });
  // Each fragment starts before it is done; the combine comes after every fragment. The room is
  // joined only once the query is submitted, so what happened before the join is in the record
  // the watch answered with instead of in events.
  const positions = mine.map((e) => ORDER.indexOf(e.type));
  const lastFragment = Math.max(...mine.map((e, i) => (e.type.startsWith('fragment') ? i : -1)));
  expect(mine.findIndex((e) => e.type === 'combining')).toBeGreaterThan(lastFragment);
  for (const index of [0, 1, 2]) {
    const before = record?.fragments.find((f) => f.index === index)?.state ?? 'waiting';
    const started = before === 'waiting' ? mine.findIndex((e) => e.type === 'fragment-started' && e.index === index) : -1;
    const done = before === 'done' ? 0 : mine.findIndex((e) => e.type === 'fragment-done' && e.index === index);
    if (before === 'waiting') expect(started).toBeGreaterThanOrEqual(0);
    expect(done).toBeGreaterThan(started);
  }
  expect(positions.every((p) => p >= 0)).toBe(true);
});

test('an unknown query is answered with null', async () => {
  expect(await new Promise((resolve) => socket.emit('watch', '00000000-0000-4000-8000-000000000000', resolve))).toBeNull();
});

test('system stats arrive about once a second: workers with real figures, every queue, latency', async () => {
  const stats = await new Promise<SystemStats>((resolve) => socket.once('system:stats', resolve));
  expect(stats.workers.map((w) => w.id)).toEqual(['w1', 'w2']);
  expect(stats.workers[0]).toMatchObject({ pid: expect.any(Number), concurrency: 2 });
  expect(stats.workers[0]!.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
  expect(stats.queues.map((q) => q.name)).toEqual(['pgfan-coordinate', 'pgfan-fragments', 'pgfan-combine']);
  expect(stats.latency.count).toBeGreaterThanOrEqual(1);
  expect(stats.replicas).toBeNull();
});
